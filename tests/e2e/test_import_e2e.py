"""End to end in headless Chromium: Import Invoices on the Invoices page. Download template, fill it (here, as a
clerk would in a spreadsheet), choose it, Preview (a problem named at its cell, nothing written), mend it, Preview
again, Import: the invoices are listed."""
import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from tests.e2e.conftest import log_in, screenshot


def _fill(template_path, target, price_of_last_line):
    workbook = load_workbook(template_path)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = iter(range(4, 100))  # below the example, as a clerk types them (the template formats the rows to come)

    def row(**values):
        at = next(rows)
        for column, header in enumerate(headers, start=1):
            sheet.cell(row=at, column=column, value=values.get(header))

    row(**{"Invoice No": "INV-2026-000301", "Invoice Date": "2026-06-20", "Customer Name": "PT Sinar Abadi",
           "NPWP": "0012345678901001", "Item": "Sewa gudang Juni", "Unit Price": 8500000, "Goods or Services": "B",
           "Unit": "UM.0030"})
    row(**{"Item": "Listrik", "Unit Price": 650000, "Quantity": 1})
    row(**{"Invoice No": "INV-2026-000302", "Invoice Date": "2026-06-21", "Customer Name": "CV Karya Mandiri",
           "NPWP": "0012345678901002", "Item": "Kertas A4", "Unit Price": price_of_last_line, "Quantity": 10})
    workbook.save(target)


def test_download_the_template_fill_it_preview_and_import(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_role("link", name="Import Invoices").click()
    dialog = page.locator("#import-modal")
    expect(dialog).to_be_visible()
    with page.expect_download() as info:
        dialog.get_by_role("link", name="Download template").click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    assert load_workbook(io.BytesIO(template.read_bytes()), read_only=True).sheetnames == ["Invoices", "Columns"]

    # A price the money parser refuses: the preview names its cell, Import is not offered for the whole file.
    bad, good = tmp_path / "juni-salah.xlsx", tmp_path / "juni.xlsx"
    _fill(template, bad, "12.50.000")
    _fill(template, good, "55.000")
    dialog.get_by_label("Spreadsheet").set_input_files(str(bad))
    dialog.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-problems")).to_contain_text("Unit Price")
    expect(page.locator("#import-problems")).to_contain_text("not grouped in thousands")
    expect(page.locator("#import-valid-button")).to_contain_text("Import the 2 valid invoices only")
    screenshot(page, "import-preview-problems")
    with live_server.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 0

    # Mended: the preview counts the three invoices (the example's and ours) and their totals; Import.
    dialog.get_by_label("Spreadsheet").set_input_files(str(good))
    dialog.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-invoices")).to_have_text("3")
    expect(page.locator("#import-lines")).to_have_text("5")
    expect(page.locator("#import-problems")).to_have_count(0)
    screenshot(page, "import-preview")
    page.locator("#import-button").click()
    expect(page.locator("#success-modal")).to_contain_text("3 invoices imported from juni.xlsx")
    page.locator("#success-modal").get_by_role("button", name="OK").click()
    table = page.locator("#invoice-table")
    for number in ("INV-2026-000101", "INV-2026-000301", "INV-2026-000302"):
        expect(table).to_contain_text(number)
    expect(table).to_contain_text("CV Karya Mandiri")
    assert not errors, errors
    context.close()
