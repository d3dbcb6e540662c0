"""Behaviour that needs the app under gunicorn: login throttling shared by separate worker processes,
and a threaded worker that keeps answering while a Generate waits on a mail server that never answers."""
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.conftest import ADMIN_EMAIL, PASSWORD, STAFF_EMAIL, add_range, free_port, make_invoice, set_threshold

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Gunicorn:
    """The app under gunicorn in its own process, on a loopback port."""

    def __init__(self, database_uri, tmp_path, *extra_args, **config):
        self.port = free_port()
        env = {
            **os.environ,
            "EFAKTUR_INSTANCE_PATH": str(tmp_path),
            "FLASK_SECRET_KEY": "server-test-secret-key-long-enough",
            "FLASK_SQLALCHEMY_DATABASE_URI": database_uri,
            "FLASK_WTF_CSRF_ENABLED": "false",
            "FLASK_SESSION_COOKIE_SECURE": "false",
            "FLASK_EFAKTUR_FIXED_NOW": '"2026-06-15T03:00:00+00:00"',
            "FLASK_BABEL_DEFAULT_LOCALE": "en",  # the assertions read English
            **{f"FLASK_{key}": str(value) for key, value in config.items()},
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", *extra_args, "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for _ in range(300):
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.process.stderr.read().decode()[-2000:]}")

    def request(self, method, path, form=None, cookie=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"HX-Request": "true"}
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        # The session cookie among those set (a login also sets the device cookie of the login throttle).
        session = next((c for c in response.msg.get_all("Set-Cookie") or [] if c.startswith("session=")), None)
        return response.status, response.read().decode("utf-8", "replace"), session

    def login(self, email=ADMIN_EMAIL, password=PASSWORD):
        status, body, cookie = self.request("POST", "/login", {"email": email, "password": password})
        assert status == 303, body[:500]
        return cookie.split(";")[0]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def servers(app, database_uri, tmp_path):
    started = []

    def start(*args, **config):
        started.append(Gunicorn(database_uri, tmp_path, *args, **config))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_login_throttling_is_shared_by_separate_workers(servers):
    """Two gunicorn processes on one database: failures counted by either lock the account in both."""
    first, second = servers("--workers", "1"), servers("--workers", "1")
    wrong = {"email": STAFF_EMAIL, "password": "wrong"}
    statuses = [server.request("POST", "/login", wrong)[0] for server in (first, second, first, second, first)]
    assert statuses == [422] * 5
    assert second.request("POST", "/login", wrong)[0] == 429
    status, body, _ = first.request("POST", "/login", {"email": STAFF_EMAIL, "password": PASSWORD})
    assert status == 429 and "Too many failed logins for this account" in body


class SilentMailServer:
    """Accepts connections and never says a word (an SMTP server that hangs)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.accepted = threading.Event()
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)
            self.accepted.set()

    def close(self):
        for connection in self.connections:
            connection.close()
        self.socket.close()


def test_a_hung_mail_server_does_not_freeze_the_app(app, servers):
    """While a Generate waits for a mail server that never answers (MAIL_TIMEOUT), other pages answer.

    No wall-clock bound is asserted: the other page is answered while the Generate is still waiting.
    """
    silent = SilentMailServer()
    try:
        add_range(app, 2026, "000-26.00000001", "000-26.00000003")
        set_threshold(app, 5, emails=["finance@example.com"])
        invoice = make_invoice(app)
        server = servers(
            "--workers", "1", "--worker-class", "gthread", "--threads", "4",
            MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.port, MAIL_TIMEOUT=4,
            EFAKTUR_PUBLIC_URL="http://127.0.0.1",
        )
        cookie = server.login()
        generate = {}

        def press_generate():
            generate["answer"] = server.request("POST", "/invoices/generate", {"invoice_ids": str(invoice)}, cookie)

        waiting = threading.Thread(target=press_generate)
        waiting.start()
        assert silent.accepted.wait(timeout=30), "the Generate never reached the mail server"
        status, body, _ = server.request("GET", "/me", cookie=cookie)
        still_waiting = waiting.is_alive()
        waiting.join(timeout=60)
    finally:
        silent.close()
    assert status == 200 and ADMIN_EMAIL in body
    assert still_waiting, "the other page was only answered after the Generate finished"
    status, body, _ = generate["answer"]
    assert status == 200 and "010.000-26.00000001" in body
    assert "threshold alert e-mail failed" in body and "timed out" in body
