"""End to end in headless Chromium: an invoice gets its number, then gives it back."""
from playwright.sync_api import expect

from tests.conftest import add_range
from tests.e2e.conftest import screenshot


def available_this_year(page, server):
    page.goto(server.url("/numbers/"))
    return page.locator("#available-this-year").inner_text()


def test_create_generate_cancel_and_return_the_number(logged_in_page, live_server):
    add_range(live_server.app, 2026, "000-26.00000001", "000-26.00000010")
    page = logged_in_page
    assert available_this_year(page, live_server) == "10"

    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="New Invoice").click()
    dialog = page.locator("dialog#invoice-modal")
    dialog.get_by_label("Customer Name").fill("PT Maju Jaya")
    dialog.get_by_label("NPWP", exact=True).fill("01.234.567.8-901.000")
    dialog.get_by_label("Invoice Date").fill("2026-06-10")
    dialog.get_by_label("Due Date").fill("2026-07-10")
    dialog.get_by_label("Item 1").fill("Consulting")
    dialog.get_by_label("Unit Price 1").fill("2500000")
    dialog.get_by_role("button", name="+ Add line").click()
    dialog.get_by_label("Item 2").fill("Travel")
    dialog.get_by_label("Unit Price 2").fill("300000")
    dialog.get_by_role("button", name="Save").click()
    page.locator("dialog#success-modal").get_by_role("button", name="OK").click()

    row = page.locator("#invoice-table tbody tr").first
    expect(row).to_contain_text("PT Maju Jaya")
    expect(row.locator("[data-col=efaktur-no]")).to_have_text("(Not Set)")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Generate E-Faktur No").click()
    page.locator("dialog#generate-modal").get_by_role("button", name="Yes").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("040.000-26.00000001")
    screenshot(page, "generated")
    success.get_by_role("button", name="OK").click()
    expect(row.locator("[data-col=efaktur-no]")).to_have_text("040.000-26.00000001")
    screenshot(page, "invoices-page", full_page=True)
    assert available_this_year(page, live_server) == "9"

    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="INV-2026-000001").click()
    page.get_by_label("Invoice Status").select_option("cancelled")
    questions = []

    def answer(dialog):  # Cancelled is final: the page asks first, and says what follows
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#detail-status")).to_have_text("Unpaid")  # "No": nothing changed
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#detail-status")).to_have_text("Cancelled")
    assert "Cancelled is final" in questions[0] and "Cancel E-Faktur No, which then becomes possible" in questions[0]
    page.get_by_role("link", name="Cancel E-Faktur No").click()
    page.locator("dialog#cancel-number-modal").get_by_role("button", name="Yes").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("available again")
    success.get_by_role("button", name="OK").click()
    expect(page.locator("#detail-efaktur-no")).to_have_text("(Not Set)")
    expect(page.locator("#number-history")).to_contain_text("040.000-26.00000001")
    screenshot(page, "invoice-detail", full_page=True)
    assert available_this_year(page, live_server) == "10"


def test_not_enough_numbers_is_explained_in_the_modal(logged_in_page, live_server):
    from tests.conftest import make_invoice

    add_range(live_server.app, 2026, "000-26.00000001", "000-26.00000001")
    make_invoice(live_server.app, due_date="2026-12-31")
    make_invoice(live_server.app, due_date="2026-12-31")
    page = logged_in_page
    page.goto(live_server.url("/invoices/"))
    page.get_by_label("Tick all invoices without E-Faktur No").check()
    page.get_by_role("button", name="Generate E-Faktur No").click()
    page.locator("dialog#generate-modal").get_by_role("button", name="Yes").click()
    expect(page.locator("dialog#message-modal")).to_contain_text("2 invoices dated 2026 need a number, 1 is available for 2026")
    expect(page.locator("[data-col=efaktur-no]").first).to_have_text("(Not Set)")
