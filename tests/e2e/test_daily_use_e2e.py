"""Daily use in headless Chromium: tick all matching invoices across pages, Generate for all of them in one
go, see which years they come from and what remains, and find the rows just numbered highlighted."""
import re

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


def _focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? (e.id || e.getAttribute('aria-label') || e.textContent.trim()) : '' }""")


def test_modals_take_focus_put_it_on_the_error_and_give_it_back(page, live_server):
    log_in(page, live_server)
    opener = page.get_by_role("link", name="+ Tax Number")
    opener.click()
    modal = page.locator("#range-modal")
    expect(modal).to_be_visible()
    expect(page.get_by_label("Year Period")).to_be_focused()  # the first field
    page.get_by_label("Start Number").fill("000-26.00000001")
    modal.get_by_role("button", name="Save").click()  # no End Number: refused
    expect(modal.locator(".error")).to_be_visible()
    expect(page.get_by_label("End Number")).to_be_focused()  # the field in error
    modal.get_by_role("button", name="Cancel").click()
    expect(modal).to_have_count(0)
    expect(opener).to_be_focused()  # back where the user was

    opener.click()  # and with Escape
    expect(page.get_by_label("Year Period")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#range-modal")).to_have_count(0)
    expect(opener).to_be_focused()


def test_a_used_range_offers_delete_disabled_with_the_reason(page, live_server):
    app = live_server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    add_range(app, 2026, "000-26.00000101", "000-26.00000110")
    from tests.conftest import generate

    generate(app, [make_invoice(app)])
    log_in(page, live_server)
    used = page.get_by_role("button", name="Delete range 000-26.00000001")
    expect(used).to_be_disabled()
    expect(page.locator("#number-table")).to_contain_text("1 given out")
    expect(page.get_by_role("link", name="Delete range 000-26.00000101")).to_be_enabled()


def test_a_new_invoice_line_can_be_removed(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="New Invoice").click()
    modal = page.locator("dialog.modal")
    expect(page.get_by_label("Find a customer")).to_be_focused()  # the customer comes first
    page.get_by_label("Invoice No").fill("INV-LINES")
    page.get_by_label("Customer Name").fill("PT Garis")
    page.get_by_label("Item 1").fill("Audit")
    page.get_by_label("Unit Price 1").fill("1.000.000")
    modal.get_by_role("button", name="+ Add line").click()
    page.get_by_label("Item 2").fill("Mistake")
    page.get_by_label("Unit Price 2").fill("5")
    modal.get_by_role("button", name="+ Add line").click()
    page.get_by_label("Item 3").fill("Travel")
    page.get_by_label("Unit Price 3").fill("250.000")
    modal.get_by_role("button", name="Remove line 2").click()
    expect(modal.locator("tr.line")).to_have_count(2)
    modal.get_by_role("button", name="+ Add line").click()  # after a removal, the next index is still new
    expect(modal.locator("tr.line")).to_have_count(3)
    modal.get_by_role("button", name="Remove line 4").click()
    modal.get_by_role("button", name="Save").click()
    expect(page.locator("#success-modal")).to_contain_text("Invoice INV-LINES saved.")
    page.locator("#success-modal").get_by_role("button", name="OK").click()
    page.get_by_role("link", name="INV-LINES").click()
    lines = page.locator("#invoice-detail table.compact tbody")
    expect(lines).to_contain_text("Audit")
    expect(lines).to_contain_text("Travel")
    expect(lines).not_to_contain_text("Mistake")


def test_removing_a_notification_address_asks_first(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url("/settings/billing"))
    page.get_by_label("Notification Email").fill("finance@example.com")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#recipient-list")).to_contain_text("finance@example.com")
    browser_dialogs = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Remove finance@example.com").click()
    question = page.locator("dialog#confirm-dialog")
    expect(question).to_have_text(re.compile("Remove finance@example.com\\? It will no longer receive the threshold e-mail."))
    question.get_by_role("button", name="No").click()
    expect(page.locator("#recipient-list")).to_contain_text("finance@example.com")  # "No": kept
    page.get_by_role("button", name="Remove finance@example.com").click()
    page.locator("dialog#confirm-dialog").get_by_role("button", name="Yes").click()
    expect(page.locator("#recipient-list")).not_to_contain_text("finance@example.com")
    assert browser_dialogs == []


def test_the_numbers_page_answers_how_long_the_numbers_last(page, live_server):
    from datetime import date

    from efaktur.extensions import db
    from efaktur.numbers.models import NumberUsageDay
    from tests.conftest import generate

    app = live_server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    add_range(app, 2026, "000-26.00000011", "000-26.00000610")
    with app.app_context():
        for day, count in [("2025-07-10", 40), ("2025-08-10", 55), ("2025-09-10", 61), ("2025-10-10", 48),
                           ("2025-11-10", 70), ("2025-12-10", 66), ("2026-01-10", 80), ("2026-02-10", 75),
                           ("2026-03-10", 90), ("2026-04-10", 110), ("2026-05-10", 120), ("2026-06-01", 60)]:
            db.session.add(NumberUsageDay(year=int(day[:4]), day=date.fromisoformat(day), handed_out=count))
        db.session.commit()
    generate(app, [make_invoice(app) for _ in range(14)])
    log_in(page, live_server)
    expect(page.locator("#available-this-year")).to_have_text("588")
    expect(page.locator("#used-this-month")).to_have_text("74")
    expect(page.locator("#enofa-most")).to_have_text("384")  # 120% of 90 + 110 + 120
    expect(page.locator("#usage-chart rect")).to_have_count(12)
    expect(page.locator("tr.exhausted")).to_have_count(1)  # the two-number range went first
    expect(page.locator("tr.exhausted")).to_contain_text("Used up")
    screenshot(page, "numbers-page", full_page=True)
