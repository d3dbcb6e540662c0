"""E-Faktur Files, the checks of point 4: Coretax PDFs matched by the reference printed inside them and
cross-checked with their name; desktop PDFs checked for the company's and the buyer's NPWP; a wrongly matched
file removed by an admin, with a reason."""
import html

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from efaktur.formats.coretax_pdf import PdfUnreadable, coretax_text
from efaktur.invoices.models import Invoice
from tests.conftest import HTMX, add_range, generate, make_invoice, set_company
from tests.coretax_files import coretax_pdf, coretax_pdf_name
from tests.test_files import SELLER_15, desktop_name, pdf, stored_files, upload

N1, N2 = "04002600000000001", "04002600000000002"


class _Unescape:
    """`text | UNESCAPE`: the page's text as a reader sees it (&#39; is an apostrophe)."""

    def __ror__(self, text):
        return html.unescape(text)


UNESCAPE = _Unescape()


@pytest.fixture
def coretax_invoices(app):
    set_company(app, SELLER_15)
    return [make_invoice(app, code="04", number=f"INV-{n}", customer_email=f"tax{n}@buyer.co.id") for n in (1, 2, 3)]


def reported(app, invoice_id):
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        return invoice.efaktur_reported_at is not None, invoice.coretax_number, invoice.coretax_status


def test_the_text_of_a_coretax_pdf_gives_its_reference_and_number():
    text = coretax_text(coretax_pdf("INV-7/2026", N1))
    assert (text.reference, text.number) == ("INV-7/2026", N1)
    assert coretax_text(coretax_pdf(None, N1)).reference is None
    with pytest.raises(PdfUnreadable):
        coretax_text(b"%PDF-1.7\n this is no pdf body at all \n%%EOF")


def test_a_coretax_pdf_finds_its_invoice_by_its_reference_and_gives_it_its_number(admin_client, app, coretax_invoices):
    response = upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("inv-1", N1)),
                      (coretax_pdf_name(N2), coretax_pdf("INV-2", N2)))
    body = response.get_data(as_text=True) | UNESCAPE
    assert "2 files matched and stored" in body, body
    assert reported(app, coretax_invoices[0]) == (True, N1, "approved")
    assert reported(app, coretax_invoices[1]) == (True, N2, "approved")
    page = admin_client.get(f"/invoices/{coretax_invoices[0]}").get_data(as_text=True) | UNESCAPE
    assert "Coretax PDF" in page and 'id="coretax-history"' in page


def test_a_renamed_coretax_pdf_is_matched_by_its_text_alone(admin_client, app, coretax_invoices):
    body = upload(admin_client, ("faktur INV-1.pdf", coretax_pdf("INV-1", N1))).get_data(as_text=True) | UNESCAPE
    assert "1 file matched and stored" in body
    assert reported(app, coretax_invoices[0]) == (True, N1, "approved")


@pytest.mark.parametrize("name, content, reason", [
    (coretax_pdf_name(N1), coretax_pdf(None, N1), "its text has no (Referensi: ...)"),
    (coretax_pdf_name(N1), coretax_pdf("INV-1", N2), f"its name says {N1} but the PDF prints {N2}"),
    (coretax_pdf_name(N1), coretax_pdf("INV-1", None), "no Kode dan Nomor Seri Faktur Pajak"),
    (coretax_pdf_name(N1), coretax_pdf("INV-404", N1), "no invoice has the reference INV-404"),
    (coretax_pdf_name("01002600000000001"), coretax_pdf("INV-1", "01002600000000001"), "transaction code 01"),
    (coretax_pdf_name("04002500000000001"), coretax_pdf("INV-1", "04002500000000001"), "year digits"),
    (coretax_pdf_name(N1, seller="0099999999999000"), coretax_pdf("INV-1", N1), "which is not the company's"),
    (coretax_pdf_name(N1), b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "cannot be read"),
])
def test_a_coretax_pdf_that_does_not_fit_is_not_matched_and_says_why(admin_client, app, coretax_invoices, name, content, reason):
    body = upload(admin_client, (name, content)).get_data(as_text=True) | UNESCAPE
    assert "0 files matched and stored" in body
    assert reason in body, body
    assert reported(app, coretax_invoices[0]) == (False, None, None)


def test_a_coretax_pdf_of_another_invoices_number_or_serial_is_not_taken(admin_client, app, coretax_invoices):
    admin_client.post(f"/invoices/{coretax_invoices[1]}/coretax-number", data={"coretax_number": N1}, headers=HTMX)
    body = upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1))).get_data(as_text=True) | UNESCAPE
    assert f"{N1} belongs to invoice INV-2" in body
    admin_client.post(f"/invoices/{coretax_invoices[0]}/coretax-number", data={"coretax_number": "04002600000000005"},
                      headers=HTMX)
    body = upload(admin_client, (coretax_pdf_name(N2), coretax_pdf("INV-1", N2))).get_data(as_text=True) | UNESCAPE
    assert f"invoice INV-1 holds Coretax number 04002600000000005, and the PDF is of {N2}" in body
    assert reported(app, coretax_invoices[0]) == (False, "04002600000000005", "approved")


def test_a_range_numbered_invoice_takes_no_coretax_pdf(admin_client, app, coretax_invoices):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    generate(app, [coretax_invoices[0]])
    body = upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1))).get_data(as_text=True) | UNESCAPE
    assert "numbered from an NSFP range" in body
    typed = admin_client.post(f"/invoices/{coretax_invoices[0]}/coretax-number", data={"coretax_number": N1},
                              headers=HTMX)
    assert typed.status_code == 422 and "numbered from an NSFP range" in typed.get_data(as_text=True) | UNESCAPE


@pytest.fixture
def desktop(app):
    set_company(app, SELLER_15)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    with_npwp = make_invoice(app, number="INV-D1", npwp="026015362054000")
    without = make_invoice(app, number="INV-D2", npwp="", buyer_document="nik", buyer_document_number="3171234567890123")
    generate(app, [with_npwp, without])
    return with_npwp, without


def test_a_desktop_pdf_of_another_company_or_another_buyer_is_not_matched(admin_client, app, desktop):
    body = upload(
        admin_client,
        (desktop_name("0100002600000001", seller="099999999999000", buyer="026015362054000"), pdf("other seller")),
        (desktop_name("0100002600000002", buyer="026015362054000"), pdf("other buyer")),
    ).get_data(as_text=True) | UNESCAPE
    assert "0 files matched and stored" in body
    assert "seller NPWP 099999999999000, which is not the company's" in body
    assert "buyer NPWP 026015362054000, which is not the buyer's of invoice INV-D2" in body
    assert not stored_files(app)
    # The right names: the buyer's NPWP (15 or 16 digits), zeros (or the NIK) for a buyer without one.
    body = upload(
        admin_client,
        (desktop_name("0100002600000001", seller="0" + SELLER_15, buyer="0026015362054000"), pdf("right 1")),
        (desktop_name("0100002600000002", buyer="000000000000000"), pdf("right 2")),
    ).get_data(as_text=True) | UNESCAPE
    assert "2 files matched and stored" in body


def test_without_the_company_npwp_a_named_seller_cannot_be_checked(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    generate(app, [make_invoice(app, number="INV-D1")])
    body = upload(admin_client, (desktop_name("0100002600000001"), pdf("x"))).get_data(as_text=True) | UNESCAPE
    assert "company's NPWP is not set on Billing Settings" in body
    # A name that is only the number carries no NPWP to check.
    assert "1 file matched" in upload(admin_client, ("010.000-26.00000001.pdf", pdf("y"))).get_data(as_text=True) | UNESCAPE


def test_an_admin_removes_a_wrongly_matched_file_with_a_reason(admin_client, app, coretax_invoices):
    upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1)))
    (stored,) = stored_files(app)
    form = admin_client.get(f"/files/{stored.id}/remove", headers=HTMX).get_data(as_text=True) | UNESCAPE
    assert "reason" in form and "No e-mail has gone out with it" in form
    empty = admin_client.post(f"/files/{stored.id}/remove", data={"reason": "  "}, headers=HTMX)
    assert empty.status_code == 422 and "Say why the file is wrong" in empty.get_data(as_text=True) | UNESCAPE
    response = admin_client.post(f"/files/{stored.id}/remove", data={"reason": "PDF of another customer"}, headers=HTMX)
    assert response.status_code == 200 and "invoicesChanged" in response.headers["HX-Trigger"]
    assert not stored_files(app)
    assert reported(app, coretax_invoices[0]) == (False, None, None)  # the number it gave went with it
    with app.app_context():
        (entry,) = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "files.removed"))
    assert entry.actor == "admin@example.com"
    assert entry.summary.startswith("Removed file OutputTaxInvoice-") and entry.summary.endswith(
        "from invoice INV-1: PDF of another customer")
    assert admin_client.get(f"/files/{stored.id}/remove").status_code == 404


def test_a_typed_number_stays_when_its_pdf_is_removed_and_an_earlier_file_is_current_again(admin_client, app, coretax_invoices):
    admin_client.post(f"/invoices/{coretax_invoices[0]}/coretax-number", data={"coretax_number": N1}, headers=HTMX)
    upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1)))
    upload(admin_client, (coretax_pdf_name(N1, uuid="second"), coretax_pdf("INV-1", N1, lines=4)))
    first, second = stored_files(app)
    admin_client.post(f"/files/{second.id}/remove", data={"reason": "uploaded twice"}, headers=HTMX)
    (left,) = stored_files(app)
    assert left.id == first.id and left.superseded_at is None
    assert reported(app, coretax_invoices[0]) == (True, N1, "approved")


def test_a_file_that_went_out_by_email_stays(admin_client, app, coretax_invoices):
    upload(admin_client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1)))
    (stored,) = stored_files(app)
    with app.app_context():
        db.session.get(EfakturFile, stored.id).email_status = "sent"
        db.session.commit()
    response = admin_client.post(f"/files/{stored.id}/remove", data={"reason": "x"}, headers=HTMX)
    assert response.status_code == 422 and "has gone out to the customer" in response.get_data(as_text=True) | UNESCAPE
    assert len(stored_files(app)) == 1


def test_staff_cannot_remove_a_file(client, auth, app, coretax_invoices):
    auth.login()
    upload(client, (coretax_pdf_name(N1), coretax_pdf("INV-1", N1)))
    (stored,) = stored_files(app)
    auth.logout()
    auth.login_staff()
    assert client.post(f"/files/{stored.id}/remove", data={"reason": "x"}, headers=HTMX).status_code == 403
    page = client.get(f"/invoices/{coretax_invoices[0]}").get_data(as_text=True)
    assert "/remove" not in page
