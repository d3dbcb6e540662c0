"""Daily use in headless Chromium: tick all matching invoices across pages, Generate for all of them in one
go, see which years they come from and what remains, and find the rows just numbered highlighted."""
from playwright.sync_api import expect

from tests.conftest import add_range, make_invoice
from tests.e2e.conftest import log_in, screenshot


def test_tick_all_matching_generate_and_see_the_rows_highlighted(page, live_server):
    app = live_server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    for i in range(30):
        make_invoice(app, invoice_date="2026-06-01", number=f"INV-2026-{i + 1:06d}")
    log_in(page, live_server)
    page.goto(live_server.url("/invoices/"))
    page.get_by_label("Tick all invoices without E-Faktur No").check()
    page.get_by_role("button", name="Tick all 30 matching invoices without E-Faktur No").click()
    expect(page.get_by_text("All 30 matching invoices without E-Faktur No are ticked, on every page.")).to_be_visible()
    page.get_by_role("button", name="Generate E-Faktur No").click()
    modal = page.locator("#generate-modal")
    expect(modal).to_contain_text("Generate E-Faktur No for 30 invoices?")
    expect(modal.locator("#generate-years")).to_contain_text("30 numbers from 2026: 100 available, 70 left afterwards.")
    screenshot(page, "generate-confirm")
    modal.get_by_role("button", name="Yes").click()
    expect(page.locator("#success-modal")).to_contain_text("30 E-Faktur numbers generated")
    page.locator("#success-modal").get_by_role("button", name="OK").click()
    expect(page.locator("tr.just-numbered")).to_have_count(25)  # every row of the page, all numbered now
    expect(page.locator("#invoice-table")).not_to_contain_text("(Not Set)")
    screenshot(page, "invoices-after-generate-all", full_page=True)
