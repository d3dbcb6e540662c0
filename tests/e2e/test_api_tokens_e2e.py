"""End to end in headless Chromium: API Tokens, Create Token (shown once), the token works over
HTTP against the same server, Revoke, it works no more; the API reference page reads well."""
import json
import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests.conftest import add_range
from tests.e2e.conftest import screenshot


def call(server, path, token):
    request = urllib.request.Request(server.url(path), headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_create_use_and_revoke_a_token(logged_in_page, live_server):
    add_range(live_server.app, 2026, "000-26.00000001", "000-26.00000100")
    page = logged_in_page
    page.get_by_role("link", name="API Tokens").click()
    expect(page.get_by_role("heading", name="API Tokens")).to_be_visible()
    expect(page.locator("#tokens-table")).to_contain_text("No API token yet.")

    page.get_by_role("link", name="Create Token").click()
    modal = page.locator("#token-modal")
    expect(modal.get_by_role("heading", name="Create API Token")).to_be_visible()
    modal.get_by_role("button", name="Create Token").click()  # no name: the field says so
    expect(modal.locator(".error")).to_contain_text("Name the token")
    modal.get_by_label("Name").fill("Online shop")
    modal.get_by_label("Last day").fill("2026-12-31")
    screenshot(page, "api-token-modal")
    modal.get_by_role("button", name="Create Token").click()

    shown = page.locator("#shown-token")
    expect(shown).to_have_text(__import__("re").compile(r"^efk_[A-Za-z0-9_-]{43}$"))
    token = shown.inner_text()
    page.get_by_role("button", name="OK").click()
    row = page.locator("#tokens-table tr", has_text="Online shop")
    expect(row).to_contain_text("Read-write")
    expect(row).to_contain_text("31 Dec 2026")
    expect(row).to_contain_text("never")  # not used yet

    status, stock = call(live_server, "/api/v1/stock", token)
    assert status == 200 and stock["years"][0] == {"year": 2026, "total": 100, "available": 100, "used": 0}
    page.reload()
    expect(page.locator("#tokens-table tr", has_text="Online shop")).not_to_contain_text("never used")
    screenshot(page, "api-tokens", full_page=True)

    page.get_by_role("link", name="Revoke Online shop").click()
    page.locator("#confirm-modal").get_by_role("button", name="Yes").click()
    expect(page.locator("#tokens-table tr", has_text="Online shop")).to_contain_text("Revoked")
    status, error = call(live_server, "/api/v1/stock", token)
    assert status == 401 and "revoked" in error["error"]["message"]


def test_the_api_reference_page(logged_in_page, live_server):
    page = logged_in_page
    page.goto(live_server.url("/api-tokens/"))
    page.get_by_role("link", name="API reference").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API")
    expect(page.get_by_text("/api/v1/invoices/{invoice_id}/efaktur-number").first).to_be_visible()
    screenshot(page, "api-reference", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    # The reference itself fits a phone (the top bar is the phone-layout issue's, for every page).
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > 390)
        .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 30))""")
    assert wide == [], f"wider than a phone: {wide[:5]}"
