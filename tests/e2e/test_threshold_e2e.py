"""The guide's worked example, end to end: real browser, real SMTP server.

Limit changed from 30 to 4 with Active on; two addresses on Billing Settings; Available
Number 5; one invoice numbered; Available Number 4; both addresses get the e-mail.
"""
from playwright.sync_api import expect

from tests.conftest import ADMIN_EMAIL, PASSWORD, add_range, mail_config, make_invoice, set_threshold
from tests.e2e.conftest import log_in, screenshot


def test_guide_example_threshold_email(page, live_server_factory, smtp_server):
    server = live_server_factory(**mail_config(smtp_server.port))
    app = server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 30, active=False)
    invoice = make_invoice(app, number="INV-2026-000001", due_date="2026-12-31")
    log_in(page, server)

    # Setting Threshold: 30 -> 4, Active on, Save, success pop-up, OK.
    expect(page.locator("#available-this-year")).to_have_text("5")
    expect(page.locator("#threshold-limit")).to_have_text("30")
    page.get_by_role("link", name="Setting Threshold").click()
    dialog = page.locator("dialog#threshold-modal")
    expect(dialog.get_by_role("heading")).to_have_text("Setting Threshold E-Faktur Available Number")
    expect(dialog.get_by_label("Threshold Limit")).to_have_value("30")
    dialog.get_by_label("Threshold Limit").fill("4")
    dialog.get_by_text("Active", exact=True).click()
    expect(dialog.get_by_role("switch", name="Active")).to_be_checked()
    page.wait_for_timeout(300)  # let the switch finish sliding before the README picture
    screenshot(page, "threshold-modal")
    dialog.get_by_role("button", name="Save").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("Threshold saved: 4")
    success.get_by_role("button", name="OK").click()
    expect(page.locator("#threshold-limit")).to_have_text("4")
    expect(page.locator("#threshold-state")).to_have_text("Active")

    # Two addresses on Billing Settings.
    page.get_by_role("link", name="Billing Settings").click()
    for email in ("finance@example.com", "owner@example.com"):
        page.get_by_label("Notification Email").fill(email)
        page.get_by_role("button", name="Add").click()
        expect(page.locator("#recipient-list")).to_contain_text(email)
    page.get_by_label("Notification Email").fill("FINANCE@example.com")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#email-error")).to_contain_text("on the list already")

    # Generate one number: Available Number 5 -> 4, and the e-mail goes out.
    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("checkbox", name="Tick INV-2026-000001").check()
    page.get_by_role("button", name="Generate E-Faktur No").click()
    page.locator("dialog#generate-modal").get_by_role("button", name="Yes").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("010.000-26.00000001")
    expect(success).to_contain_text("threshold e-mail went to 2 address(es)")
    success.get_by_role("button", name="OK").click()
    page.get_by_role("link", name="E-Faktur", exact=True).click()
    expect(page.locator("#available-this-year")).to_have_text("4")

    received = smtp_server.parsed()  # one message per address: nobody sees the other
    assert sorted(r for recipients, _ in received for r in recipients) == ["finance@example.com", "owner@example.com"]
    message = received[0][1]
    assert message["Subject"].strip() == "Available number reached threshold limit: 4 left for 2026 (limit 4)"
    html = message.get_body(("html",)).get_content()
    assert "Available number reached threshold limit" in html
    page.goto("about:blank")  # away from the app, whose CSP would block the e-mail's inline styles
    page.set_content(html)
    expect(page.get_by_text("Open the E-Faktur No page")).to_be_visible()
    screenshot(page, "threshold-email", full_page=True)

    page.goto(server.url("/settings/billing"))
    expect(page.locator("#alert-table")).to_contain_text("Sent")
    assert invoice


def test_guide_example_in_indonesian(browser, live_server_factory, smtp_server):
    """The same example by a clerk whose browser asks for Bahasa Indonesia: every step in Indonesian,
    and the e-mail too (Billing Settings' default language for it)."""
    server = live_server_factory(**mail_config(smtp_server.port), BABEL_DEFAULT_LOCALE="id")
    app = server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 30, active=False, language=None)
    make_invoice(app, number="INV-2026-000001", due_date="2026-12-31")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(server.url("/login"))
        expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Kata Sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url("**/numbers/")
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.get_by_role("heading", name="Nomor Faktur Pajak")).to_be_visible()
        expect(page.locator("#available-this-year")).to_have_text("5")

        # Atur Batas Peringatan: 30 -> 4, Aktif, Simpan.
        page.get_by_role("link", name="Atur Batas Peringatan").click()
        dialog = page.locator("dialog#threshold-modal")
        expect(dialog.get_by_role("heading")).to_have_text("Atur Batas Peringatan Nomor Faktur Pajak Tersedia")
        dialog.get_by_label("Batas Peringatan").fill("4")
        dialog.get_by_text("Aktif", exact=True).click()
        expect(dialog.get_by_role("switch", name="Aktif")).to_be_checked()
        dialog.get_by_role("button", name="Simpan").click()
        success = page.locator("dialog#success-modal")
        expect(success.get_by_role("heading")).to_have_text("Berhasil")
        expect(success).to_contain_text("Batas peringatan disimpan: 4")
        success.get_by_role("button", name="OK").click()
        expect(page.locator("#threshold-state")).to_have_text("Aktif")

        # Two addresses on Pengaturan Penagihan.
        page.get_by_role("link", name="Pengaturan Penagihan").click()
        for email in ("finance@example.com", "owner@example.com"):
            page.get_by_label("Email Notifikasi").fill(email)
            page.get_by_role("button", name="Tambah").click()
            expect(page.locator("#recipient-list")).to_contain_text(email)
        page.get_by_label("Email Notifikasi").fill("FINANCE@example.com")
        page.get_by_role("button", name="Tambah").click()
        expect(page.locator("#email-error")).to_contain_text("sudah ada di daftar")

        # Buat Nomor Faktur Pajak for the one invoice: 5 -> 4, the e-mail goes out.
        page.get_by_role("link", name="Invoice", exact=True).click()
        page.get_by_role("checkbox", name="Centang INV-2026-000001").check()
        page.get_by_role("button", name="Buat Nomor Faktur Pajak").click()
        confirm = page.locator("dialog#generate-modal")
        expect(confirm).to_contain_text("Buat Nomor Faktur Pajak untuk 1 invoice?")
        confirm.get_by_role("button", name="Ya").click()
        success = page.locator("dialog#success-modal")
        expect(success).to_contain_text("010.000-26.00000001")
        expect(success).to_contain_text("e-mail peringatan terkirim ke 2 alamat")
        success.get_by_role("button", name="OK").click()
        page.reload()  # the Invoices page warns on a full load
        expect(page.locator("#threshold-warning")).to_contain_text("Nomor tersedia mencapai batas peringatan")
        page.get_by_role("link", name="E-Faktur", exact=True).click()
        expect(page.locator("#available-this-year")).to_have_text("4")
        expect(page.locator("#threshold-limit")).to_have_text("4")
        screenshot(page, "numbers-page-id")

        received = smtp_server.parsed()
        assert sorted(r for recipients, _ in received for r in recipients) == ["finance@example.com", "owner@example.com"]
        message = received[0][1]
        assert message["Subject"].strip() == "Nomor tersedia mencapai batas peringatan: tersisa 4 untuk 2026 (batas 4)"
        assert "Tersisa 4 Nomor Faktur Pajak untuk 2026" in message.get_body(("plain",)).get_content()

        page.goto(server.url("/settings/billing"))
        expect(page.locator("#alert-table")).to_contain_text("Terkirim")
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
