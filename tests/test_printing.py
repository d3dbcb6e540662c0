"""The printable invoice: Print (a page that prints the document alone) and Download PDF (the same
document through fpdf2), in the customer's language, with DJP's labels and the stored figures."""
import io
from decimal import Decimal

from pypdf import PdfReader

from efaktur.invoices.services import DraftLine
from tests.conftest import add_range, generate, make_invoice, set_company


def _invoice(app, language="en", **fields):
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    fields = {"customer_name": "PT Pembeli", "npwp_name": "PT Pembeli Tbk", "address": "Jl. Sudirman 1, Jakarta",
              **fields}
    invoice_id = make_invoice(app, number="INV-P1", code="04", customer_language=language,
                              lines=[DraftLine("Audit", Decimal(2), 1_500_000, 100_000),
                                     DraftLine("Travel", Decimal("1.5"), 100_001)], **fields)
    generate(app, [invoice_id])
    return invoice_id


def test_the_invoice_page_offers_print_and_pdf(admin_client, app):
    invoice_id = _invoice(app)
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert f'href="/invoices/{invoice_id}/print"' in page and f'href="/invoices/{invoice_id}/pdf"' in page


def test_print_shows_the_company_the_buyer_the_lines_and_djps_amounts_and_no_menus(admin_client, app):
    invoice_id = _invoice(app)
    response = admin_client.get(f"/invoices/{invoice_id}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    seller = page.split('id="printed-seller"')[1].split("</header>")[0]
    assert "PT Maju Jaya" in seller and "0012 3456 7890 1000" in seller and "Gatot Subroto" in seller
    assert "PT Pembeli Tbk" in page and "Jl. Sudirman 1, Jakarta" in page and "040.000-26.00000001" in page
    lines = page.split('id="printed-lines"')[1].split("</table>")[0]
    assert "Audit" in lines and "Travel" in lines and "Rp 3,000,000.00" in lines and "Rp 150,001.50" in lines
    totals = page.split('id="printed-totals"')[1].split("</dl>")[0]
    # 2 x 1,500,000 less 100,000, and 150,001.50: DPP 3,050,001.50; 11/12 of each line; PPN 12% of those.
    for words in ("Harga Jual (selling price)", "Potongan Harga (discount)", "DPP", "DPP Nilai Lain (11/12)",
                  "PPN 12%", "Total", "Rp 3,050,001.50"):
        assert words in totals, words
    assert 'class="mainnav"' not in page and "Log out" not in page  # the document alone
    assert "@media print" in open("static/print.css", encoding="utf-8").read()


def test_print_speaks_the_customers_language_whatever_the_clerks(admin_client, app):
    invoice_id = _invoice(app, language="id")
    page = admin_client.get(f"/invoices/{invoice_id}/print", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<html lang=\"id\">" in page and "Jatuh Tempo" in page
    assert "Rp 3.050.001,50" in page and "Invoice Date" not in page


def test_the_pdf_is_the_same_document(admin_client, app):
    invoice_id = _invoice(app, language="id")
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="invoice-INV-P1.pdf"'
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for words in ("PT Maju Jaya", "0012 3456 7890 1000", "INV-P1", "PT Pembeli Tbk", "040.000-26.00000001", "Audit",
                  "Travel", "DPP Nilai Lain", "Rp 3.050.001,50"):
        assert words in text, words


def test_any_name_prints_and_an_unknown_invoice_is_a_404(admin_client, app):
    invoice_id = _invoice(app, customer_name="Toko Żółć 東京", npwp_name="")
    assert admin_client.get(f"/invoices/{invoice_id}/pdf").status_code == 200
    assert "Toko Żółć 東京" in admin_client.get(f"/invoices/{invoice_id}/print").get_data(as_text=True)
    assert admin_client.get("/invoices/999999/pdf").status_code == 404
    assert admin_client.get("/invoices/999999/print").status_code == 404


def test_the_pdf_writer_without_a_unicode_font_keeps_to_latin1(app):
    from efaktur.formats import invoice_pdf
    from efaktur.invoices.printing import printable

    invoice_id = _invoice(app, customer_name="Kopi Žižek")
    with app.test_request_context():
        document = printable(invoice_id)
    kept = invoice_pdf.FONT_CANDIDATES
    invoice_pdf.FONT_CANDIDATES = ()
    try:
        data = invoice_pdf.invoice_pdf(document)
    finally:
        invoice_pdf.FONT_CANDIDATES = kept
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Kopi Zizek" in text  # the closest Latin-1 letters, not a crash


def test_staff_print_too(staff_client, app):
    invoice_id = _invoice(app)
    assert staff_client.get(f"/invoices/{invoice_id}/print").status_code == 200
