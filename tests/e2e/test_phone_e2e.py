"""The layout on a phone (390x844) and a laptop (1280x800) in headless Chromium: no page is wider than the
screen, the menu folds behind a button on the phone and opens, a modal fits the screen, what one taps is
at least 44 px tall, and invoice numbers and E-Faktur Nos never break across lines."""
import pytest
from playwright.sync_api import expect

from tests.conftest import add_range, generate, make_invoice
from tests.e2e.conftest import log_in, screenshot

PAGES = ["/numbers/", "/export/", "/files/", "/invoices/", "/invoices/new", "/invoices/1", "/settings/billing",
         "/users/", "/api-tokens/", "/activity/", "/operations/", "/me", "/account/password", "/api/v1/docs",
         "/customers/", "/customers/new", "/invoices/1/print"]
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


@pytest.fixture
def seeded_server(live_server):
    app = live_server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, number=f"INV-2026-{i:06d}", customer_name="PT Pelanggan Dengan Nama Yang Panjang Sekali")
           for i in range(1, 6)]
    generate(app, ids[:4])
    return live_server


def _widest(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_page_is_wider_than_the_screen(page, seeded_server, viewport):
    page.set_viewport_size(viewport)
    log_in(page, seeded_server)
    for path in PAGES:
        page.goto(seeded_server.url(path))
        assert _widest(page) <= viewport["width"], f"{path} is {_widest(page)} px wide on a {viewport['width']} px screen"


def test_the_menu_folds_behind_a_button_on_a_phone(page, seeded_server):
    page.set_viewport_size(PHONE)
    log_in(page, seeded_server)
    menu = page.get_by_role("button", name="Menu")
    invoices = page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(invoices).to_be_hidden()
    screenshot(page, "phone-numbers-page", full_page=True)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(invoices).to_be_visible()
    for link in page.locator(".site-menu a, .site-menu button").all():
        assert link.bounding_box()["height"] >= 44, link.inner_text()
    screenshot(page, "phone-menu")
    invoices.click()
    page.wait_for_url("**/invoices/")
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    # Tapped controls of the page are at least 44 px tall too.
    for control in page.locator("main button:visible, main .button:visible, main select:visible, main input:visible").all():
        assert control.bounding_box()["height"] >= 44, control.inner_text() or control.get_attribute("name")


def test_on_a_laptop_the_menu_is_the_bar_itself(page, seeded_server):
    page.set_viewport_size(LAPTOP)
    log_in(page, seeded_server)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices")).to_be_visible()


def test_a_modal_fits_a_phone_screen(page, seeded_server):
    page.set_viewport_size(PHONE)
    log_in(page, seeded_server)
    page.get_by_role("link", name="+ Tax Number").click()
    modal = page.locator("dialog.modal")
    expect(modal).to_be_visible()
    box = modal.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    screenshot(page, "phone-modal")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_numbers_never_break_across_lines(page, seeded_server, viewport):
    page.set_viewport_size(viewport)
    log_in(page, seeded_server)
    for path in ("/invoices/", "/export/", "/numbers/"):
        page.goto(seeded_server.url(path))
        cells = page.locator("td.invoice-no, td[data-col=efaktur-no], #number-table td.mono")
        assert cells.count() > 0, path
        for cell in cells.all():
            lines = cell.evaluate("""cell => {
                const range = document.createRange(); range.selectNodeContents(cell);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size }""")
            assert lines == 1, (path, cell.inner_text())
