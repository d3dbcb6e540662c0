"""Words for people: the Activity page in sentences with filters and a CSV export, and Send test e-mail
on Billing Settings through a real SMTP server."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from efaktur.activity.models import ActivityEntry
from efaktur.activity.services import entry_texts
from efaktur.activity.wording import sentence
from efaktur.extensions import db
from efaktur.settings.alerts import NO_MAIL_SERVER, NO_RECIPIENTS
from tests.conftest import HTMX, SmtpSink, add_range, generate, make_invoice, readable, set_threshold
from tests.test_files import _sending_app


@pytest.mark.parametrize("action, summary, expected", [
    ("number.assigned", "Assigned 010.000-26.00000006 to invoice INV-2026-000020.",
     "sari@co.id generated 010.000-26.00000006 for INV-2026-000020."),
    ("number.released", "Cancelled 010.000-26.00000006 of invoice INV-9; the number is available again.",
     "sari@co.id cancelled 010.000-26.00000006 of invoice INV-9; the number is available again."),
    ("invoice.status", "Invoice INV-1: Unpaid to Paid.", "sari@co.id changed invoice INV-1 from Unpaid to Paid."),
    ("user.role", "budi@co.id: Staff to Admin.", "sari@co.id changed the role of budi@co.id from Staff to Admin."),
    ("threshold.saved", "Threshold Limit 30 (active) changed to 4 (active).",
     "sari@co.id changed the Threshold Limit from 30 (active) to 4 (active)."),
    ("range.created", "Added range 000-26.00000001 to 000-26.00000100 (2026).",
     "sari@co.id added range 000-26.00000001 to 000-26.00000100 (2026)."),
    ("user.password_changed", "sari@co.id changed their password.", "sari@co.id changed their password."),
    ("threshold.alert", "Available numbers for 2026 are at 4 (limit 5): the threshold e-mail went to 1 address(es).",
     "Available numbers for 2026 are at 4 (limit 5): the threshold e-mail went to 1 address(es). (sari@co.id)"),
])
def test_entries_read_as_sentences(action, summary, expected):
    assert sentence("sari@co.id", action, summary) == expected


@given(st.lists(st.dictionaries(st.sampled_from(["no", "invoice"]), st.text()), min_size=1, max_size=5))
def test_bulk_entries_read_as_one_by_one(params_list):
    """A Generate's entries (all values strings: filled in directly, their JSON written by hand) read exactly as
    gettext and json.dumps write them: quotes, backslashes, per cents, control characters and any script."""
    message = "Assigned %(no)s to invoice %(invoice)s (100%% sure)."
    texts = entry_texts(message, [params for params in params_list if len(params) == 2])
    expected = [(message % params, json.dumps(params, ensure_ascii=False)) for params in params_list if len(params) == 2]
    assert list(zip(texts["summary"], texts["params"])) == expected
    mixed = entry_texts("Took %(n)s of %(what)s.", [{"n": 3, "what": "x"}, {"n": 1_000, "what": "\"y\""}])
    assert mixed == {"summary": ["Took 3 of x.", 'Took 1,000 of "y".'],
                     "params": ['{"n": 3, "what": "x"}', '{"n": 1000, "what": "\\"y\\""}']}


def _entry(app, at, actor, action, summary):
    with app.app_context():
        db.session.add(ActivityEntry(at=at, actor=actor, action=action, summary=summary))
        db.session.commit()


@pytest.fixture
def logged(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    generate(app, [make_invoice(app, number="INV-ACT")])
    # Two entries of known times: 1 June 23:30 and 2 June 00:30 in Jakarta.
    _entry(app, datetime(2026, 6, 1, 16, 30, tzinfo=timezone.utc), "sari@co.id", "invoice.status", "Invoice INV-ACT: Unpaid to Paid.")
    _entry(app, datetime(2026, 6, 1, 17, 30, tzinfo=timezone.utc), "budi@co.id", "range.deleted", "Deleted range 000-26.00000050 to 000-26.00000060 (2026).")


def test_the_activity_page_shows_sentences_and_filters(app, logged, admin_client):
    body = readable(admin_client.get("/activity/").get_data(as_text=True))
    assert "system generated 010.000-26.00000001 for INV-ACT." in body  # seeded outside a request of a user
    assert "sari@co.id changed invoice INV-ACT from Unpaid to Paid." in body
    assert "<code>" not in body  # no action codes for clerks

    only_numbers = readable(admin_client.get("/activity/?kind=number").get_data(as_text=True))
    assert "generated 010.000-26.00000001" in only_numbers and "changed invoice" not in only_numbers
    only_budi = readable(admin_client.get("/activity/?actor=budi@co.id").get_data(as_text=True))
    assert "budi@co.id deleted range" in only_budi and "sari@co.id" not in only_budi.split('id="activity-table"')[1]
    # Dates are the company's days (Asia/Jakarta): 1 June holds Sari's entry only.
    first_june = readable(admin_client.get("/activity/?from=2026-06-01&to=2026-06-01").get_data(as_text=True))
    table = first_june.split('id="activity-table"')[1]
    assert "sari@co.id changed invoice" in table and "budi@co.id" not in table
    second_june = readable(admin_client.get("/activity/?from=2026-06-02&to=2026-06-02").get_data(as_text=True)).split('id="activity-table"')[1]
    assert "budi@co.id deleted range" in second_june and "sari@co.id" not in second_june


def test_bad_filter_values_are_said_and_left_out(app, logged, admin_client):
    response = admin_client.get("/activity/?from=2026-13-45&kind=nonsense&to=9999-12-31")
    body = readable(response.get_data(as_text=True))
    assert response.status_code == 200 and "From is not a date between 2000 and 2099; it was left out." in body
    assert "generated 010.000-26.00000001" in body
    body = readable(admin_client.get("/activity/?from=2026-06-10&to=2026-06-01").get_data(as_text=True))
    assert "To is before From: nothing can match." in body and "Nothing matches these filters." in body


def test_the_filtered_log_exports_as_csv(app, logged, admin_client):
    response = admin_client.get("/activity/export.csv?actor=sari@co.id")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'attachment; filename="activity.csv"' == response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["When", "Who", "Kind", "What happened", "Action", "Summary (English)"]
    assert rows[1:] == [["2026-06-01 23:30:00", "sari@co.id", "Invoices", "sari@co.id changed invoice INV-ACT from Unpaid to Paid.",
                         "invoice.status", "Invoice INV-ACT: Unpaid to Paid."]]
    everything = list(csv.reader(io.StringIO(admin_client.get("/activity/export.csv").get_data(as_text=True))))
    assert len(everything) == 1 + 5  # range added, invoice created, number generated, and the two above
    assert admin_client.get("/activity/export.csv?kind=range&from=2026-06-02").headers["Content-Disposition"] == \
        'attachment; filename="activity-range-2026-06-02.csv"'


def test_staff_cannot_read_the_log(app, staff_client):
    assert staff_client.get("/activity/").status_code == 403
    assert staff_client.get("/activity/export.csv").status_code == 403


# ---- Send test e-mail ------------------------------------------------------------------------------

def test_send_test_email_through_a_real_smtp_server(app, admin_client):
    set_threshold(app, 5, emails=["finance@company.co.id", "owner@company.co.id"])
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        response = admin_client.post("/settings/test-email", headers=HTMX)
    body = readable(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Test e-mail sent to finance@company.co.id, owner@company.co.id." in body
    received = sink.parsed()
    assert sorted(r[0] for r, _ in received) == ["finance@company.co.id", "owner@company.co.id"]
    assert all("threshold alerts reach this address" in message["Subject"] for _, message in received)


def test_a_refused_address_is_named(app, admin_client):
    set_threshold(app, 5, emails=["finance@company.co.id", "typo@company.co.id"])
    with SmtpSink(refuse_recipient=lambda address: address.startswith("typo")) as sink:
        _sending_app(app, sink.port)
        body = admin_client.post("/settings/test-email", headers=HTMX).get_data(as_text=True)
    assert "Sent to 1 of 2 addresses; these were refused (check them for typing mistakes):" in body
    assert "typo@company.co.id: SMTPRecipientsRefused" in body


def test_without_addresses_or_mail_server_the_page_says_what_to_do(app, admin_client):
    body = admin_client.post("/settings/test-email", headers=HTMX).get_data(as_text=True)
    assert NO_RECIPIENTS in body
    set_threshold(app, 5, emails=["finance@company.co.id"])
    app.config["MAIL_SERVER"] = None
    body = admin_client.post("/settings/test-email", headers=HTMX).get_data(as_text=True)
    assert NO_MAIL_SERVER in body and "MAIL_SERVER" not in body
    # Without JavaScript: the Billing Settings page with the outcome.
    page = admin_client.post("/settings/test-email")
    assert page.status_code == 200 and NO_MAIL_SERVER in page.get_data(as_text=True)


def test_a_long_log_exports_whole(app, admin_client):
    with app.app_context():
        db.session.execute(db.insert(ActivityEntry), [
            {"at": datetime(2026, 6, 1, tzinfo=timezone.utc), "actor": "sari@co.id", "action": "invoice.created",
             "subject": "", "summary": f"Created invoice INV-{i:05d} for PT A (DPP 1, PPN 0)."} for i in range(2345)])
        db.session.commit()
    rows = list(csv.reader(io.StringIO(admin_client.get("/activity/export.csv").get_data(as_text=True))))
    assert len(rows) == 1 + 2345
    assert len({row[3] for row in rows[1:]}) == 2345  # each entry once
