"""End to end in headless Chromium: upload a zip of approved PDFs, see the rows, Send Email, see Sent."""
from playwright.sync_api import expect

from tests.conftest import SmtpSink, add_range, generate, mail_config, make_invoice, set_company
from tests.e2e.conftest import log_in, screenshot
from tests.test_files import desktop_name, make_zip, pdf


def test_upload_a_zip_then_send_the_emails(browser, live_server_factory, tmp_path):
    with SmtpSink() as sink:
        server = live_server_factory(**mail_config(sink.port))
        app = server.app
        set_company(app)  # the seller NPWP the files' names carry
        add_range(app, 2026, "000-26.00000001", "000-26.00000100")
        customers = [("PT Sinar Abadi", "tax@sinarabadi.co.id"), ("CV Karya Mandiri", "finance@karyamandiri.co.id"),
                     ("Toko Sejahtera", "owner@tokosejahtera.co.id")]
        ids = [make_invoice(app, customer_name=name, npwp_name=name, customer_email=email, number=f"INV-2026-00011{i}")
               for i, (name, email) in enumerate(customers, start=1)]
        generate(app, ids)
        archive = tmp_path / "faktur-juni-2026.zip"
        archive.write_bytes(make_zip(
            [(desktop_name(f"010000260000000{i}"), pdf(f"approved {i}")) for i in (1, 2, 3)]
            + [(desktop_name("0100002600000042"), pdf("stray"))]
        ))

        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, server)
        page.get_by_role("link", name="E-Faktur Files").click()
        expect(page.locator("#files-table")).to_contain_text("No e-Faktur PDF is uploaded yet")

        page.get_by_role("link", name="Upload").click()
        dialog = page.locator("dialog#upload-modal")
        dialog.get_by_label("Files").set_input_files(str(archive))
        dialog.get_by_role("button", name="Upload").click()
        results = page.locator("dialog#upload-result-modal")
        expect(results.locator("#upload-summary")).to_have_text("3 files matched and stored; 1 not matched.")
        expect(results).to_contain_text("no invoice holds E-Faktur No 010.000-26.00000042")
        screenshot(page, "files-upload-result")
        results.get_by_role("button", name="OK").click()

        table = page.locator("#files-table")
        for number in ("INV-2026-000111", "INV-2026-000112", "INV-2026-000113"):
            expect(table).to_contain_text(number)
        expect(page.locator("[data-col=email-status]", has_text="Ready to Send")).to_have_count(3)

        page.get_by_label("Tick all files on this page").check()
        page.get_by_role("button", name="Send Email", exact=True).click()
        asked = page.locator("dialog#confirm-send-modal")  # how many e-mails to which addresses, asked first
        expect(asked.locator("#send-count")).to_have_text("3 e-mails will go out, to:")
        for _, address in customers:
            expect(asked.locator("#send-addresses")).to_contain_text(address)
        assert sink.parsed() == []
        asked.get_by_role("button", name="Send 3 e-mails").click()
        sending = page.locator("dialog#send-modal")
        expect(sending.locator("#send-status")).to_contain_text("Done: 3 sent of 3.")
        sending.get_by_role("button", name="OK").click()
        expect(page.locator("[data-col=email-status]", has_text="Sent")).to_have_count(3)
        screenshot(page, "files-tab", full_page=True)

        assert sorted(r for recipients, _ in sink.parsed() for r in recipients) == sorted(e for _, e in customers)
        for _, message in sink.parsed():
            (attachment,) = list(message.iter_attachments())
            assert attachment.get_content().startswith(b"%PDF-1.4\n% approved ")

        # The invoice page shows the file and when it was reported; Edit is refused.
        page.get_by_role("link", name="INV-2026-000111", exact=True).click()
        expect(page.locator("#detail-reported")).to_be_visible()
        expect(page.locator("#file-history")).to_contain_text(desktop_name("0100002600000001"))
        expect(page.get_by_role("button", name="Edit")).to_be_disabled()
        context.close()
        assert not errors, errors
