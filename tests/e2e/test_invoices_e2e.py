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
    browser_dialogs = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.dismiss()))
    # Cancelled is final: the page asks first in its own dialog, and says what follows.
    page.get_by_role("button", name="Change status").click()
    question = page.locator("dialog#confirm-dialog")
    expect(question).to_contain_text("Cancelled is final")
    expect(question).to_contain_text("Cancel E-Faktur No, which then becomes possible")
    question.get_by_role("button", name="No").click()
    expect(question).to_have_count(0)
    expect(page.locator("#detail-status")).to_have_text("Unpaid")  # "No": nothing changed
    page.get_by_role("button", name="Change status").click()
    page.locator("dialog#confirm-dialog").get_by_role("button", name="Yes").click()
    expect(page.locator("#detail-status")).to_have_text("Cancelled")
    assert browser_dialogs == []  # never the browser's own confirm()
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


def test_code_07_asks_for_its_facility_and_proposes_the_stamp(logged_in_page, live_server):
    page = logged_in_page
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="New Invoice").click()
    dialog = page.locator("dialog#invoice-modal")
    facility = dialog.locator("[data-facility]")
    expect(facility).to_be_hidden()  # code 04 by default: no facility
    dialog.get_by_label("Customer Name").fill("PT Kawasan Berikat")
    dialog.get_by_label("NPWP", exact=True).fill("01.234.567.8-901.000")
    dialog.get_by_label("Item 1").fill("Bahan baku")
    dialog.get_by_label("Unit Price 1").fill("100000")
    dialog.get_by_label("Transaction Code").select_option("07")
    expect(facility).to_be_visible()
    group = dialog.locator("[data-facility-for='07']")
    group.get_by_label("Keterangan Tambahan (facility)").select_option("TD.00502")
    expect(group.get_by_label("Cap Fasilitas (stamp)")).to_have_value("TD.01102")  # DJP's pair, the same number
    expect(dialog.locator("#preview-total")).to_have_text("Rp 100,000.00")  # the PPN is not charged
    expect(dialog.locator("#invoice-amounts")).to_contain_text("PPN not collected 12%")
    dialog.get_by_role("button", name="Save").click()
    page.locator("dialog#success-modal").get_by_role("button", name="OK").click()
    page.get_by_role("link", name="INV-2026-000001").click()
    expect(page.locator("#detail-facility")).to_contain_text("TD.00502 - for a bonded storage area")


def test_a_new_code_on_a_numbered_invoice_is_asked_first(logged_in_page, live_server):
    from decimal import Decimal

    from efaktur.invoices.services import DraftLine
    from tests.conftest import generate, make_invoice

    add_range(live_server.app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(live_server.app, number="INV-CODE", code="04", invoice_date="2026-06-10",
                           lines=[DraftLine("Audit", Decimal(1), 600_000)])
    generate(live_server.app, [invoice])
    page = logged_in_page
    page.goto(live_server.url(f"/invoices/{invoice}"))
    page.get_by_role("link", name="Edit").click()
    dialog = page.locator("dialog#invoice-modal")
    dialog.get_by_label("Transaction Code").select_option("01")
    dialog.get_by_role("button", name="Save").click()
    question = dialog.locator("#code-change")
    expect(question).to_contain_text("E-Faktur No 040.000-26.00000001 becomes 010.000-26.00000001, and the PPN "
                                     "Rp 66,000 becomes Rp 72,000.")
    expect(page.locator("#detail-efaktur-no")).to_have_text("040.000-26.00000001")  # nothing saved yet
    question.get_by_role("button", name="Yes, change the code and save").click()
    page.locator("dialog#success-modal").get_by_role("button", name="OK").click()
    expect(page.locator("#detail-efaktur-no")).to_have_text("010.000-26.00000001")
    expect(page.locator("#detail-ppn")).to_contain_text("Rp 72,000")
