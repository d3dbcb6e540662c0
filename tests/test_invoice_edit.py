"""Edit an invoice: anything while it has no number; holding one, not its year; reported or cancelled, never."""
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.services import CodeChangeUnconfirmed, DraftLine, InvoiceDraft, InvoiceRefused, update_invoice
from efaktur.numbers.models import NumberAssignment
from tests.conftest import HTMX, add_range, generate, make_invoice


def draft_of(app, invoice_id, **changes) -> InvoiceDraft:
    """The invoice as it is, as a draft, with `changes` applied."""
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        draft = InvoiceDraft(
            number=invoice.number, customer_name=invoice.customer_name, npwp_name=invoice.npwp_name,
            npwp=invoice.npwp, address=invoice.address, invoice_date=invoice.invoice_date, due_date=invoice.due_date,
            tax_enabled=invoice.tax_enabled, transaction_code=invoice.transaction_code,
            lines=[DraftLine(line.item, line.quantity, line.unit_price, line.discount, kind=line.kind, goods_code=line.goods_code,
                             unit=line.unit) for line in invoice.lines],
            customer_email=invoice.customer_email, buyer_document=invoice.buyer_document,
            buyer_document_number=invoice.buyer_document_number, buyer_country=invoice.buyer_country,
            customer_language=invoice.customer_language, buyer_branch_code=invoice.buyer_branch_code,
            facility=invoice.facility,
        )
    return replace(draft, **changes)


def edit(app, invoice_id, confirmed=False, **changes):
    with app.test_request_context():
        return update_invoice(invoice_id, draft_of(app, invoice_id, **changes), code_change_confirmed=confirmed)


def stored(app, invoice_id) -> Invoice:
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.lines is not None  # loaded before the session closes
        return invoice


@pytest.fixture
def range_2026(app):
    return add_range(app, 2026, "000-26.00000001", "000-26.00000100")


FORM = {
    "number": "INV-EDIT-1",
    "customer_name": "PT Edited",
    "npwp_name": "PT Edited",
    "buyer_document": "tin",
    "npwp": "01.234.567.8-901.000",
    "buyer_country": "IDN",
    "address": "Jl. Baru 2",
    "customer_email": "billing@edited.co.id",
    "invoice_date": "2026-06-20",
    "due_date": "2026-07-20",
    "tax_enabled": "y",
    "transaction_code": "04",
    "lines-0-item": "Audit",
    "lines-0-kind": "B",
    "lines-0-goods_code": "000000",
    "lines-0-unit": "UM.0030",
    "lines-0-quantity": "1",
    "lines-0-unit_price": "2.000.000",
}


def test_the_edit_form_comes_filled_in(admin_client, app):
    invoice_id = make_invoice(app, number="INV-FILLED", customer_email="a@b.co.id")
    body = admin_client.get(f"/invoices/{invoice_id}/edit", headers=HTMX).get_data(as_text=True)
    assert "Edit Invoice INV-FILLED" in body
    assert 'value="INV-FILLED"' in body and 'value="a@b.co.id"' in body and 'value="Consulting"' in body


def test_everything_may_change_while_it_has_no_number(admin_client, app):
    invoice_id = make_invoice(app, invoice_date="2026-06-01", code="01")
    response = admin_client.post(f"/invoices/{invoice_id}/edit", data=FORM, headers=HTMX)
    assert response.status_code == 200, response.get_data(as_text=True)
    invoice = stored(app, invoice_id)
    assert (invoice.number, invoice.customer_name, invoice.customer_email) == ("INV-EDIT-1", "PT Edited", "billing@edited.co.id")
    # 2,000,000 at 04: DPP Nilai Lain 1,833,333.33, PPN 12% of it 219,999.9996 -> 220,000.00 (11% of 2,000,000)
    assert (invoice.transaction_code, invoice.dpp_cents, invoice.dpp_other_cents, invoice.ppn) == (
        "04", 200_000_000, 183_333_333, 220_000)
    assert [(line.item, line.kind, line.unit) for line in invoice.lines] == [("Audit", "B", "UM.0030")]
    edit(app, invoice_id, invoice_date=date(2025, 3, 1), due_date=date(2025, 3, 2), tax_enabled=False)
    assert stored(app, invoice_id).invoice_date.year == 2025


def test_holding_a_number_the_year_stays(app, range_2026):
    invoice_id = make_invoice(app, invoice_date="2026-06-01")
    generate(app, [invoice_id])
    with pytest.raises(InvoiceRefused) as refused:
        edit(app, invoice_id, invoice_date=date(2025, 12, 31), due_date=date(2026, 1, 5))
    assert "its date must stay in 2026" in refused.value.errors["invoice_date"]
    edit(app, invoice_id, invoice_date=date(2026, 12, 31), due_date=date(2026, 12, 31), customer_name="PT Other")
    assert (stored(app, invoice_id).invoice_date, stored(app, invoice_id).customer_name) == (date(2026, 12, 31), "PT Other")


def test_holding_a_number_tax_stays_on_and_code_10_is_refused(app, range_2026):
    invoice_id = make_invoice(app)
    generate(app, [invoice_id])
    with pytest.raises(InvoiceRefused) as refused:
        edit(app, invoice_id, tax_enabled=False)
    assert "Invoice Tax stays on" in refused.value.errors["tax_enabled"]
    with pytest.raises(InvoiceRefused) as refused:
        edit(app, invoice_id, transaction_code="10")
    assert "code 10" in refused.value.errors["transaction_code"]


def test_a_new_code_becomes_the_efaktur_nos_code_once_confirmed(app, range_2026):
    invoice_id = make_invoice(app, code="01")
    generate(app, [invoice_id])
    with pytest.raises(CodeChangeUnconfirmed) as unconfirmed:
        edit(app, invoice_id, transaction_code="04")
    change = unconfirmed.value.change
    assert (change.efaktur_no_before, change.efaktur_no_after, change.ppn_before, change.ppn_after) == (
        "010.000-26.00000001", "040.000-26.00000001", 120_000, 110_000)
    assert stored(app, invoice_id).transaction_code == "01"  # nothing saved before the answer
    _, changes = edit(app, invoice_id, confirmed=True, transaction_code="04")
    assert {"m": "E-Faktur No %(before)s became %(after)s", "before": "010.000-26.00000001",
            "after": "040.000-26.00000001"} in changes
    with app.app_context():
        live = db.session.scalars(db.select(NumberAssignment).where(NumberAssignment.invoice_id == invoice_id)).one()
        assert live.efaktur_no == "040.000-26.00000001"
        summary = db.session.scalars(db.select(ActivityEntry.summary).where(ActivityEntry.action == "invoice.edited")).one()
    assert "Transaction Code: 01 to 04" in summary and "PPN 120,000 to 110,000" in summary
    assert "E-Faktur No 010.000-26.00000001 became 040.000-26.00000001" in summary


def test_the_edit_form_asks_before_a_new_code_changes_the_efaktur_no_and_the_ppn(admin_client, app, range_2026):
    invoice_id = make_invoice(app, code="04", number="INV-ASK", lines=[DraftLine("Audit", Decimal(1), 600_000)])
    generate(app, [invoice_id])
    form = {**FORM, "number": "INV-ASK", "invoice_date": "2026-06-01", "due_date": "2026-06-01",
            "transaction_code": "01", "lines-0-unit_price": "600.000"}
    response = admin_client.post(f"/invoices/{invoice_id}/edit", data=form, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("E-Faktur No 040.000-26.00000001 becomes 010.000-26.00000001, and the PPN Rp 66,000 becomes Rp 72,000."
            in body)
    assert 'name="confirm_code_change" value="yes"' in body
    assert stored(app, invoice_id).transaction_code == "04"
    response = admin_client.post(f"/invoices/{invoice_id}/edit", data={**form, "confirm_code_change": "yes"}, headers=HTMX)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (stored(app, invoice_id).transaction_code, stored(app, invoice_id).ppn) == ("01", 72_000)


def test_a_reported_invoice_is_not_edited_and_the_message_points_to_a_replacement(admin_client, app, range_2026):
    invoice_id = make_invoice(app)
    generate(app, [invoice_id])
    with app.app_context():
        db.session.get(Invoice, invoice_id).efaktur_reported_at = datetime(2026, 6, 20, tzinfo=timezone.utc)
        db.session.commit()
    response = admin_client.get(f"/invoices/{invoice_id}/edit", headers=HTMX)
    assert response.status_code == 422 and "replacement" in response.get_data(as_text=True)
    response = admin_client.post(f"/invoices/{invoice_id}/edit", data=FORM, headers=HTMX)
    assert response.status_code == 422
    with pytest.raises(InvoiceRefused, match="replacement"):
        edit(app, invoice_id, customer_name="PT Sneaky")
    assert stored(app, invoice_id).customer_name == "PT Maju Jaya"
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Make a replacement invoice instead" in page


def test_a_cancelled_invoice_is_not_edited(app):
    invoice_id = make_invoice(app, status="cancelled")
    with pytest.raises(InvoiceRefused, match="cancelled"):
        edit(app, invoice_id, customer_name="PT Late")


def test_every_edit_is_logged_with_the_fields_changed(app):
    invoice_id = make_invoice(app, number="INV-LOG")
    edit(app, invoice_id, customer_name="PT Baru", customer_email="x@baru.co.id",
         lines=[DraftLine("Consulting", Decimal(2), 1_000_000)])
    with app.app_context():
        summary = db.session.scalars(
            db.select(ActivityEntry.summary).where(ActivityEntry.action == "invoice.edited")
        ).one()
    assert summary.startswith("Edited invoice INV-LOG: ")
    assert "Customer Name: PT Maju Jaya to PT Baru" in summary
    assert "Customer Email: (empty) to x@baru.co.id" in summary
    assert "line 1 Quantity: 1 to 2" in summary
    assert "DPP 1,000,000.00 to 2,000,000.00; PPN 120,000 to 240,000" in summary


def test_the_log_names_lines_added_removed_and_changed(app):
    invoice_id = make_invoice(app, number="INV-LINES", code="04", lines=[
        DraftLine("Audit", Decimal(1), 100_000), DraftLine("Travel", Decimal(1), 50_000)])
    edit(app, invoice_id, lines=[DraftLine("Audit", Decimal(1), 100_000, 10_000)])
    edit(app, invoice_id, lines=[DraftLine("Audit", Decimal(1), 100_000, 10_000), DraftLine("Hotel", Decimal("1.5"), 40_000)])
    with app.app_context():
        first, second = db.session.scalars(db.select(ActivityEntry.summary).where(
            ActivityEntry.action == "invoice.edited").order_by(ActivityEntry.id)).all()
    assert "line 1 Discount: (empty) to 10,000" not in first  # a discount of 0 was a number, not empty
    assert "line 1 Discount: 0 to 10,000; line 2 removed: Travel" in first
    assert "DPP 150,000.00 to 90,000.00; PPN 16,500 to 9,900" in first
    assert "line 2 added: Hotel, 1.5 x 40,000" in second


def test_saving_without_changes_changes_nothing(admin_client, app):
    invoice_id = make_invoice(app)
    _, changes = edit(app, invoice_id)
    assert changes == [] and stored(app, invoice_id).revision == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(ActivityEntry.action == "invoice.edited")) == 0


def test_an_edit_cannot_take_another_invoices_number_in_any_case(admin_client, app):
    make_invoice(app, number="INV-TAKEN")
    invoice_id = make_invoice(app, number="INV-MINE")
    response = admin_client.post(f"/invoices/{invoice_id}/edit", data={**FORM, "number": "inv-taken"}, headers=HTMX)
    assert response.status_code == 422
    assert "exists already as INV-TAKEN" in response.get_data(as_text=True)
    assert admin_client.post(f"/invoices/{invoice_id}/edit", data={**FORM, "number": ""}, headers=HTMX).status_code == 422


def test_edit_of_an_unknown_invoice_is_404(admin_client):
    assert admin_client.get("/invoices/999/edit").status_code == 404
    assert admin_client.post("/invoices/999/edit", data=FORM).status_code == 404
