"""The threshold e-mail sent inside Generate: when it goes, to whom, what it says, and its failures."""
import multiprocessing
import socket
import time

import pytest

from efaktur import create_app
from efaktur.extensions import db, mail
from efaktur.numbers.models import NumberAssignment
from efaktur.settings.alerts import NO_MAIL_SERVER, NO_RECIPIENTS
from efaktur.settings.models import ThresholdAlert
from tests.conftest import (
    ADMIN_EMAIL,
    HTMX,
    PASSWORD,
    SmtpSink,
    add_range,
    base_config,
    mail_config,
    make_invoice,
    seed_users,
    set_threshold,
)

TWO = ("finance@example.com", "boss@example.com")


def post_generate(client, ids):
    return client.post("/invoices/generate", data={"invoice_ids": [str(i) for i in ids]}, headers=HTMX)


def alerts(app):
    with app.app_context():
        return [
            (a.outcome, a.available, a.threshold_limit, a.detail)
            for a in db.session.scalars(db.select(ThresholdAlert).order_by(ThresholdAlert.id))
        ]


def held(app):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count(NumberAssignment.id)).where(NumberAssignment.released_at.is_(None))
        )


@pytest.fixture
def five_left(app):
    """The guide's example: Available Number 5 in this year's range."""
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")


# ---- the cases of the issue, with Flask-Mail's outbox (unit level) -----------------------

def test_count_equal_to_the_limit_sends_the_email_to_every_address_on_its_own(admin_client, app, five_left):
    set_threshold(app, 4, emails=TWO)
    with mail.record_messages() as outbox:
        response = post_generate(admin_client, [make_invoice(app)])
    assert response.status_code == 200
    assert len(outbox) == 2  # one message per address: nobody sees the others
    assert sorted(r for message in outbox for r in message.recipients) == sorted(TWO)
    assert all(len(message.recipients) == 1 and not message.cc and not message.bcc for message in outbox)
    assert all("Available number reached threshold limit: 4 left for 2026 (limit 4)" in m.subject for m in outbox)
    assert alerts(app) == [("sent", 4, 4, "")]
    assert "threshold e-mail went to 2 address(es)" in response.get_data(as_text=True)


def test_count_above_the_limit_sends_nothing_and_records_nothing(admin_client, app, five_left):
    set_threshold(app, 3, emails=TWO)
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app)])
    assert outbox == [] and alerts(app) == []


def test_inactive_threshold_sends_nothing(admin_client, app, five_left):
    set_threshold(app, 4, active=False, emails=TWO)
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app), make_invoice(app)])
    assert outbox == [] and alerts(app) == []


def test_below_the_limit_sends_on_every_generate_request_one_email_each(admin_client, app, five_left):
    set_threshold(app, 4, emails=TWO)
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app)])  # 4 left
        post_generate(admin_client, [make_invoice(app), make_invoice(app)])  # 2 left: one e-mail, not two
        post_generate(admin_client, [make_invoice(app)])  # 1 left
    # one alert per request, and each alert one message per address
    assert [m.subject.split(":")[1].strip().split()[0] for m in outbox] == ["4", "4", "2", "2", "1", "1"]
    assert [a[1] for a in alerts(app)] == [4, 2, 1]


def test_no_address_listed_sends_nothing_but_records_why(admin_client, app, five_left):
    set_threshold(app, 4)
    with mail.record_messages() as outbox:
        response = post_generate(admin_client, [make_invoice(app)])
    assert outbox == []
    assert alerts(app) == [("not_sent", 4, 4, NO_RECIPIENTS)]
    assert "no e-mail was sent" in response.get_data(as_text=True)


def test_cancel_number_never_sends(admin_client, app, five_left):
    invoice = make_invoice(app)
    post_generate(admin_client, [invoice])
    set_threshold(app, 5, emails=TWO)  # 4 left: at the limit, and cancelling makes it 5
    admin_client.post(f"/invoices/{invoice}/status", data={"status": "cancelled"}, headers=HTMX)
    with mail.record_messages() as outbox:
        assert admin_client.post(f"/invoices/{invoice}/cancel-number", headers=HTMX).status_code == 200
    assert outbox == [] and alerts(app) == []


def test_numbering_a_past_year_invoice_is_judged_by_the_current_year(admin_client, app, five_left):
    add_range(app, 2025, "000-25.00000001", "000-25.00000002")
    set_threshold(app, 4, emails=TWO)  # 2025 falls to 1 (below 4); 2026 stays at 5 (above)
    with mail.record_messages() as outbox:
        assert post_generate(admin_client, [make_invoice(app, invoice_date="2025-12-20")]).status_code == 200
    assert outbox == [] and alerts(app) == []


def test_current_year_is_the_jakarta_year(admin_client, app):
    add_range(app, 2027, "000-27.00000001", "000-27.00000003")
    app.config["EFAKTUR_FIXED_NOW"] = "2026-12-31T20:00:00+00:00"  # already 2027 in Jakarta
    set_threshold(app, 2, emails=TWO)
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app, invoice_date="2027-01-01")])
    assert len(outbox) == len(TWO) and all("2 left for 2027" in m.subject for m in outbox)


def test_no_mail_server_records_not_sent_and_nothing_fails(app, tmp_path, database_uri):
    app = create_app(base_config(database_uri, str(tmp_path)) | {"MAIL_SERVER": None})  # same database, no mail
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    set_threshold(app, 4, emails=TWO)
    response = post_generate(client, [make_invoice(app)])
    assert response.status_code == 200
    assert alerts(app) == [("not_sent", 1, 4, NO_MAIL_SERVER)]
    with app.app_context():
        db.engine.dispose()


# ---- a real SMTP server ---------------------------------------------------------------------

def sending_app(tmp_path, port, **extra):
    app = create_app(base_config("sqlite:///" + str(tmp_path / "mail.sqlite"), str(tmp_path)) | mail_config(port, **extra))
    with app.app_context():
        db.create_all()
        seed_users()
    return app


def logged_in(app):
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    return client


def test_the_email_arrives_with_recipients_subject_and_content(tmp_path, smtp_server):
    app = sending_app(tmp_path, smtp_server.port, EFAKTUR_PUBLIC_URL="https://efaktur.example.co.id")
    with app.test_request_context():
        from efaktur.settings.services import save_company

        save_company("PT Contoh Sejahtera", "012345678901000")
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    add_range(app, 2026, "001-26.00000001", "001-26.00000002")
    set_threshold(app, 6, emails=TWO)
    response = post_generate(logged_in(app), [make_invoice(app)])
    assert response.status_code == 200
    received = smtp_server.parsed()
    assert sorted(r for rcpt_tos, _ in received for r in rcpt_tos) == sorted(TWO)
    assert all(len(rcpt_tos) == 1 for rcpt_tos, _ in received)  # nobody sees the other addresses
    (_, message), _ = received
    assert message["To"] in TWO and "," not in message["To"]
    assert message["Subject"].strip() == "Available number reached threshold limit: 6 left for 2026 (limit 6)"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "PT Contoh Sejahtera" in part
        assert "2026" in part
        assert "000-26.00000001" in part and "001-26.00000002" in part
        assert "https://efaktur.example.co.id/numbers/" in part
        assert "run out around" in part  # one number used in the last 30 days: a pace
    assert "000-26.00000001 to 000-26.00000005: 4 of 5 left" in text
    assert alerts(app)[0][0] == "sent"


def _assert_failure_keeps_the_numbers(app, started, detail_part):
    elapsed = time.monotonic() - started
    assert elapsed < app.config["MAIL_TIMEOUT"] + 1, f"took {elapsed:.1f} s"
    assert held(app) == 1
    ((outcome, available, limit, detail),) = alerts(app)
    assert (outcome, available, limit) == ("failed", 4, 4)
    assert detail_part in detail


def _generate_with_alert(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 4, emails=TWO)
    invoice = make_invoice(app)
    client = logged_in(app)
    started = time.monotonic()
    response = post_generate(client, [invoice])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "010.000-26.00000001" in body
    assert "threshold alert e-mail failed" in body
    return started


def test_connection_refused(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    app = sending_app(tmp_path, closed_port)
    started = _generate_with_alert(app)
    _assert_failure_keeps_the_numbers(app, started, "ConnectionRefusedError")


def test_server_rejects_the_message(tmp_path):
    with SmtpSink(reject_with="554 5.7.1 Message rejected") as sink:
        app = sending_app(tmp_path, sink.port)
        started = _generate_with_alert(app)
    _assert_failure_keeps_the_numbers(app, started, "Message rejected")


def test_server_rejects_the_login(tmp_path):
    with SmtpSink(deny_login=True) as sink:
        app = sending_app(tmp_path, sink.port, MAIL_USERNAME="efaktur", MAIL_PASSWORD="wrong")
        started = _generate_with_alert(app)
    _assert_failure_keeps_the_numbers(app, started, "SMTPAuthenticationError")


def test_server_accepts_the_connection_and_never_answers(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)  # connections complete in the backlog; nothing ever answers
        app = sending_app(tmp_path, silent.getsockname()[1], MAIL_TIMEOUT=1)
        started = _generate_with_alert(app)
        _assert_failure_keeps_the_numbers(app, started, "timed out")


# ---- two generate requests at once ----------------------------------------------------------

def _generate_in_process(database_uri, port, invoice_id, start_event, results):
    import tempfile

    from efaktur.numbers.ledger import generate_numbers
    from efaktur.settings.alerts import recheck_after_generate

    app = create_app(base_config(database_uri, tempfile.mkdtemp()) | mail_config(port))
    with app.test_request_context():
        start_event.wait(30)
        generate_numbers([invoice_id])
        report = recheck_after_generate()
        results.put(report.available if report else None)
        db.engine.dispose()


def test_two_concurrent_generate_requests_each_recheck_after_their_own_commit(app, database_uri, smtp_server):
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 4, emails=TWO)
    invoices = [make_invoice(app), make_invoice(app)]
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_generate_in_process, args=(database_uri, smtp_server.port, i, start, results))
        for i in invoices
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    start.set()
    seen = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    # Each saw at most what its own commit left (4 after the first, 3 after the second);
    # the later one always sees both commits.
    assert seen[0] == 3 and seen[1] in (3, 4)
    assert len(smtp_server.messages) == 2 * len(TWO)  # two alerts, each to both addresses
    assert sorted(a[1] for a in alerts(app)) == seen
