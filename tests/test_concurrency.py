"""Many generate and cancel operations at once, from separate processes, then a check of the ledger.

Runs against a file SQLite database and against PostgreSQL (when configured): the
`app` fixture is parametrized over both.
"""
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from efaktur.extensions import db
from tests.concurrency_workers import ledger_worker
from tests.conftest import ADMIN_EMAIL, PASSWORD, add_range, make_invoice
from tests.ledger_check import assert_ledger_consistent, assert_smallest_first_in_log_order

WORKERS = 6
ROUNDS = 40


def test_concurrent_generate_and_cancel_from_many_processes(app, database_uri):
    add_range(app, 2026, "000-26.00000001", "000-26.00000060")
    add_range(app, 2026, "001-26.00000001", "001-26.00000040")
    invoice_ids = [make_invoice(app) for _ in range(150)]  # more invoices than numbers: shortages happen too

    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=ledger_worker, args=(database_uri, seed, invoice_ids, ROUNDS, start, results))
        for seed in range(WORKERS)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)
    start.set()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    errors = [e for o in outcomes for e in o["errors"]]
    assert errors == [], errors[0]
    generated = sum(o["generated"] for o in outcomes)
    cancelled = sum(o["cancelled"] for o in outcomes)
    assert generated > 50 and sum(o["refused"] for o in outcomes) > 0  # the test really contended
    with app.app_context():
        live = assert_ledger_consistent()
        assert live == generated - cancelled
        assert assert_smallest_first_in_log_order() == generated


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One user's session against the server: a cookie jar and form posts."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(self, path, data):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"HX-Request": "true"})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def gunicorn_server(app, database_uri, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "EFAKTUR_INSTANCE_PATH": str(tmp_path),
        "FLASK_SECRET_KEY": "gunicorn-test-secret-key-long-enough",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_uri,
        "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_EFAKTUR_FIXED_NOW": '"2026-06-15T03:00:00+00:00"',
        "FLASK_BABEL_DEFAULT_LOCALE": "en",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--threads", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield base
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_users_pressing_generate_at_once_under_gunicorn(app, gunicorn_server):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    invoice_ids = [make_invoice(app) for _ in range(40)]
    users = []
    for _ in range(8):
        user = Browser(gunicorn_server)
        assert user.post("/login", {"email": ADMIN_EMAIL, "password": PASSWORD}) in (200, 303)
        users.append(user)

    statuses = []
    barrier = threading.Barrier(len(users))

    def press_generate(user, offset):
        barrier.wait()
        for i in range(10):
            # Each user ticks overlapping sets: the same invoices are pressed by several users at once.
            batch = [invoice_ids[(offset * 5 + i * 3 + k) % len(invoice_ids)] for k in range(3)]
            statuses.append(user.post("/invoices/generate", {"invoice_ids": batch}))

    threads = [threading.Thread(target=press_generate, args=(user, n)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert set(statuses) <= {200, 422}, statuses
    assert statuses.count(200) >= 1 and statuses.count(422) >= 1
    with app.app_context():
        numbered = sum(_has_number(i) for i in invoice_ids)
        assert assert_ledger_consistent() == numbered
        assert assert_smallest_first_in_log_order() == numbered


def _has_number(invoice_id):
    from efaktur.numbers.models import NumberAssignment

    return db.session.scalar(
        db.select(NumberAssignment.id).where(
            NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None)
        )
    ) is not None


def test_a_writer_that_cannot_get_its_turn_is_told_to_try_again(sqlite_app):
    """SQLite: a change that waits longer than the busy timeout answers 503, and nothing is written."""
    from efaktur.database import sqlite_writer_queue

    app = sqlite_app
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(app)
    app.config["EFAKTUR_SQLITE_BUSY_TIMEOUT_MS"] = 200
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    generate = {"invoice_ids": [invoice]}
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite_writer_queue(path, 1):  # another writer holds its turn
        response = client.post("/invoices/generate", data=generate, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)
    with app.app_context():
        assert not _has_number(invoice)
    assert client.post("/invoices/generate", data=generate, headers={"HX-Request": "true"}).status_code == 200
