"""A clerk's day in headless Chromium: a customer found as you type fills the invoice; a session that ends
while an invoice is half typed asks for the login in a pop-up and then saves the invoice; closing a form
with typing asks first; the ticks of the Export tab stay after Export CSV; the idle warning; the role
dropdown asks."""
from playwright.sync_api import expect

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from tests.conftest import ADMIN_EMAIL, PASSWORD, STAFF_EMAIL, add_range, generate, make_invoice, set_company
from tests.e2e.conftest import log_in, screenshot


def _add_customer(app, name="PT Sinar Abadi", **fields):
    from efaktur.customers.services import add_customer

    values = {"name": name, "npwp_name": f"{name} Tbk", "buyer_document": "tin", "npwp": "012345678901000",
              "buyer_document_number": "", "buyer_country": "IDN", "buyer_branch_code": "000001",
              "address": "Jl. Thamrin 5, Jakarta", "email": "finance@sinar.co.id", "email_language": "en", **fields}
    with app.test_request_context():
        return add_customer(values).id


def _type_a_line(page):
    page.get_by_label("Item 1", exact=True).fill("Audit")
    page.get_by_label("Quantity 1", exact=True).fill("2")
    page.get_by_label("Unit Price 1", exact=True).fill("1500000")


def test_a_customer_found_as_you_type_fills_the_invoice(page, live_server):
    app = live_server.app
    customer_id = _add_customer(app)
    _add_customer(app, "CV Lain", npwp="0023456789012000", email="a@lain.co.id")
    log_in(page, live_server)
    page.goto(live_server.url("/customers/"))
    expect(page.locator("#customer-table")).to_contain_text("0012 3456 7890 1000")
    screenshot(page, "customers-page", full_page=True)
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="New Invoice").click()
    search = page.get_by_label("Find a customer")
    expect(search).to_be_focused()
    search.press_sequentially("sinar")
    option = page.get_by_role("option", name="PT Sinar Abadi")
    expect(option).to_be_visible()
    screenshot(page, "customer-suggestions")
    search.press("ArrowDown")
    expect(option).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Customer Name")).to_have_value("PT Sinar Abadi")
    expect(page.get_by_label("NPWP Name")).to_have_value("PT Sinar Abadi Tbk")
    expect(page.get_by_label("NPWP", exact=True)).to_have_value("012345678901000")
    expect(page.get_by_label("Customer Email")).to_have_value("finance@sinar.co.id")
    expect(page.get_by_label("Branch code (NITKU)")).to_have_value("000001")
    expect(page.locator("[data-save-customer]")).to_be_hidden()
    _type_a_line(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("dialog#success-modal")).to_contain_text("saved")
    with app.app_context():
        invoice = db.session.scalars(db.select(Invoice)).one()
        assert (invoice.customer_id, invoice.npwp_name, invoice.buyer_branch_code) == (
            customer_id, "PT Sinar Abadi Tbk", "000001")


def _log_out_everywhere_elsewhere(page, live_server):
    other = page.context.browser.new_context()
    other_page = other.new_page()
    log_in(other_page, live_server)
    other_page.goto(live_server.url("/me"))
    other_page.get_by_role("button", name="Log out everywhere").click()
    other_page.locator("dialog#confirm-dialog").get_by_role("button", name="Yes").click()
    other_page.wait_for_url("**/login")
    other.close()


def _log_in_again(page):
    popup = page.locator("dialog#login-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("You were logged out on every device")
    expect(popup.get_by_label("Email")).to_have_value(ADMIN_EMAIL)
    expect(page.locator("dialog#invoice-modal")).to_be_visible()  # the form is still there, as typed
    screenshot(page, "login-popup")
    popup.get_by_label("Password").fill(PASSWORD)
    popup.get_by_role("button", name="Log in").click()
    expect(popup).to_have_count(0)


def test_a_half_typed_invoice_survives_the_end_of_its_session(page, live_server):
    """Logged out everywhere (from another browser) while the invoice is being typed: the next request of the
    form (its live totals, or Save) asks for the password in a pop-up over the form, then goes again."""
    app = live_server.app
    log_in(page, live_server)
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="New Invoice").click()
    page.get_by_label("Customer Name").fill("PT Setengah Jalan")
    _type_a_line(page)
    expect(page.locator("#preview-total")).to_be_visible()
    _log_out_everywhere_elsewhere(page, live_server)
    # Typing more: the live totals are refused first; after the login they come back, the typing stays.
    page.get_by_label("Discount 1", exact=True).fill("100000")
    _log_in_again(page)
    expect(page.locator("#preview-discount")).to_be_visible()
    expect(page.get_by_label("Customer Name")).to_have_value("PT Setengah Jalan")
    # Logged out again, and Save pressed: the pop-up, then the invoice saved as typed.
    _log_out_everywhere_elsewhere(page, live_server)
    page.get_by_role("button", name="Save").click()
    _log_in_again(page)
    expect(page.locator("dialog#success-modal")).to_contain_text("saved")
    with app.app_context():
        (invoice,) = db.session.scalars(db.select(Invoice)).all()
        assert invoice.customer_name == "PT Setengah Jalan" and invoice.lines[0].item == "Audit"
        assert invoice.lines[0].discount == 100_000


def test_closing_a_form_with_typing_asks_first(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url("/invoices/"))
    page.get_by_role("link", name="New Invoice").click()
    form = page.locator("dialog#invoice-modal")
    expect(form).to_be_visible()
    page.keyboard.press("Escape")  # nothing typed: closes at once
    expect(form).to_have_count(0)
    page.get_by_role("link", name="New Invoice").click()
    expect(form).to_be_visible()
    page.get_by_label("Customer Name").press_sequentially("PT Jangan Hilang")
    page.keyboard.press("Escape")
    question = page.locator("dialog#confirm-dialog")
    expect(question).to_contain_text("Close without saving?")
    question.get_by_role("button", name="No").click()
    expect(form).to_be_visible()
    expect(page.get_by_label("Customer Name")).to_have_value("PT Jangan Hilang")
    form.get_by_role("button", name="Close").click()
    page.locator("dialog#confirm-dialog").get_by_role("button", name="Yes").click()
    expect(form).to_have_count(0)


def test_the_ticks_stay_after_export_csv(page, live_server):
    app = live_server.app
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, invoice_date="2026-06-10", code="04") for _ in range(3)]
    generate(app, ids)
    log_in(page, live_server)
    page.goto(live_server.url("/export/?period=2026-06"))
    expect(page.locator("#period-dpp")).to_have_text("Rp 3,000,000.00")
    boxes = page.locator("input[name=invoice_ids]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    with page.expect_download():
        page.get_by_role("button", name="Export CSV").click()
    expect(page.locator("[data-col=export-status] .badge.on")).to_have_count(2)
    boxes = page.locator("input[name=invoice_ids]")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(2)).to_be_checked()
    expect(page.locator("[data-col=exported-file]").first).to_contain_text(".csv")
    screenshot(page, "export-tab-ticks-stay", full_page=True)


def test_the_idle_warning_offers_to_stay_logged_in(page, live_server_factory):
    server = live_server_factory(EFAKTUR_SESSION_IDLE_MINUTES=1, EFAKTUR_SESSION_IDLE_WARNING_MINUTES=1)
    log_in(page, server)
    question = page.locator("dialog#confirm-dialog")
    expect(question).to_contain_text("You will be logged out in about 1 min", timeout=15_000)
    question.get_by_role("button", name="Stay logged in").click()
    expect(question).to_have_count(0)


def test_changing_a_role_asks_and_no_puts_it_back(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url("/users/"))
    role = page.get_by_label(f"Role of {STAFF_EMAIL}")
    role.select_option("admin")
    question = page.locator("dialog#confirm-role-modal")
    expect(question).to_contain_text(f"Make {STAFF_EMAIL} an admin?")
    question.get_by_role("button", name="No").click()
    expect(page.get_by_label(f"Role of {STAFF_EMAIL}")).to_have_value("staff")
    page.get_by_label(f"Role of {STAFF_EMAIL}").select_option("admin")
    page.locator("dialog#confirm-role-modal").get_by_role("button", name="Yes").click()
    expect(page.locator("dialog#success-modal")).to_contain_text("is Admin now")


def test_the_printed_invoice(page, live_server):
    app = live_server.app
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    invoice_id = make_invoice(app, number="INV-PRINT-1", code="04", customer_language="id")
    generate(app, [invoice_id])
    log_in(page, live_server)
    page.goto(live_server.url(f"/invoices/{invoice_id}/print"))
    expect(page.locator("#printed-seller")).to_contain_text("PT Maju Jaya")
    expect(page.locator("#printed-totals")).to_contain_text("DPP Nilai Lain")
    screenshot(page, "printed-invoice", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".print-actions")).to_be_hidden()  # on paper: the sheet alone
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()  # the page's buttons speak the clerk's language
    assert info.value.suggested_filename == "invoice-INV-PRINT-1.pdf"
