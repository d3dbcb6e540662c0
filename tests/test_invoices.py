"""The Invoices page, the New Invoice form, status changes."""
import pytest

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from tests.conftest import HTMX, add_range, generate, make_invoice

GOOD = {
    "number": "",
    "customer_name": "PT Sinar Abadi",
    "npwp_name": "PT Sinar Abadi",
    "npwp": "01.234.567.8-901.000",
    "address": "Jl. Thamrin 5, Jakarta",
    "invoice_date": "2026-06-10",
    "due_date": "2026-07-10",
    "tax_enabled": "y",
    "transaction_code": "04",
    "lines-0-item": "Audit",
    "lines-0-quantity": "2",
    "lines-0-unit_price": "1500000",
    "lines-1-item": "Travel",
    "lines-1-quantity": "1.5",
    "lines-1-unit_price": "100.001",
}


def post_invoice(client, **changes):
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/invoices/new", data=data, headers=HTMX)


def invoices(app):
    with app.app_context():
        from sqlalchemy.orm import selectinload

        return db.session.scalars(db.select(Invoice).options(selectinload(Invoice.lines)).order_by(Invoice.id)).all()


def test_new_invoice_form_has_the_fields(admin_client):
    body = admin_client.get("/invoices/new", headers=HTMX).get_data(as_text=True)
    for label in ("Invoice No", "Customer Name", "NPWP Name", "NPWP", "Address", "Invoice Date", "Due Date",
                  "Invoice Tax", "Transaction Code", "Item", "Quantity", "Unit Price", "+ Add line", "Save"):
        assert label in body, label
    for code in ("01", "02", "03", "04", "06", "07", "08", "09"):
        assert f'value="{code}"' in body


def test_saving_computes_dpp_and_ppn_and_generates_the_invoice_number(admin_client, app):
    response = post_invoice(admin_client)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "invoicesChanged" in response.headers["HX-Trigger"]
    (invoice,) = invoices(app)
    assert invoice.number == "INV-2026-000001"
    assert invoice.npwp == "012345678901000"
    # Line by line, to the cent: 2 x 1,500,000 = 3,000,000.00 and 1.5 x 100,001 = 150,001.50; 11/12 of them
    # 2,750,000.00 and 137,501.38 (137,501.375 half up); 12% of those 330,000.00 and 16,500.17.
    assert [(line.tax_base_cents, line.other_tax_base_cents, line.vat_cents) for line in invoice.lines] == [
        (300_000_000, 275_000_000, 33_000_000), (15_000_150, 13_750_138, 1_650_017)]
    assert (invoice.dpp_cents, invoice.dpp_other_cents, invoice.vat_cents) == (315_000_150, 288_750_138, 34_650_017)
    assert (invoice.vat_rate, invoice.ppn) == (12, 346_500)  # billed: 346,500.17 rounded down
    assert len(invoice.lines) == 2
    post_invoice(admin_client)
    assert invoices(app)[1].number == "INV-2026-000002"


def test_invoice_numbers_are_unique(admin_client, app):
    assert post_invoice(admin_client, number="INV-7").status_code == 200
    response = post_invoice(admin_client, number="INV-7")
    assert response.status_code == 422
    assert "Invoice No INV-7 exists already" in response.get_data(as_text=True)
    assert len(invoices(app)) == 1


def test_without_invoice_tax_there_is_no_ppn(admin_client, app):
    post_invoice(admin_client, tax_enabled=None)
    (invoice,) = invoices(app)
    assert (invoice.tax_enabled, invoice.ppn) == (False, 0)


def test_a_buyer_without_npwp(admin_client, app):
    assert post_invoice(admin_client, npwp="").status_code == 200
    assert invoices(app)[0].npwp == ""


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"customer_name": ""}, "customer_name", "Enter the customer"),
        ({"npwp": "12345"}, "npwp", "15 or 16 digits"),
        ({"npwp": "١٢٣٤٥٦٧٨٩٠١٢٣٤٥"}, "npwp", "15 or 16 digits"),
        ({"invoice_date": "2026-13-01"}, "invoice_date", "Not a valid date"),
        ({"due_date": "2026-06-01"}, "due_date", "cannot be before the invoice date"),
        ({"transaction_code": "11"}, "transaction_code", "Not a valid choice"),
        ({"lines-0-quantity": "0"}, "lines-0-quantity", "above 0"),
        ({"lines-0-quantity": "abc"}, "lines-0-quantity", "Use digits"),
        ({"lines-0-quantity": "0,125"}, "lines-0-quantity", "more than two decimals"),
        ({"lines-0-unit_price": "-5"}, "lines-0-unit_price", "cannot be negative"),
        ({"lines-0-unit_price": "1e3"}, "lines-0-unit_price", "without an exponent"),
        ({"lines-0-item": ""}, "lines-0-item", "Name the item"),
        ({"number": "INV 1; DROP"}, "number", "letters, digits"),
    ],
)
def test_bad_input_is_refused_on_its_field(admin_client, app, changes, field, message):
    response = post_invoice(admin_client, **changes)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body
    assert message in body.split(f'id="{field}-error"')[1][:200]
    assert invoices(app) == []


def test_invoice_list_shows_not_set_then_the_efaktur_no(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(app, number="INV-X")
    page = admin_client.get("/invoices/").get_data(as_text=True)
    for label in ("Invoice No", "Customer Name", "Invoice Date", "Due Date", "Invoice Status", "E-Faktur No", "(Not Set)"):
        assert label in page
    generate(app, [invoice])
    table = admin_client.get("/invoices/").get_data(as_text=True).split('id="invoice-table"')[1]
    assert "010.000-26.00000001" in table and "(Not Set)" not in table


def test_filter_by_status_month_and_search(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    march = make_invoice(app, invoice_date="2026-03-03", number="INV-MAR", due_date="2026-12-31")
    may = make_invoice(app, invoice_date="2026-05-05", number="INV-MAY", status="paid")
    make_invoice(app, invoice_date="2026-05-06", number="INV-OVERDUE", due_date="2026-05-07")
    generate(app, [march])

    def listed(query):
        body = admin_client.get(f"/invoices/?{query}", headers={**HTMX, "HX-Target": "invoice-list"}).get_data(as_text=True)
        assert "<html" not in body
        return sorted(n for n in ("INV-MAR", "INV-MAY", "INV-OVERDUE") if f">{n}<" in body)

    assert listed("month=2026-05") == ["INV-MAY", "INV-OVERDUE"]
    assert listed("status=paid") == ["INV-MAY"]
    assert listed("status=overdue") == ["INV-OVERDUE"]
    assert listed("status=unpaid") == ["INV-MAR"]
    assert listed("q=may") == ["INV-MAY"]
    assert listed("q=010.000-26.00000001") == ["INV-MAR"]
    assert listed("q=0002600000001") == ["INV-MAR"]
    assert listed("month=garbage") == ["INV-MAR", "INV-MAY", "INV-OVERDUE"]
    assert may


def test_overdue_is_shown_when_past_due_and_unpaid(admin_client, app):
    invoice = make_invoice(app, invoice_date="2026-05-01", due_date="2026-05-31")
    assert "Overdue" in admin_client.get(f"/invoices/{invoice}").get_data(as_text=True)


def test_pagination(admin_client, app):
    for _ in range(30):
        make_invoice(app)
    first = admin_client.get("/invoices/").get_data(as_text=True)
    second = admin_client.get("/invoices/?page=2").get_data(as_text=True)
    assert first.count('<tr id="invoice-') == 25 and second.count('<tr id="invoice-') == 5
    assert "Page 1 of 2" in first


@pytest.mark.parametrize(
    "start, to, ok",
    [("unpaid", "partially_paid", True), ("partially_paid", "paid", True), ("paid", "cancelled", True),
     ("cancelled", "unpaid", False), ("unpaid", "overdue", False), ("unpaid", "bogus", False)],
)
def test_status_changes(admin_client, app, start, to, ok):
    invoice = make_invoice(app, status=None if start == "unpaid" else start)
    response = admin_client.post(f"/invoices/{invoice}/status", data={"status": to}, headers=HTMX)
    assert response.status_code == (200 if ok else 422)
    with app.app_context():
        assert db.session.get(Invoice, invoice).status == (to if ok else start)


def test_unknown_invoice_is_404(admin_client):
    assert admin_client.get("/invoices/999").status_code == 404
    assert admin_client.post("/invoices/999/status", data={"status": "paid"}).status_code == 404


def test_new_invoices_default_to_code_04(admin_client):
    body = admin_client.get("/invoices/new", headers=HTMX).get_data(as_text=True)
    assert '<option selected value="04">' in body
    assert 'value="10"' in body  # Coretax only, offered too


def test_the_new_fields_are_saved(admin_client, app):
    response = post_invoice(
        admin_client, customer_email="Tax@Pembeli.co.id", buyer_document="nik", npwp="", buyer_id_number="3171 0123 4567 8901",
        buyer_country="IDN", **{"lines-0-kind": "B", "lines-0-goods_code": "123456", "lines-0-unit": "UM.0027"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (invoice,) = invoices(app)
    assert (invoice.customer_email, invoice.buyer_document, invoice.buyer_document_number, invoice.npwp) == (
        "Tax@pembeli.co.id", "nik", "3171012345678901", ""
    )
    assert [(line.kind, line.goods_code, line.unit) for line in invoice.lines] == [("B", "123456", "UM.0027"), ("A", "000000", "UM.0018")]
    page = admin_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    for shown in ("Tax@pembeli.co.id", "NIK", "3171012345678901", "Indonesia", "Services", "Hour"):
        assert shown in page, shown


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"customer_email": "not-an-address"}, "customer_email", "has an @ between the name and the domain"),
        ({"buyer_document": "nik", "buyer_id_number": ""}, "buyer_id_number", "NIK"),
        ({"buyer_document": "passport", "buyer_id_number": "<>"}, "buyer_id_number", "passport"),
        ({"buyer_document": "dna"}, "buyer_document", "Not a valid choice"),
        ({"buyer_country": "XXX"}, "buyer_country", "Not a valid choice"),
        ({"lines-0-item": "    "}, "lines-0-item", "Name the item"),
        ({"lines-0-unit_price": "1500,50"}, "lines-0-unit_price", "whole rupiah"),
        ({"lines-0-unit_price": "1500.50"}, "lines-0-unit_price", "whole rupiah"),
        ({"lines-0-unit_price": "1_000"}, "lines-0-unit_price", "Use digits"),
        ({"lines-0-unit_price": "١٢٣"}, "lines-0-unit_price", "digits 0-9"),
        ({"lines-0-goods_code": "12"}, "lines-0-goods_code", "6 digits"),
        ({"lines-0-unit": "UM.9999"}, "lines-0-unit", "Not a valid choice"),
        ({"customer_name": "PT A\x00B"}, "customer_name", "control characters"),
        ({"customer_name": "PT \u202eAB"}, "customer_name", "text-direction"),
        ({"address": "Jl. 1\x1b[31m"}, "address", "control characters"),
        ({"transaction_code": "10", "invoice_date": "2024-06-10"}, "transaction_code", "Coretax"),
        ({"number": "X" * 41}, "number", "40 characters"),
    ],
)
def test_more_bad_input_is_refused_on_its_field(admin_client, app, changes, field, message):
    response = post_invoice(admin_client, **changes)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert f'id="{field}-error"' in body
    assert message in body.split(f'id="{field}-error"')[1][:300]
    assert invoices(app) == []


@pytest.mark.parametrize("style", ["15000000", "15.000.000", "15,000,000", "Rp 15.000.000"])
def test_prices_in_either_style(admin_client, app, style):
    assert post_invoice(admin_client, **{"lines-0-unit_price": style, "lines-1-item": None, "lines-1-quantity": None,
                                         "lines-1-unit_price": None}).status_code == 200
    assert invoices(app)[0].dpp_cents == 3_000_000_000  # 2 x 15,000,000, in cents


def test_more_lines_than_allowed_is_refused_not_shortened(admin_client, app):
    data = {k: v for k, v in GOOD.items() if not k.startswith("lines-")}
    for i in range(150):
        data.update({f"lines-{i}-item": f"Item {i}", f"lines-{i}-quantity": "1", f"lines-{i}-unit_price": "1000"})
    response = admin_client.post("/invoices/new", data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 100 lines; 150 were sent" in body
    assert invoices(app) == []
    exactly = {k: v for k, v in data.items() if not k.startswith("lines-") or int(k.split("-")[1]) < 100}
    assert admin_client.post("/invoices/new", data=exactly, headers=HTMX).status_code == 200
    assert len(invoices(app)[0].lines) == 100


def test_the_service_refuses_too_many_lines_too(app):
    from decimal import Decimal

    from efaktur.invoices.services import DraftLine, InvoiceRefused

    with pytest.raises(InvoiceRefused, match="at most 100 lines"):
        make_invoice(app, lines=[DraftLine("x", Decimal(1), 1)] * 101)


def test_typed_numbers_cannot_poison_the_generated_ones(admin_client, app):
    for typed in ("INV-2026-99999999999999999999999999999", "INV-2026-1234567890", "INV-2026-000007", "INV-2026-abc"):
        assert post_invoice(admin_client, number=typed).status_code == 200, typed
    assert post_invoice(admin_client, number="").status_code == 200
    generated = invoices(app)[-1].number
    assert generated == "INV-2026-000008"  # the absurd ones are ignored, 000007 counts
    assert post_invoice(admin_client, number="", invoice_date="2027-01-05", due_date="2027-01-05").status_code == 200
    assert invoices(app)[-1].number == "INV-2027-000001"


def test_the_next_number_never_exceeds_the_column(admin_client, app):
    assert post_invoice(admin_client, number="INV-2026-999999999").status_code == 200
    response = post_invoice(admin_client, number="")
    assert response.status_code == 422
    assert "used up" in response.get_data(as_text=True)


def test_invoice_numbers_are_unique_whatever_their_letter_case(admin_client, app):
    assert post_invoice(admin_client, number="INV-7").status_code == 200
    response = post_invoice(admin_client, number="inv-7")
    assert response.status_code == 422
    assert "exists already as INV-7" in response.get_data(as_text=True)
    assert len(invoices(app)) == 1


def test_a_clash_the_check_misses_is_still_a_422(admin_client, app, monkeypatch):
    """The unique index is the last word; when it catches a clash the answer is a refusal, not a 500."""
    from efaktur.invoices import services

    assert post_invoice(admin_client, number="INV-RACE").status_code == 200
    monkeypatch.setattr(services, "_number_taken", lambda *args, **kwargs: None)
    response = post_invoice(admin_client, number="inv-race")
    assert response.status_code == 422
    assert "exists already" in response.get_data(as_text=True)
    assert len(invoices(app)) == 1


def test_code_07_total_leaves_out_the_vat(admin_client, app):
    response = post_invoice(admin_client, transaction_code="07", add_info_07="TD.00502", facility_stamp_07="TD.01102")
    assert response.status_code == 200, response.get_data(as_text=True)
    (invoice,) = invoices(app)
    assert invoice.ppn == 346_500 and invoice.grand_total_cents == invoice.dpp_cents
    assert (invoice.facility_add_info, invoice.facility_stamp) == ("TD.00502", "TD.01102")
    page = admin_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "PPN not collected" in page and "not charged to the buyer" in page
    assert "TD.00502 - for a bonded storage area" in page


def test_generate_refuses_code_10(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(app, code="10")
    response = admin_client.post("/invoices/generate", data={"invoice_ids": str(invoice)}, headers=HTMX)
    assert response.status_code == 422
    assert "exists only in Coretax" in response.get_data(as_text=True)


@pytest.mark.parametrize("ids", ["2147483648", "9223372036854775808", "1,abc", "-1"])
def test_out_of_range_ids_are_refused_not_500(admin_client, ids):
    for url in ("/invoices/generate/confirm", "/invoices/generate"):
        assert admin_client.post(url, data={"invoice_ids": ids}, headers=HTMX).status_code == 422


def test_month_far_in_the_future_is_ignored_not_500(admin_client):
    assert admin_client.get("/invoices/?month=9999-12").status_code == 200


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "1e9", "0"])
def test_any_page_number_is_answered(admin_client, page):
    for url in ("/invoices/", "/export/", "/activity/"):
        assert admin_client.get(f"{url}?page={page}").status_code == 200
