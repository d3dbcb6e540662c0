"""Generate E-Faktur No and Cancel E-Faktur No: the rules one by one, through the HTTP views."""
import re

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber
from efaktur.numbers.services import year_count
from tests.conftest import HTMX, add_range, generate, make_invoice


def post_generate(client, ids):
    return client.post("/invoices/generate", data={"invoice_ids": [str(i) for i in ids]}, headers=HTMX)


def live_numbers(app):
    """{invoice id: E-Faktur No} of the numbers held now."""
    with app.app_context():
        return {
            a.invoice_id: a.efaktur_no
            for a in db.session.scalars(db.select(NumberAssignment).where(NumberAssignment.released_at.is_(None)))
        }


def available(app, year=2026):
    with app.app_context():
        return year_count(year).available


def activity(app, action):
    with app.app_context():
        return db.session.scalars(db.select(ActivityEntry.summary).where(ActivityEntry.action == action)).all()


@pytest.fixture
def range_2026(app):
    return add_range(app, 2026, "000-26.00000001", "000-26.00000010")


def test_one_invoice_gets_the_first_number(admin_client, app, range_2026):
    invoice = make_invoice(app)
    response = post_generate(admin_client, [invoice])
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "010.000-26.00000001" in body
    assert {"invoicesChanged", "numbersChanged"} <= set(response.headers["HX-Trigger"].split('"'))
    assert live_numbers(app) == {invoice: "010.000-26.00000001"}
    assert available(app) == 9


def test_the_efaktur_no_carries_the_transaction_code(admin_client, app, range_2026):
    invoice = make_invoice(app, code="07")
    post_generate(admin_client, [invoice])
    assert live_numbers(app) == {invoice: "070.000-26.00000001"}


def test_several_invoices_get_ascending_numbers_in_invoice_date_order(admin_client, app, range_2026):
    late = make_invoice(app, invoice_date="2026-06-20")
    early = make_invoice(app, invoice_date="2026-06-02")
    response = post_generate(admin_client, [late, early])
    assert response.status_code == 200
    assert live_numbers(app) == {early: "010.000-26.00000001", late: "010.000-26.00000002"}


def test_an_invoice_never_gets_a_second_number(admin_client, app, range_2026):
    invoice = make_invoice(app)
    post_generate(admin_client, [invoice])
    response = post_generate(admin_client, [invoice])
    assert response.status_code == 422
    assert "already have an E-Faktur No" in response.get_data(as_text=True)
    assert live_numbers(app) == {invoice: "010.000-26.00000001"}
    assert available(app) == 9


@pytest.mark.parametrize(
    "kind, message",
    [("tax_off", "Invoice Tax switched off"), ("cancelled", "are cancelled")],
)
def test_ineligible_invoices_are_refused_and_nothing_changes(admin_client, app, range_2026, kind, message):
    good = make_invoice(app)
    bad = make_invoice(app, tax=False) if kind == "tax_off" else make_invoice(app, status="cancelled")
    response = post_generate(admin_client, [good, bad])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert live_numbers(app) == {}
    assert available(app) == 10


def test_numbers_come_from_the_year_of_the_invoice_date(admin_client, app, range_2026):
    add_range(app, 2025, "000-25.00000001", "000-25.00000010")
    old = make_invoice(app, invoice_date="2025-12-30")
    new = make_invoice(app, invoice_date="2026-01-02")
    assert post_generate(admin_client, [old, new]).status_code == 200
    assert live_numbers(app) == {old: "010.000-25.00000001", new: "010.000-26.00000001"}
    assert (available(app, 2025), available(app, 2026)) == (9, 9)


def test_not_enough_numbers_numbers_none_and_says_how_many_for_which_year(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    invoices = [make_invoice(app) for _ in range(3)]
    response = post_generate(admin_client, invoices)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "3 invoices dated 2026 need a number, 2 are available for 2026" in body
    assert live_numbers(app) == {}
    assert available(app) == 2


def test_a_year_without_ranges_has_none(admin_client, app, range_2026):
    invoice = make_invoice(app, invoice_date="2027-01-05")
    response = post_generate(admin_client, [invoice])
    assert "1 invoice dated 2027 needs a number, 0 are available for 2027" in response.get_data(as_text=True)


def test_ranges_are_used_in_ascending_order(admin_client, app):
    add_range(app, 2026, "000-26.00000101", "000-26.00000101")
    add_range(app, 2026, "000-26.00000001", "000-26.00000001")
    first, second = make_invoice(app), make_invoice(app)
    post_generate(admin_client, [first, second])
    assert live_numbers(app) == {first: "010.000-26.00000001", second: "010.000-26.00000101"}


@pytest.mark.parametrize(
    "ids, message",
    [
        (["999999"], "unknown invoice id 999999"),
        (["abc"], "selection was not understood"),
        (["1.5"], "selection was not understood"),
        (["-1"], "selection was not understood"),
        ([], "Tick at least one invoice"),
    ],
)
def test_bad_input_is_answered_with_a_message_and_nothing_changes(admin_client, app, range_2026, ids, message):
    make_invoice(app)
    response = admin_client.post("/invoices/generate", data={"invoice_ids": ids}, headers=HTMX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert live_numbers(app) == {}
    assert available(app) == 10


def test_confirmation_asks_before_generating(admin_client, app, range_2026):
    invoices = [make_invoice(app), make_invoice(app)]
    response = admin_client.post("/invoices/generate/confirm", data={"invoice_ids": invoices}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert "Generate E-Faktur No for 2 invoices?" in body and ">Yes<" in body
    assert live_numbers(app) == {}
    empty = admin_client.post("/invoices/generate/confirm", data={}, headers=HTMX)
    assert empty.status_code == 422 and "(Not Set)" in empty.get_data(as_text=True)


def test_staff_may_generate(staff_client, app, range_2026):
    invoice = make_invoice(app)
    assert post_generate(staff_client, [invoice]).status_code == 200
    assert invoice in live_numbers(app)


def cancel_number(client, invoice_id):
    return client.post(f"/invoices/{invoice_id}/cancel-number", headers=HTMX)


def set_status(client, invoice_id, status):
    return client.post(f"/invoices/{invoice_id}/status", data={"status": status}, headers=HTMX)


def test_cancel_number_returns_it_to_the_pool_and_it_is_reused_first(admin_client, app, range_2026):
    a, b, c = make_invoice(app), make_invoice(app), make_invoice(app)
    post_generate(admin_client, [a, b])
    assert set_status(admin_client, a, "cancelled").status_code == 200
    response = cancel_number(admin_client, a)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "010.000-26.00000001 cancelled" in response.get_data(as_text=True)
    assert available(app) == 9
    post_generate(admin_client, [c])
    assert live_numbers(app) == {b: "010.000-26.00000002", c: "010.000-26.00000001"}
    assert available(app) == 8
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ReleasedNumber)) == 0


def test_history_shows_assigned_released_and_reassigned(admin_client, app, range_2026):
    a, b = make_invoice(app, number="INV-A"), make_invoice(app, number="INV-B")
    post_generate(admin_client, [a])
    set_status(admin_client, a, "cancelled")
    cancel_number(admin_client, a)
    post_generate(admin_client, [b])
    page_a = admin_client.get(f"/invoices/{a}").get_data(as_text=True)
    history_a = page_a.split('id="number-history"')[1]
    assert "010.000-26.00000001" in history_a and "admin@example.com" in history_a
    assert "(Not Set)" in page_a
    assert "010.000-26.00000001" in admin_client.get(f"/invoices/{b}").get_data(as_text=True)
    assert activity(app, "number.assigned") == [
        "Assigned 010.000-26.00000001 to invoice INV-A.",
        "Assigned 010.000-26.00000001 to invoice INV-B.",
    ]
    assert activity(app, "number.released") == [
        "Cancelled 010.000-26.00000001 of invoice INV-A; the number is available again."
    ]


@pytest.mark.parametrize("status", ["unpaid", "paid", "partially_paid"])
def test_cancel_number_needs_a_cancelled_invoice(admin_client, app, range_2026, status):
    invoice = make_invoice(app)
    post_generate(admin_client, [invoice])
    set_status(admin_client, invoice, status)
    assert f"/invoices/{invoice}/cancel-number" not in admin_client.get(f"/invoices/{invoice}").get_data(as_text=True)
    response = cancel_number(admin_client, invoice)
    assert response.status_code == 422
    assert "only possible once the invoice is Cancelled" in response.get_data(as_text=True)
    assert invoice in live_numbers(app)


def test_a_reported_number_is_never_returned(admin_client, app, range_2026):
    from efaktur.invoices.models import Invoice
    from efaktur.rules.clock import utc_now

    invoice = make_invoice(app)
    post_generate(admin_client, [invoice])
    set_status(admin_client, invoice, "cancelled")
    with app.app_context():
        db.session.get(Invoice, invoice).efaktur_reported_at = utc_now()
        db.session.commit()
    assert "Cancel E-Faktur No" not in admin_client.get(f"/invoices/{invoice}").get_data(as_text=True)
    response = cancel_number(admin_client, invoice)
    assert response.status_code == 422 and "never be reused" in response.get_data(as_text=True)
    assert available(app) == 9


def test_cancel_without_a_number_is_refused(admin_client, app, range_2026):
    invoice = make_invoice(app, status="cancelled")
    response = cancel_number(admin_client, invoice)
    assert response.status_code == 422
    assert "no E-Faktur No" in response.get_data(as_text=True)


def test_cancelling_twice_returns_the_number_once(admin_client, app, range_2026):
    invoice = make_invoice(app)
    post_generate(admin_client, [invoice])
    set_status(admin_client, invoice, "cancelled")
    assert cancel_number(admin_client, invoice).status_code == 200
    assert cancel_number(admin_client, invoice).status_code == 422
    assert available(app) == 10


def test_unknown_invoice_cancel_is_404(admin_client):
    assert cancel_number(admin_client, 4242).status_code == 404


def test_available_equals_total_minus_held_after_a_mix(admin_client, app, range_2026):
    add_range(app, 2026, "001-26.00000001", "001-26.00000005")
    invoices = [make_invoice(app) for _ in range(12)]
    post_generate(admin_client, invoices)
    for invoice in invoices[:4]:
        set_status(admin_client, invoice, "cancelled")
        cancel_number(admin_client, invoice)
    with app.app_context():
        for number_range in db.session.scalars(db.select(NumberRange)):
            held = db.session.scalar(
                db.select(db.func.count()).where(
                    NumberAssignment.range_id == number_range.id, NumberAssignment.released_at.is_(None)
                )
            )
            assert number_range.available == number_range.total - held
    page = admin_client.get("/numbers/").get_data(as_text=True)
    assert re.search(r'id="available-this-year">7<', page)


def test_range_rules_count_real_held_numbers(admin_client, app, range_2026):
    invoices = [make_invoice(app) for _ in range(3)]
    post_generate(admin_client, invoices)
    response = admin_client.post(
        f"/numbers/{range_2026}/edit",
        data={"year": "2026", "start_number": "000-26.00000001", "end_number": "000-26.00000002"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "cannot go below 000-26.00000003" in response.get_data(as_text=True)
    assert admin_client.post(f"/numbers/{range_2026}/delete", headers=HTMX).status_code == 422


def test_service_result_lists_what_was_issued(app, range_2026):
    invoice = make_invoice(app, invoice_date="2026-03-03")
    result = generate(app, [invoice])
    assert [(i.invoice_id, i.efaktur_no, i.year) for i in result] == [(invoice, "010.000-26.00000001", 2026)]


def test_generate_writes_its_rows_as_the_models_would(admin_client, app, range_2026):
    """The assignments and entries go in as one JSON array of rows: every column, the instant included, reads
    back as the ORM writes and reads it."""
    number = "INV/2026.06_1-A"
    invoice = make_invoice(app, number=number)
    assert post_generate(admin_client, [invoice]).status_code == 200
    assert activity(app, "number.assigned") == [f"Assigned 010.000-26.00000001 to invoice {number}."]
    with app.app_context():
        entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "number.assigned")).one()
        held = db.session.scalars(db.select(NumberAssignment)).one()
        assert (entry.kind, entry.subject, entry.actor) == ("number", f"invoice:{invoice}", "admin@example.com")
        assert entry.at.tzinfo is not None and abs((entry.at - held.assigned_at).total_seconds()) < 5
        assert (held.number, held.number_end, held.transaction_code, held.status_digit) == (
            2600000001, "1000000062000", "01", "0")
        # the instant is stored as the column stores any other (a filter by it finds the row)
        assert db.session.scalar(db.select(db.func.count()).where(NumberAssignment.assigned_at == held.assigned_at)) == 1
