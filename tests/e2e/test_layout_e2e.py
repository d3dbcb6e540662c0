"""A laptop (1280x800) shows every page without sideways scrolling, tables included; a phone (390x844) takes
invoice lines one per card; invoice and E-Faktur numbers never break, in the activity log too."""
import pytest
from playwright.sync_api import expect

from tests.conftest import add_range, generate, make_invoice, set_company
from tests.e2e.conftest import log_in, screenshot

LAPTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
LONG_NAME = "PT Pelanggan Dengan Nama Yang Panjang Sekali Untuk Menguji Tata Letak"


@pytest.fixture
def busy_server(live_server):
    """Rows with long names, every column filled, exported and not, and an activity log of edits."""
    app = live_server.app
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, number=f"INV-2026-{i:06d}", customer_name=LONG_NAME, npwp_name=LONG_NAME, code="04",
                        customer_email=f"finance.department{i}@pelanggan-panjang.co.id") for i in range(1, 8)]
    generate(app, ids[:6])
    with app.test_request_context():
        from efaktur.customers.services import add_customer

        add_customer({"name": LONG_NAME, "npwp_name": LONG_NAME, "buyer_document": "tin", "npwp": "012345678901000",
                      "buyer_document_number": "", "buyer_country": "IDN", "buyer_branch_code": "000001",
                      "address": "Jl. 1", "email": "finance.department@pelanggan-panjang.co.id", "email_language": "id"})
    live_server.invoice_ids = ids
    return live_server


def _sideways(page) -> list[str]:
    """Every element that scrolls sideways (or the page itself), with how much does not fit."""
    return page.evaluate("""() => {
        const found = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > doc.clientWidth) found.push(`page: ${doc.scrollWidth} > ${doc.clientWidth}`);
        document.querySelectorAll('main *').forEach(el => {
            const style = getComputedStyle(el);
            if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
                found.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
        });
        return found; }""")


def test_no_page_scrolls_sideways_on_a_laptop(page, busy_server):
    page.set_viewport_size(LAPTOP)
    log_in(page, busy_server)
    first = busy_server.invoice_ids[0]
    # An export, so that the Export tab shows Exported dates and file names.
    page.goto(busy_server.url("/export/?period=2026-06"))
    page.get_by_label("Tick all invoices on this page").check()
    page.get_by_role("button", name="Export CSV").click()
    expect(page.locator("[data-col=export-status]", has_text="Exported").first).to_be_visible()
    paths = ["/numbers/", "/invoices/", "/invoices/?per_page=200", f"/invoices/{first}", "/invoices/new",
             f"/invoices/{first}/edit", "/export/?period=2026-06", "/files/", "/customers/", "/customers/new",
             "/settings/billing", "/users/", "/api-tokens/", "/activity/", "/operations/", "/me",
             f"/invoices/{first}/print"]
    problems = {}
    for path in paths:
        page.goto(busy_server.url(path))
        found = _sideways(page)
        if found:
            problems[path] = found
    assert problems == {}


def test_on_a_phone_each_invoice_line_is_a_card(page, busy_server):
    page.set_viewport_size(PHONE)
    log_in(page, busy_server)
    page.goto(busy_server.url("/invoices/new"))
    line = page.locator("tr.line").first
    fields = ["Item 1", "Goods or Services 1", "Code 1", "Unit 1", "Quantity 1", "Unit Price 1", "Discount 1"]
    boxes = [page.get_by_label(name, exact=True).bounding_box() for name in fields]
    # Stacked: each field below the one before, each nearly the card's width.
    assert all(after["y"] > before["y"] for before, after in zip(boxes, boxes[1:])), boxes
    card = line.bounding_box()
    assert all(box["width"] >= card["width"] * 0.6 for box in boxes), (card, boxes)
    assert _sideways(page) == []
    page.get_by_role("button", name="+ Add line").click()
    expect(page.locator("tr.line")).to_have_count(2)
    expect(page.get_by_label("Item 2", exact=True)).to_be_focused()
    screenshot(page, "phone-invoice-lines", full_page=True)


def test_on_a_phone_the_tabs_and_the_users_actions_fit(page, busy_server):
    page.set_viewport_size(PHONE)
    log_in(page, busy_server)
    for path in ("/export/", "/users/"):
        page.goto(busy_server.url(path))
        for element in page.locator(".tabs a[aria-current=page], #users-table .row-actions a").all():
            box = element.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, element.inner_text(), box)


def test_numbers_never_break_in_the_activity_log(page, busy_server):
    page.set_viewport_size(PHONE)
    log_in(page, busy_server)
    page.goto(busy_server.url("/activity/"))
    numbers = page.locator("#activity-table .nowrap-number")
    assert numbers.count() > 0
    for cell in numbers.all():
        lines = cell.evaluate("""cell => {
            const range = document.createRange(); range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size }""")
        assert lines == 1, cell.inner_text()
