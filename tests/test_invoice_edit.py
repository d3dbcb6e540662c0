"""Edit an invoice: anything while it has no number; holding one, not its year; reported or cancelled, never."""
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.services import DraftLine, InvoiceDraft, InvoiceRefused, update_invoice
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
            lines=[DraftLine(l.item, l.quantity, l.unit_price, l.kind, l.goods_code, l.unit) for l in invoice.lines],
            customer_email=invoice.customer_email, buyer_document=invoice.buyer_document,
            buyer_document_number=invoice.buyer_document_number, buyer_country=invoice.buyer_country,
            customer_language=invoice.customer_language,
        )
    return replace(draft, **changes)


def edit(app, invoice_id, **changes):
    with app.test_request_context():
        return update_invoice(invoice_id, draft_of(app, invoice_id, **changes))


def stored(app, invoice_id) -> Invoice:
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.lines  # load before the session closes
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
    assert (invoice.transaction_code, invoice.dpp, invoice.dpp_other, invoice.ppn) == ("04", 2_000_000, 1_833_333, 219_999)
    assert [(l.item, l.kind, l.unit) for l in invoice.lines] == [("Audit", "B", "UM.0030")]
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


def test_a_new_code_becomes_the_efaktur_nos_code(app, range_2026):
    invoice_id = make_invoice(app, code="01")
    generate(app, [invoice_id])
    _, changes = edit(app, invoice_id, transaction_code="04")
    assert "E-Faktur No 010.000-26.00000001 became 040.000-26.00000001" in changes
    with app.app_context():
        live = db.session.scalars(db.select(NumberAssignment).where(NumberAssignment.invoice_id == invoice_id)).one()
        assert live.efaktur_no == "040.000-26.00000001"


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
    assert "lines (1 to 1)" in summary


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
