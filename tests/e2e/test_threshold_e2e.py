"""The guide's worked example, end to end: real browser, real SMTP server.

Limit changed from 30 to 4 with Active on; two addresses on Billing Settings; Available
Number 5; one invoice numbered; Available Number 4; both addresses get the e-mail.
"""
from playwright.sync_api import expect

from tests.conftest import add_range, mail_config, make_invoice, set_threshold
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
