"""End to end in headless Chromium: Export CSV tab, pick the month, Show, tick, Export CSV, the rows turn Exported."""
import csv
import io

from playwright.sync_api import expect

from tests.conftest import add_range, generate, make_invoice
from tests.e2e.conftest import screenshot


def seed(server):
    from efaktur.settings.services import save_company

    app = server.app
    with app.test_request_context():
        save_company("PT Maju Jaya", "01.234.567.8-901.000".replace(".", "").replace("-", ""), "Jl. Gatot Subroto 1", "000000")
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    may = [
        make_invoice(app, invoice_date="2026-05-04", number="INV-2026-000101", code="04", customer_name="PT Sinar Abadi",
                     npwp_name="PT Sinar Abadi", due_date="2026-06-03"),
        make_invoice(app, invoice_date="2026-05-11", number="INV-2026-000102", code="04", customer_name="CV Karya Mandiri",
                     npwp_name="CV Karya Mandiri", due_date="2026-06-10"),
    ]
    generate(app, may)
    make_invoice(app, invoice_date="2026-05-20", number="INV-2026-000103", code="04", customer_name="Toko Sejahtera",
                 npwp="", npwp_name="", buyer_document="nik", buyer_document_number="3171012345678901",
                 due_date="2026-06-19")
    make_invoice(app, invoice_date="2026-06-02", number="INV-2026-000104", code="04")
    return may


def test_export_csv_tab_download_and_rows_turn_exported(logged_in_page, live_server):
    seed(live_server)
    page = logged_in_page
    page.get_by_role("link", name="Export CSV").click()
    expect(page.get_by_role("heading", name="Export CSV")).to_be_visible()
    expect(page.locator("#export-table")).to_contain_text("INV-2026-000104")  # this month first

    page.get_by_label("Period").fill("2026-05")
    page.get_by_role("button", name="Show").click()
    table = page.locator("#export-table")
    expect(table).to_contain_text("INV-2026-000101")
    expect(table).not_to_contain_text("INV-2026-000104")
    row = page.locator("tr", has_text="INV-2026-000101")
    expect(row.locator("[data-col=efaktur-no]")).to_have_text("040.000-26.00000001")
    expect(page.locator("tr", has_text="INV-2026-000103").locator("[data-col=efaktur-no]")).to_have_text("(Not Set)")
    expect(row.locator("[data-col=export-status]")).to_have_text("Not Exported")

    page.get_by_role("checkbox", name="Tick INV-2026-000101").check()
    page.get_by_role("checkbox", name="Tick INV-2026-000102").check()
    screenshot(page, "export-tab", full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename == "PT-Maju-Jaya_2026-05_e-Faktur-CSV.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [r[0] for r in rows] == ["FK", "LT", "OF", "FK", "OF", "FK", "OF"]
    first = rows[3]
    assert first[:8] == ["FK", "04", "0", "0002600000001", "5", "2026", "4/5/2026", "012345678901000"]
    assert first[10:12] == ["916667", "110000"]  # 1,000,000 at code 04: 11/12, then 12%
    assert first[18] == "INV-2026-000101"

    expect(row.locator("[data-col=export-status]")).to_contain_text("Exported")
    expect(page.locator("tr", has_text="INV-2026-000102").locator("[data-col=export-status]")).to_contain_text("Exported")
    expect(page.locator("tr", has_text="INV-2026-000103").locator("[data-col=export-status]")).to_have_text("Not Exported")
    screenshot(page, "export-tab-exported", full_page=True)


def test_each_file_refuses_the_invoices_of_the_other_route_by_name(logged_in_page, live_server):
    seed(live_server)
    page = logged_in_page
    page.goto(live_server.url("/export/?period=2026-05"))
    row = page.locator("tr", has_text="INV-2026-000103")
    expect(row.locator("[data-col=file]")).to_have_text("Coretax XML (or CSV after Generate)")
    expect(page.locator("tr", has_text="INV-2026-000101").locator("[data-col=file]")).to_have_text("e-Faktur CSV")
    page.get_by_role("checkbox", name="Tick INV-2026-000103").check()
    page.get_by_role("button", name="Export CSV").click()
    dialog = page.locator("dialog#message-modal")
    expect(dialog).to_contain_text("1 invoice has no E-Faktur No (INV-2026-000103)")
    dialog.get_by_role("button", name="OK").click()

    # Generate from the tab: it goes the desktop way now, and the XML refuses it by name.
    page.get_by_role("button", name="Generate E-Faktur No").click()
    page.locator("dialog#generate-modal").get_by_role("button", name="Yes").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("040.000-26.00000003")
    success.get_by_role("button", name="OK").click()
    expect(row.locator("[data-col=efaktur-no]")).to_have_text("040.000-26.00000003")
    expect(row.locator("[data-col=file]")).to_have_text("e-Faktur CSV")
    page.get_by_role("checkbox", name="Tick INV-2026-000103").check()
    page.get_by_role("button", name="Export XML").click()
    expect(dialog).to_contain_text("INV-2026-000103")
    expect(dialog).to_contain_text("holds an E-Faktur No from an NSFP range, so it goes to desktop e-Faktur as CSV")
    dialog.get_by_role("button", name="OK").click()
    page.get_by_label("Tick all invoices on this page").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.count('"FK","04"') == 3
    expect(page.locator("[data-col=export-status]", has_text="Not Exported")).to_have_count(0)


def test_edit_an_invoice_in_its_modal(logged_in_page, live_server):
    seed(live_server)
    page = logged_in_page
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="INV-2026-000103").click()
    page.get_by_role("link", name="Edit").click()
    dialog = page.locator("dialog#invoice-modal")
    expect(dialog.get_by_label("Invoice No")).to_have_value("INV-2026-000103")
    expect(dialog.get_by_label("ID Number")).to_have_value("3171012345678901")
    dialog.get_by_label("Buyer ID").select_option("tin")
    expect(dialog.get_by_label("ID Number")).to_be_hidden()
    dialog.get_by_label("NPWP", exact=True).fill("02.345.678.9-012.000")
    expect(dialog.get_by_label("Branch code (NITKU)")).to_have_value("000000")
    dialog.get_by_label("Customer Email").fill("owner@tokosejahtera.co.id")
    dialog.get_by_label("Unit Price 1").fill("2.500.000")
    dialog.get_by_label("Discount 1").fill("100.000")
    # The amounts as they will be saved, computed by the server while typing: 2,400,000 at code 04.
    expect(dialog.locator("#preview-dpp")).to_have_text("Rp 2,400,000.00")
    expect(dialog.locator("#preview-dpp-other")).to_have_text("Rp 2,200,000.00")
    expect(dialog.locator("#preview-total")).to_have_text("Rp 2,664,000.00")
    dialog.get_by_role("button", name="Save").click()
    success = page.locator("dialog#success-modal")
    expect(success).to_contain_text("Invoice INV-2026-000103 saved")
    success.get_by_role("button", name="OK").click()
    expect(page.locator("#detail-buyer-id")).to_contain_text("0023 4567 8901 2000")
    expect(page.locator("#detail-total")).to_have_text("Rp 2,664,000.00")  # 2,400,000 + 12% of 11/12
