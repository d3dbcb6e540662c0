"""End to end in headless Chromium: the E-Faktur No page as a user sees it."""
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot


def test_add_a_range_through_the_modal_and_see_it_in_the_table(logged_in_page, live_server):
    page = logged_in_page
    page.get_by_role("link", name="+ Tax Number").click()
    dialog = page.locator("dialog#range-modal")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Add New Tax Number")
    dialog.get_by_label("Year Period").select_option("2026")
    dialog.get_by_label("Start Number").fill("000-26.00000001")
    dialog.get_by_label("End Number").fill("0002600000250")
    dialog.get_by_role("button", name="Save").click()

    success = page.locator("dialog#success-modal")
    expect(success).to_be_visible()
    expect(success).to_contain_text("250 numbers for 2026")
    success.get_by_role("button", name="OK").click()
    expect(success).to_have_count(0)

    row = page.locator("#number-table tbody tr").first
    expect(row).to_contain_text("000-26.00000001")
    expect(row).to_contain_text("000-26.00000250")
    expect(row.locator("[data-col=total]")).to_have_text("250")
    expect(row.locator("[data-col=available]")).to_have_text("250")
    expect(page.locator("#available-this-year")).to_have_text("250")
    # The table was updated in place: the page itself never reloaded.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    screenshot(page, "numbers-page-first-range", full_page=True)


def test_bad_input_keeps_the_modal_open_with_the_error_on_the_field(logged_in_page):
    page = logged_in_page
    page.get_by_role("link", name="+ Tax Number").click()
    dialog = page.locator("dialog#range-modal")
    dialog.get_by_label("Start Number").fill("000-26.00000100")
    dialog.get_by_label("End Number").fill("000-26.00000001")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#end_number-error")).to_contain_text("End Number must not be before the Start Number")
    expect(page.locator("dialog#range-modal")).to_be_visible()
    expect(page.locator("#number-table")).to_contain_text("No tax number ranges yet")


def test_edit_and_delete_a_range(logged_in_page, live_server):
    from tests.conftest import add_range

    add_range(live_server.app, 2026, "000-26.12345678", "000-26.12346035")
    page = logged_in_page
    page.reload()
    page.get_by_role("link", name="Edit range 000-26.12345678").click()
    dialog = page.locator("dialog#range-modal")
    expect(dialog.get_by_role("heading")).to_have_text("Edit Tax Number")
    dialog.get_by_label("End Number").fill("000-26.12346037")
    dialog.get_by_role("button", name="Save").click()
    page.locator("dialog#success-modal").get_by_role("button", name="OK").click()
    expect(page.locator("#number-table")).to_contain_text("000-26.12346037")
    expect(page.locator("[data-col=total]").first).to_have_text("360")

    page.get_by_role("link", name="Delete range 000-26.12345678").click()
    page.locator("dialog#delete-modal").get_by_role("button", name="Yes").click()
    page.locator("dialog#success-modal").get_by_role("button", name="OK").click()
    expect(page.locator("#number-table")).to_contain_text("No tax number ranges yet")
