"""End to end in headless Chromium, a Coretax-only company, without any range ever added: choose the route,
see no Generate anywhere, Export XML, Import Coretax List (DJP's numbers come back), upload the approved PDFs
(matched by the reference printed inside them), Send Email."""
import io
import zipfile

from lxml import etree
from playwright.sync_api import expect

from efaktur.extensions import db
from efaktur.numbers.models import NumberRange
from tests.conftest import SmtpSink, mail_config, make_invoice, set_company
from tests.coretax_files import coretax_pdf, coretax_pdf_name, list_row, output_list_xlsx
from tests.e2e.conftest import log_in, screenshot

CUSTOMERS = [("PT Sinar Abadi", "tax@sinarabadi.co.id"), ("CV Karya Mandiri", "finance@karyamandiri.co.id"),
             ("Toko Sejahtera", "owner@tokosejahtera.co.id")]


def test_a_coretax_company_exports_imports_its_numbers_uploads_and_sends(browser, live_server_factory, tmp_path):
    with SmtpSink() as sink:
        server = live_server_factory(**mail_config(sink.port))
        app = server.app
        set_company(app)
        ids = [make_invoice(app, code="04", invoice_date="2026-06-1" + str(n), number=f"INV-2026-00021{n}",
                            customer_name=name, npwp_name=name, customer_email=email)
               for n, (name, email) in enumerate(CUSTOMERS, start=1)]
        context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, server)

        # Billing Settings: the company reports through Coretax.
        page.get_by_role("link", name="Billing Settings").click()
        page.get_by_label("Coretax: export XML, DJP numbers the invoices (no ranges)").check()
        page.locator("#route-submit").click()
        expect(page.locator("#route-card")).to_contain_text("Saved")

        # Never a range, never a Generate.
        page.get_by_role("link", name="E-Faktur", exact=True).click()
        expect(page.locator("#coretax-state")).to_be_visible()
        expect(page.locator("#coretax-count-waiting_export")).to_have_text("3")
        expect(page.locator("#threshold-not-applied")).to_contain_text("The threshold alert does not apply")
        expect(page.get_by_role("link", name="+ Tax Number")).to_have_count(0)
        page.get_by_role("link", name="Invoices").first.click()
        expect(page.locator("#invoice-table")).to_contain_text("Waiting to be exported")
        expect(page.get_by_role("button", name="Generate E-Faktur No")).to_have_count(0)

        # Export XML of the month.
        page.get_by_role("link", name="E-Faktur", exact=True).click()
        page.get_by_role("link", name="Export CSV").click()
        page.get_by_label("Period").fill("2026-06")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("[data-col=file]", has_text="Coretax XML")).to_have_count(3)
        expect(page.get_by_role("button", name="Generate E-Faktur No")).to_have_count(0)
        page.get_by_label("Tick all invoices on this page").check()
        with page.expect_download() as info:
            page.get_by_role("button", name="Export XML").click()
        xml = etree.parse(info.value.path())
        references = [r.text for r in xml.iter("RefDesc")]
        assert sorted(references) == ["INV-2026-000211", "INV-2026-000212", "INV-2026-000213"]
        expect(page.locator("[data-col=export-status]", has_text="Exported")).to_have_count(3)

        # Coretax approves them; its output-tax list comes back (one row Coretax could not match: no reference).
        numbers = {ref: f"0400260000000002{n}" for n, ref in enumerate(sorted(references), start=1)}
        workbook = tmp_path / "Pajak Keluaran Juni 2026.xlsx"
        workbook.write_bytes(output_list_xlsx([list_row(ref, number) for ref, number in numbers.items()]
                                              + [list_row("", "04002600000000099", buyer="PT Lain")]))
        page.get_by_role("link", name="E-Faktur Files").click()
        page.get_by_role("link", name="Import Coretax List").click()
        dialog = page.locator("dialog#list-import-modal")
        dialog.get_by_label("Coretax output-tax list").set_input_files(str(workbook))
        dialog.get_by_role("button", name="Import").click()
        result = page.locator("dialog#list-result-modal")
        expect(result.locator("[data-outcome=recorded] strong")).to_have_text("3")
        expect(result.locator("[data-outcome=not_applied] strong")).to_have_text("1")
        expect(result.locator("#list-import-table")).to_contain_text("match it by hand (buyer PT Lain")
        screenshot(page, "coretax-import-result")
        result.get_by_role("button", name="OK").click()

        # The approved PDFs, named as Coretax names them, matched by the reference they print.
        archive = tmp_path / "OutputTaxInvoice.zip"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            for ref, number in numbers.items():
                bundle.writestr(coretax_pdf_name(number, uuid=f"uuid-{ref[-3:]}"), coretax_pdf(ref, number))
        archive.write_bytes(buffer.getvalue())
        page.get_by_role("link", name="Upload").click()
        upload = page.locator("dialog#upload-modal")
        upload.get_by_label("Files").set_input_files(str(archive))
        upload.get_by_role("button", name="Upload").click()
        uploaded = page.locator("dialog#upload-result-modal")
        expect(uploaded.locator("#upload-summary")).to_have_text("3 files matched and stored.")
        uploaded.get_by_role("button", name="OK").click()

        page.get_by_label("Tick all files on this page").check()
        page.get_by_role("button", name="Send Email", exact=True).click()
        asked = page.locator("dialog#confirm-send-modal")  # how many e-mails to which addresses, asked first
        expect(asked.locator("#send-count")).to_have_text("3 e-mails will go out, to:")
        for _, address in CUSTOMERS:
            expect(asked.locator("#send-addresses")).to_contain_text(address)
        assert sink.parsed() == []
        asked.get_by_role("button", name="Send 3 e-mails").click()
        sending = page.locator("dialog#send-modal")
        expect(sending.locator("#send-status")).to_contain_text("Done: 3 sent of 3.")
        sending.get_by_role("button", name="OK").click()
        assert sorted(r for recipients, _ in sink.parsed() for r in recipients) == sorted(e for _, e in CUSTOMERS)

        # The invoice page tells its Coretax story; the E-Faktur No page counts them approved.
        page.get_by_role("link", name="Invoices").first.click()
        page.get_by_role("link", name="INV-2026-000211", exact=True).click()
        expect(page.locator("#detail-coretax-number")).to_have_text(numbers["INV-2026-000211"])
        expect(page.locator("#coretax-history")).to_contain_text("Coretax list")
        page.get_by_role("link", name="E-Faktur", exact=True).click()
        expect(page.locator("#coretax-count-approved")).to_have_text("3")
        screenshot(page, "coretax-state", full_page=True)
        context.close()
        assert not errors, errors
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(NumberRange)) == 0
        assert ids
