"""Browser harness: the real app served on a loopback port, driven in headless Chromium.

Fixtures for every end-to-end test:
- `live_server`: a fresh app and SQLite database served by a thread; `.url(path)`,
  `.app` for seeding, `.config` to change settings (e.g. the mail server).
- `browser`: one headless Debian Chromium for the session (Playwright with
  executable_path=/usr/bin/chromium; Playwright cannot download browsers here).
- `page`: a new browser context and page per test; `logged_in_page` is logged in as admin.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from efaktur import create_app
from efaktur.extensions import db
from tests.conftest import ADMIN_EMAIL, PASSWORD, base_config, seed_users, skip_or_fail

CHROMIUM = os.environ.get("EFAKTUR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = os.environ.get("EFAKTUR_SCREENSHOT_DIR")

pytestmark = pytest.mark.browser


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def live_server_factory(tmp_path):
    """Start a live server with extra config (e.g. a mail server); stopped after the test."""
    servers = []

    def start(**extra_config):
        config = base_config("sqlite:///" + str(tmp_path / f"e2e{len(servers)}.sqlite"), str(tmp_path))
        config["WTF_CSRF_ENABLED"] = True  # the browser goes through CSRF like a user's
        config["MAIL_SERVER"] = None
        config.update(extra_config)
        app = create_app(config)
        with app.app_context():
            db.create_all()
            seed_users()
        servers.append(LiveServer(app).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
        with server.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(live_server_factory):
    return live_server_factory()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page, server, email=ADMIN_EMAIL, password=PASSWORD):
    page.goto(server.url("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/numbers/")


@pytest.fixture
def logged_in_page(page, live_server):
    log_in(page, live_server)
    return page


def screenshot(page, name, **kwargs):
    """Save a screenshot for the README when EFAKTUR_SCREENSHOT_DIR is set."""
    if SCREENSHOT_DIR:
        os.makedirs(SCREENSHOT_DIR, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, f"{name}.png"), **kwargs)
