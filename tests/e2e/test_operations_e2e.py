"""End to end in headless Chromium: an admin opens Operations, sees that no backup was made, the backup
command runs, the page shows it; Run check answers in place; the page's content fits a phone."""
from playwright.sync_api import expect

from tests.conftest import add_range, generate, make_invoice
from tests.e2e.conftest import screenshot


def test_the_operations_page_after_a_backup_and_a_check(logged_in_page, live_server, tmp_path):
    app = live_server.app
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    generate(app, [make_invoice(app, number=f"INV-OP{i}") for i in range(1, 4)])
    page = logged_in_page
    page.get_by_role("link", name="Operations").click()
    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("No backup has been made yet.")

    app.config["EFAKTUR_BACKUP_DIR"] = str(tmp_path / "backups")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    page.reload()
    expect(page.get_by_text("No backup has been made yet.")).to_have_count(0)
    backups = page.locator("section", has=page.get_by_role("heading", name="Backups"))
    expect(backups).to_contain_text("within a day")
    expect(backups).to_contain_text(str(tmp_path / "backups"))
    expect(page.locator("section", has=page.get_by_role("heading", name="Database"))).to_contain_text("3 numbers held")

    page.get_by_role("button", name="Run check").click()
    expect(page.locator("#check-result")).to_contain_text("The ledger is consistent: 1 range, 3 numbers held")
    screenshot(page, "operations", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > 390)
        .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))""")
    assert wide == [], f"wider than a phone: {wide[:5]}"
