"""Nothing lost or half-written when a worker dies: a gunicorn worker is killed (SIGKILL, no clean-up of
any kind) in the middle of a 10,000-invoice Generate and of a zip upload of 2,000 PDFs, on SQLite and
PostgreSQL. Afterwards the ledger check passes, the operation is there whole or not at all, and the
app (a new worker started by gunicorn's master) serves normally, the next Generate included: no stale
SQLite writer lock, no PostgreSQL row lock left behind."""
import fcntl
import http.client
import os
import signal
import threading
import time
import zipfile
from datetime import date, datetime, timezone
from urllib.parse import urlencode

from sqlalchemy import func, insert, select, text, update

from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from efaktur.invoices.models import Invoice
from efaktur.numbers.models import NumberAssignment, NumberRange
from efaktur.operations.ledger_check import check_ledger
from tests.conftest import add_range, set_company
from tests.test_servers import Gunicorn

GENERATE_COUNT = 10_000
UPLOAD_COUNT = 2_000


def _bulk_invoices(app, count, prefix):
    """Invoices straight into the table: the New Invoice form would take minutes for 10,000."""
    day = date(2026, 6, 1)
    with app.app_context():
        first = (db.session.scalar(select(func.max(Invoice.id))) or 0) + 1
        db.session.execute(insert(Invoice), [
            {"number": f"{prefix}-{first + i:06d}", "customer_name": "PT Kill", "invoice_date": day, "due_date": day}
            for i in range(count)
        ])
        db.session.commit()
    return list(range(first, first + count))


def _bulk_give_out(app, range_id, invoice_ids):
    with app.app_context():
        start = db.session.get(NumberRange, range_id).start_number
        db.session.execute(insert(NumberAssignment), [
            {"invoice_id": invoice_id, "range_id": range_id, "number": start + i, "transaction_code": "01",
             "status_digit": "0", "assigned_at": datetime.now(timezone.utc), "assigned_by": "test"}
            for i, invoice_id in enumerate(invoice_ids)
        ])
        db.session.execute(update(NumberRange).where(NumberRange.id == range_id).values(
            next_number=start + len(invoice_ids), held_count=len(invoice_ids)))
        db.session.commit()


def _worker_of(server) -> int:
    """The pid of gunicorn's (single) worker: the master's child."""
    for _ in range(200):
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == server.process.pid:
                            children.append(int(entry))
                except (OSError, ValueError, IndexError):
                    pass
        if len(children) == 1:
            return children[0]
        time.sleep(0.05)
    raise AssertionError(f"expected one worker, found {children}")


class InTransaction:
    """Whether a worker is inside its write transaction, as each database shows it."""

    def __init__(self, app, backend):
        self.app, self.backend = app, backend
        if backend == "sqlite":
            self.lock_path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + ".writer-lock"

    def __call__(self) -> bool:
        if self.backend == "sqlite":  # the writers' queue lock (database.py): held from before BEGIN to after COMMIT
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return False
            except BlockingIOError:
                return True
            finally:
                os.close(fd)
        with self.app.app_context():  # a transaction that has written (or row-locked) something
            busy = db.session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
                "AND datname = current_database()"))
            db.session.rollback()
            return busy > 0


def _send_in_background(port, method, path, body, headers):
    """The request in a thread; returns (thread, outcome) where outcome gets the status or the error."""
    outcome = {}

    def send():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            outcome["status"], outcome["body"] = response.status, response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            outcome["error"] = error

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def _kill_mid_transaction(server, in_transaction, thread, outcome, settle=0.05):
    """Wait until the worker is inside its write transaction, let it write a little, then SIGKILL it."""
    worker = _worker_of(server)
    deadline = time.monotonic() + 60
    while not in_transaction():
        assert "status" not in outcome, f"the request finished before its transaction was seen: {outcome}"
        assert time.monotonic() < deadline, "the worker never began its write transaction"
        time.sleep(0.0005)
    time.sleep(settle)
    assert in_transaction(), "the transaction ended before the kill"
    os.kill(worker, signal.SIGKILL)
    thread.join(timeout=60)
    assert "status" not in outcome and "error" in outcome, outcome  # the worker died without answering
    return worker


def _serving_again(server, killed_worker):
    for _ in range(400):
        try:
            if server.request("GET", "/health")[0] == 200 and _worker_of(server) != killed_worker:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("gunicorn did not start a new worker that answers")


def _no_transaction_left(in_transaction):
    """PostgreSQL notices the dead client and rolls back; SQLite's lock went with the process."""
    for _ in range(400):
        if not in_transaction():
            return
        time.sleep(0.05)
    raise AssertionError("a transaction of the killed worker is still open")


def _generate(server, cookie, ids):
    body = urlencode({"invoice_ids": [str(i) for i in ids]}, doseq=True)
    headers = {"Cookie": cookie, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
    return body, headers


def test_a_worker_killed_in_the_middle_of_a_10000_invoice_generate_leaves_it_absent(app, backend, tmp_path):
    range_id = add_range(app, 2026, "000-26.00000001", f"000-26.{GENERATE_COUNT + 100:08d}")
    ids = _bulk_invoices(app, GENERATE_COUNT, "KILL")
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "--workers", "1", "--timeout", "120")
    try:
        cookie = server.login()
        in_transaction = InTransaction(app, backend)
        body, headers = _generate(server, cookie, ids)
        thread, outcome = _send_in_background(server.port, "POST", "/invoices/generate", body, headers)
        killed = _kill_mid_transaction(server, in_transaction, thread, outcome)
        _no_transaction_left(in_transaction)

        with app.app_context():
            result = check_ledger()
            assert result.ok, result.problems
            assert result.held == 0  # killed before its commit: absent, every number still free
            assert db.session.get(NumberRange, range_id).next_number == 2600000001

        _serving_again(server, killed)
        # The next Generate works at once: no stale writer lock, no row lock of the dead worker.
        body, headers = _generate(server, cookie, ids[:10])
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invoices/generate", body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        assert response.status == 200 and "10 E-Faktur numbers generated: 010.000-26.00000001," in page, page[:500]
        assert server.request("GET", "/invoices/", cookie=cookie)[0] == 200
    finally:
        server.stop()
    with app.app_context():
        result = check_ledger()
        assert result.ok and result.held == 10, result.problems


def _zip_of_pdfs(path, first_number, count):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            body = b"%PDF-1.4\n" + os.urandom(20_000) + b"\n%%EOF\n"
            # The company's NPWP as the seller's; zeros for these invoices' buyers, who have none.
            archive.writestr(f"012345678901000-01000026{first_number + n - 2600000000:08d}-000000000000000-20260610120000.pdf", body)


def _multipart(path):
    boundary = "efaktur-kill-boundary"
    with open(path, "rb") as upload:
        data = upload.read()
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{os.path.basename(path)}"\r\n'
            "Content-Type: application/zip\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_worker_killed_in_the_middle_of_a_zip_upload_stores_nothing(app, backend, tmp_path):
    set_company(app)
    range_id = add_range(app, 2026, "000-26.00000001", f"000-26.{UPLOAD_COUNT + 100:08d}")
    ids = _bulk_invoices(app, UPLOAD_COUNT + 5, "ZIP")
    _bulk_give_out(app, range_id, ids)
    _zip_of_pdfs(tmp_path / "faktur.zip", 2600000001, UPLOAD_COUNT)
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "--workers", "1", "--timeout", "120")
    try:
        cookie = server.login()
        in_transaction = InTransaction(app, backend)
        body, content_type = _multipart(tmp_path / "faktur.zip")
        headers = {"Cookie": cookie, "HX-Request": "true", "Content-Type": content_type}
        thread, outcome = _send_in_background(server.port, "POST", "/files/upload", body, headers)
        killed = _kill_mid_transaction(server, in_transaction, thread, outcome, settle=0.02)
        _no_transaction_left(in_transaction)

        with app.app_context():
            result = check_ledger()
            assert result.ok, result.problems
            assert result.files == 0  # absent: no file row, no PDF, no invoice marked reported
            assert db.session.scalar(select(func.count()).select_from(Invoice).where(Invoice.efaktur_reported_at.is_not(None))) == 0

        _serving_again(server, killed)
        _zip_of_pdfs(tmp_path / "again.zip", 2600000001, 3)
        body, content_type = _multipart(tmp_path / "again.zip")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/files/upload", body=body, headers={**headers, "Content-Type": content_type})
        response = conn.getresponse()
        page = response.read().decode()
        assert response.status == 200 and "3 files matched and stored" in page, page[:500]
    finally:
        server.stop()
    with app.app_context():
        result = check_ledger()
        assert result.ok and result.files == 3, result.problems
        assert db.session.scalar(select(func.count()).select_from(EfakturFile)) == 3
