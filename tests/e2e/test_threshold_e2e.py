"""The guide's worked example, end to end: real browser, real SMTP server.

Limit changed from 30 to 4 with Active on; two addresses on Billing Settings; Available
Number 5; one invoice numbered; Available Number 4; both addresses get the e-mail. Once
in English, once by a clerk whose browser asks for Bahasa Indonesia.
"""
from playwright.sync_api import expect

from tests.conftest import ADMIN_EMAIL, PASSWORD, add_range, mail_config, make_invoice, set_threshold
from tests.e2e.conftest import log_in, screenshot

# What the clerk reads and presses at each step, in each language.
WORDS = {
    "en": {
        "setting_threshold": "Setting Threshold", "modal_title": "Setting Threshold E-Faktur Available Number",
        "limit": "Threshold Limit", "active": "Active", "save": "Save", "success": "Success",
        "saved": "Threshold saved: 4", "billing": "Billing Settings", "notification_email": "Notification Email",
        "add": "Add", "on_the_list": "on the list already", "invoices": "Invoices", "tick": "Tick INV-2026-000001",
        "generate": "Generate E-Faktur No", "generate_question": "Generate E-Faktur No for 1 invoice?", "yes": "Yes",
        "went_to": "threshold e-mail went to 2 address(es)", "warning": "Available number reached threshold limit",
        "subject": "Available number reached threshold limit: 4 left for 2026 (limit 4)",
        "body": "4 E-Faktur numbers left for 2026", "sent": "Sent",
    },
    "id": {
        "setting_threshold": "Atur Batas Peringatan", "modal_title": "Atur Batas Peringatan Nomor Faktur Pajak Tersedia",
        "limit": "Batas Peringatan", "active": "Aktif", "save": "Simpan", "success": "Berhasil",
        "saved": "Batas peringatan disimpan: 4", "billing": "Pengaturan Penagihan",
        "notification_email": "Email Notifikasi", "add": "Tambah", "on_the_list": "sudah ada di daftar",
        "invoices": "Invoice", "tick": "Centang INV-2026-000001", "generate": "Buat Nomor Faktur Pajak",
        "generate_question": "Buat Nomor Faktur Pajak untuk 1 invoice?", "yes": "Ya",
        "went_to": "e-mail peringatan terkirim ke 2 alamat", "warning": "Nomor tersedia mencapai batas peringatan",
        "subject": "Nomor tersedia mencapai batas peringatan: tersisa 4 untuk 2026 (batas 4)",
        "body": "Tersisa 4 Nomor Faktur Pajak untuk 2026", "sent": "Terkirim",
    },
}


def _set_up(live_server_factory, smtp_server, **config):
    server = live_server_factory(**mail_config(smtp_server.port), **config)
    add_range(server.app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(server.app, 30, active=False, language=None)  # the e-mail in Billing Settings' default
    make_invoice(server.app, number="INV-2026-000001", due_date="2026-12-31")
    return server


def _walk_the_guide(page, server, smtp_server, words, screenshots=()):
    """From the E-Faktur No page, logged in: the guide's steps; returns the e-mails received."""
    # Setting Threshold: 30 -> 4, Active on, Save, success pop-up, OK.
    expect(page.locator("#available-this-year")).to_have_text("5")
    expect(page.locator("#threshold-limit")).to_have_text("30")
    page.get_by_role("link", name=words["setting_threshold"]).click()
    dialog = page.locator("dialog#threshold-modal")
    expect(dialog.get_by_role("heading")).to_have_text(words["modal_title"])
    expect(dialog.get_by_label(words["limit"])).to_have_value("30")
    dialog.get_by_label(words["limit"]).fill("4")
    dialog.get_by_text(words["active"], exact=True).click()
    expect(dialog.get_by_role("switch", name=words["active"])).to_be_checked()
    if "threshold-modal" in screenshots:
        page.wait_for_timeout(300)  # let the switch finish sliding before the README picture
        screenshot(page, "threshold-modal")
    dialog.get_by_role("button", name=words["save"]).click()
    success = page.locator("dialog#success-modal")
    expect(success.get_by_role("heading")).to_have_text(words["success"])
    expect(success).to_contain_text(words["saved"])
    success.get_by_role("button", name="OK").click()
    expect(page.locator("#threshold-limit")).to_have_text("4")
    expect(page.locator("#threshold-state")).to_have_text(words["active"])

    # Two addresses on Billing Settings; the same one again is refused.
    page.get_by_role("link", name=words["billing"]).click()
    for email in ("finance@example.com", "owner@example.com"):
        page.get_by_label(words["notification_email"]).fill(email)
        page.get_by_role("button", name=words["add"]).click()
        expect(page.locator("#recipient-list")).to_contain_text(email)
    page.get_by_label(words["notification_email"]).fill("FINANCE@example.com")
    page.get_by_role("button", name=words["add"]).click()
    expect(page.locator("#email-error")).to_contain_text(words["on_the_list"])

    # Generate one number: Available Number 5 -> 4, and the e-mail goes out.
    page.get_by_role("link", name=words["invoices"], exact=True).click()
    page.get_by_role("checkbox", name=words["tick"]).check()
    page.get_by_role("button", name=words["generate"]).click()
    confirm = page.locator("dialog#generate-modal")
    expect(confirm).to_contain_text(words["generate_question"])
    confirm.get_by_role("button", name=words["yes"]).click()
    expect(success).to_contain_text("010.000-26.00000001")
    expect(success).to_contain_text(words["went_to"])
    success.get_by_role("button", name="OK").click()
    page.reload()  # the Invoices page warns on a full load
    expect(page.locator("#threshold-warning")).to_contain_text(words["warning"])
    page.get_by_role("link", name="E-Faktur", exact=True).click()
    expect(page.locator("#available-this-year")).to_have_text("4")

    received = smtp_server.parsed()  # one message per address: nobody sees the other
    assert sorted(r for recipients, _ in received for r in recipients) == ["finance@example.com", "owner@example.com"]
    message = received[0][1]
    assert message["Subject"].strip() == words["subject"]
    assert words["body"] in message.get_body(("plain",)).get_content()
    return message


def test_guide_example_threshold_email(page, live_server_factory, smtp_server):
    server = _set_up(live_server_factory, smtp_server)
    with server.app.test_request_context():
        from efaktur.settings.services import save_notification_language

        save_notification_language("en")
    log_in(page, server)
    message = _walk_the_guide(page, server, smtp_server, WORDS["en"], screenshots=("threshold-modal",))

    html = message.get_body(("html",)).get_content()
    assert "Available number reached threshold limit" in html
    page.goto("about:blank")  # away from the app, whose CSP would block the e-mail's inline styles
    page.set_content(html)
    expect(page.get_by_text("Open the E-Faktur No page")).to_be_visible()
    screenshot(page, "threshold-email", full_page=True)

    page.goto(server.url("/settings/billing"))
    expect(page.locator("#alert-table")).to_contain_text(WORDS["en"]["sent"])


def test_guide_example_in_indonesian(browser, live_server_factory, smtp_server):
    """Every step in Indonesian, and the e-mail too (Billing Settings' default language for it)."""
    server = _set_up(live_server_factory, smtp_server, BABEL_DEFAULT_LOCALE="id")
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

        _walk_the_guide(page, server, smtp_server, WORDS["id"])
        expect(page.locator("#threshold-limit")).to_have_text("4")
        screenshot(page, "numbers-page-id")

        page.goto(server.url("/settings/billing"))
        expect(page.locator("#alert-table")).to_contain_text(WORDS["id"]["sent"])
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
