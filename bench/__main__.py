"""Benchmarks: `make bench`. Prints figures; asserts nothing about time (tests never do).

1. E-Faktur No page render with 1,000,000 numbers given out across the current year's
   ranges (and a year of daily usage counters behind the chart and the run-out estimate),
   against 1,000 given out (target: at most 1.5x).
2. Generate E-Faktur No for 10,000 ticked invoices in one request on SQLite (target: < 3 s).
3. Generate requests per second over HTTP under gunicorn against a trivial logged-in
   page (GET /me) on the same server in the same run (target: at least 0.5x).
4. Export of 100,000 invoices of 3 lines each, as the Coretax XML (before they hold a range
   number: 100 files of 1,000 invoices in a zip) and as the desktop CSV (once numbered),
   streamed to the client: time and peak memory growth in the same run (targets: at most
   10 s and 64 MB each), and marking 100,000 invoices Exported in one statement.

5. E-Faktur Files: an upload of a zip holding 2,000 PDFs of 20 KB each over HTTP to a
   gunicorn worker, matched and stored (targets: at most 10 s, and at most 64 MB peak memory
   growth of the worker), then e-mailing 200 customers their PDF through a local SMTP server
   (target: at most 10 s).

6. The JSON API under gunicorn: Generate E-Faktur No for one invoice per request
   (POST /api/v1/invoices/ID/efaktur-number, bearer token) against GET /api/v1/stock on the
   same server in the same run (target: at least 0.5x).

7. Operations on a database holding 1,000,000 numbers given out (and 10,000 returned): the
   ledger check (target: seconds, not minutes), a backup while nothing else runs, and the
   restore of that backup into a fresh database, with the file's size.

8. The Coretax route: importing Coretax's output-tax list of 10,000 rows, each matched to its
   invoice and recorded (targets: at most 10 s and 64 MB peak memory growth), and an upload of
   2,000 Coretax PDFs over HTTP to a gunicorn worker, each matched by the reference printed
   inside it (target: at most 20 s).

9. Every list page (Invoices with its filters and searches, a deep page reached by Next, the Export
   tab, E-Faktur Files, Activity with its filters, Users, API Tokens) with 1,000,000 invoices and
   3,000,000 activity entries, against 1,000 invoices (target: at most 2x each).

10. Import Invoices: a workbook of 10,000 invoices x 3 lines in our template's layout, previewed and then
   imported over the app's routes (targets: at most 15 s and 64 MB peak memory growth each).

Options: --quick (smaller sizes, for a smoke run), --postgres URL (also run 2 to 10 on
PostgreSQL), --only NAME[,NAME] (page, batch, http, export, files, api, ops, coretax, lists, import).
"""
import argparse
import gc
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("EFAKTUR_INSTANCE_PATH", tempfile.mkdtemp(prefix="efaktur-bench-"))
sys.path.insert(0, ROOT)

from sqlalchemy import insert, update  # noqa: E402

from efaktur import create_app  # noqa: E402
from efaktur.extensions import db  # noqa: E402

YEAR = 2026
# gunicorn sync workers: one per core measured best here (more only add contention on 2 cores).
WORKERS = int(os.environ.get("EFAKTUR_BENCH_WORKERS", "2"))
CLIENTS = int(os.environ.get("EFAKTUR_BENCH_CLIENTS", "4"))
NOW = "2026-06-15T03:00:00+00:00"
ADMIN, PASSWORD = "bench@example.com", "bench-password-1"


def make_app(uri):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-long-enough-xx",
            "SQLALCHEMY_DATABASE_URI": uri,
            "WTF_CSRF_ENABLED": False,
            "EFAKTUR_FIXED_NOW": NOW,
            "MAIL_SERVER": None,
        }
    )


def fresh_sqlite(tmpdir, name):
    path = os.path.join(tmpdir, name)
    app = make_app("sqlite:///" + path)
    with app.app_context():
        db.create_all()
        from efaktur.auth.services import create_user

        create_user(ADMIN, "admin", PASSWORD)
    return app, "sqlite:///" + path


def add_range(app, start, end):
    from efaktur.numbers.services import create_range

    with app.test_request_context():
        return create_range(YEAR, start, end).id


def set_company(app):
    """The company's details, as Billing Settings saves them: the seller of every file."""
    from efaktur.settings.services import save_company

    with app.test_request_context():
        save_company("PT Bench Sejahtera", "012345678901000", "Jl. Benchmark 1, Jakarta", "000000")


def insert_many(model, rows):
    """Rows straight into a table, a thousand to a statement (SQLAlchemy's "insertmanyvalues", which it takes for
    an INSERT that returns its ids): given one statement a row, PostgreSQL ran the tables' statement triggers once
    per row, each adding a version of the same period total, and the seeding grew with the square of the rows."""
    table = model.__table__
    db.session.execute(table.insert().returning(*table.primary_key.columns, sort_by_parameter_order=True), rows).all()


def bulk_invoices(app, count, prefix="B"):
    """Invoices straight into the table (the New Invoice form would take hours for a million)."""
    from efaktur.invoices.models import Invoice

    day = date(YEAR, 6, 1)
    ids = []
    with app.app_context():
        first = (db.session.scalar(db.select(db.func.max(Invoice.id))) or 0) + 1
        for offset in range(0, count, 50_000):
            rows = [
                {"number": f"{prefix}-{first + i:08d}", "customer_name": "PT Bench", "invoice_date": day, "due_date": day}
                for i in range(offset, min(count, offset + 50_000))
            ]
            insert_many(Invoice, rows)
        db.session.commit()
        ids = list(range(first, first + count))
    return ids


def bulk_give_out(app, number_range_ids, invoice_ids):
    """Hand out numbers the way the ledger records them, in bulk, for sizing the page benchmark."""
    from efaktur.numbers.models import NumberAssignment, NumberRange

    now = datetime.now(timezone.utc)
    with app.app_context():
        remaining = list(invoice_ids)
        for range_id in number_range_ids:
            number_range = db.session.get(NumberRange, range_id)
            take = min(len(remaining), number_range.total)
            chunk, remaining = remaining[:take], remaining[take:]
            for offset in range(0, take, 50_000):
                db.session.execute(
                    insert(NumberAssignment),
                    [
                        {"invoice_id": invoice_id, "range_id": range_id, "number": number_range.start_number + offset + i,
                         "transaction_code": "01", "status_digit": "0", "assigned_at": now, "assigned_by": "bench"}
                        for i, invoice_id in enumerate(chunk[offset:offset + 50_000])
                    ],
                )
            db.session.execute(
                update(NumberRange).where(NumberRange.id == range_id).values(
                    next_number=NumberRange.start_number + take, held_count=take
                )
            )
        db.session.commit()


def logged_in_client(app):
    client = app.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": PASSWORD}).status_code == 303
    return client


def time_page(app, repeats):
    return _time_url(logged_in_client(app), "/numbers/", repeats, warm_up=5)


def _usage_for_a_year(app, given_out):
    """The per-day usage counters Generate keeps, as a year of daily hand-outs would leave them."""
    from datetime import timedelta

    from efaktur.numbers.models import NumberUsageDay

    today = date.fromisoformat(NOW[:10])
    with app.app_context():
        db.session.execute(insert(NumberUsageDay), [
            {"year": (today - timedelta(days=d)).year, "day": today - timedelta(days=d), "handed_out": max(1, given_out // 365)}
            for d in range(365)
        ])
        db.session.commit()


def bench_page(tmpdir, given_out_large, repeats):
    results = {}
    for label, given_out in (("small", 1_000), ("large", given_out_large)):
        app, _ = fresh_sqlite(tmpdir, f"page-{label}.sqlite")
        half = given_out_large // 2 + 100_000
        ranges = [
            add_range(app, 2600000001, 2600000000 + half),
            add_range(app, 2600000001 + half, 2600000000 + 2 * half),
        ]
        started = time.perf_counter()
        bulk_give_out(app, ranges, bulk_invoices(app, given_out))
        _usage_for_a_year(app, given_out)
        seeded = time.perf_counter() - started
        results[label] = (given_out, time_page(app, repeats), seeded)
    (small_n, small_t, _), (large_n, large_t, seeded) = results["small"], results["large"]
    print(f"[1] E-Faktur No page render (median of {repeats}):")
    print(f"      {small_n:>9,} given out: {small_t * 1000:7.2f} ms")
    print(f"      {large_n:>9,} given out: {large_t * 1000:7.2f} ms   (seeding took {seeded:.1f} s)")
    print(f"      ratio {large_t / small_t:.2f}  (target <= 1.5)")
    return large_t / small_t


def bench_generate_batch(label, prepare, count, runs):
    """'Tick all N matching' then Yes: the confirmation (counted in SQL) and Generate of `count` invoices."""
    import re

    confirms, generates = [], []
    for run in range(runs):
        app = prepare(f"batch-{run}")
        add_range(app, 2600000001, 2600000000 + count + 5_000)
        bulk_invoices(app, count)
        client = logged_in_client(app)
        started = time.perf_counter()
        confirm = client.post("/invoices/generate/confirm", data={"scope": "matching"}, headers={"HX-Request": "true"})
        confirms.append(time.perf_counter() - started)
        assert confirm.status_code == 200, confirm.get_data(as_text=True)[:500]
        carried = re.search(r'name="invoice_ids" value="([^"]*)"', confirm.get_data(as_text=True)).group(1)
        started = time.perf_counter()
        response = client.post("/invoices/generate", data={"invoice_ids": carried}, headers={"HX-Request": "true"})
        generates.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        with app.app_context():
            from efaktur.numbers.services import year_count

            assert year_count(YEAR).held == count
    print(f"[2] Tick all {count:,} matching, then Generate E-Faktur No in one request ({label}):")
    print(f"      confirmation: {', '.join(f'{d:.2f} s' for d in confirms)}; Generate: "
          f"{', '.join(f'{d:.2f} s' for d in generates)}; median {statistics.median(generates):.2f} s  (target <= 3 s)")
    return statistics.median(generates)


# ---- 3. HTTP under gunicorn -------------------------------------------------------------

def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What each kind of client asks, with what it counts as done.
REQUESTS = {
    "page": lambda i: ("GET", "/me", None, 200),
    "generate": lambda i: ("POST", "/invoices/generate", f"invoice_ids={i}", 200),
    "api-stock": lambda i: ("GET", "/api/v1/stock", None, 200),
    "api-generate": lambda i: ("POST", f"/api/v1/invoices/{i}/efaktur-number", None, 201),
}


def _client_loop(port, auth, kind, ids, duration, queue):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done, errors, deadline = 0, 0, time.perf_counter() + duration
    ids = list(ids)
    needs_id = kind in ("generate", "api-generate")
    while time.perf_counter() < deadline:
        if needs_id and not ids:
            break
        method, path, body, ok = REQUESTS[kind](ids.pop() if needs_id else None)
        headers = dict(auth)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == ok:
            done += 1
        else:
            errors += 1
    queue.put((done, errors))


def _measure(port, auth, kind, id_slices, duration):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_client_loop, args=(port, auth, kind, ids, duration, queue)) for ids in id_slices]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    done, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    return done / elapsed, errors


def _race(uri, auth, baseline, measured, ids, duration, clients):
    """Requests per second (and errors) of `baseline`, then of `measured`, on one gunicorn in one run.
    Without `auth` the clients use the logged-in admin's session cookie."""
    server, port, cookie = _start_gunicorn(uri, WORKERS)
    auth = auth or {"Cookie": cookie, "HX-Request": "true"}
    try:
        _measure(port, auth, baseline, [[]] * clients, 1.0)  # warm-up
        base = _measure(port, auth, baseline, [[]] * clients, duration)
        other = _measure(port, auth, measured, [ids[i::clients] for i in range(clients)], duration)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return base, other


def _report(title, duration, clients, label, rows):
    (base_name, (base_rps, base_errors)), (name, (rps, errors)) = rows
    print(f"{title} under gunicorn ({WORKERS} sync workers, {clients} clients, {duration:.0f} s each) on {label}:")
    width = max(len(base_name), len(name)) + 1
    print(f"      {base_name + ':':<{width}} {base_rps:8.1f} req/s  ({base_errors} errors)")
    print(f"      {name + ':':<{width}} {rps:8.1f} req/s  ({errors} errors)")
    print(f"      ratio {rps / base_rps:.2f}  (target >= 0.5)")
    return rps / base_rps


def bench_gunicorn(tmpdir, label, uri, duration, clients, prepare):
    """3. One-invoice Generate from the Invoices page against the trivial logged-in page GET /me."""
    app = prepare()
    add_range(app, 2600000001, 2600000000 + 400_000)
    ids = bulk_invoices(app, 120_000)
    page, generate = _race(uri, None, "page", "generate", ids, duration, clients)
    return _report("[3] HTTP", duration, clients, label,
                   [("trivial logged-in page GET /me", page), ("generate, one invoice each", generate)])


def bench_api(tmpdir, label, uri, duration, clients, prepare):
    """6. The JSON API: one-invoice generate against GET /api/v1/stock, same server, same run."""
    from efaktur.api.tokens import create_token

    app = prepare()
    add_range(app, 2600000001, 2600000000 + 400_000)
    ids = bulk_invoices(app, 120_000, prefix="A")
    with app.test_request_context():
        _, secret = create_token("Bench", False, None, "bench", date(YEAR, 6, 15))
    stock, generate = _race(uri, {"Authorization": f"Bearer {secret}"}, "api-stock", "api-generate", ids, duration, clients)
    return _report("[6] JSON API", duration, clients, label,
                   [("GET /api/v1/stock", stock), ("POST /api/v1/invoices/ID/efaktur-number", generate)])


# ---- 4. Export -----------------------------------------------------------------------------

def _status_kb(field):
    return _proc_kb("self", field)


def measure_peak(action):
    """(seconds, peak memory growth in MB, how it was measured, result) of action().

    Linux: the process's peak resident size is reset (/proc/self/clear_refs) and read back
    after; elsewhere tracemalloc's peak of Python allocations.
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        return elapsed, (_status_kb("VmHWM") - before) / 1024, "peak RSS", result
    except OSError:
        import tracemalloc

        tracemalloc.start()
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return elapsed, peak / 2**20, "tracemalloc", result


def seed_export(app, count):
    """`count` invoices of June 2026 with 3 lines each, amounts computed as the form would, no number yet;
    returns their ids."""
    from decimal import Decimal

    from efaktur.invoices.models import Invoice, InvoiceLine
    from efaktur.rules.amounts import Line, compute_amounts

    set_company(app)
    with app.app_context():
        first = (db.session.scalar(db.select(db.func.max(Invoice.id))) or 0) + 1
        for offset in range(0, count, 20_000):
            invoices, lines = [], []
            for i in range(offset, min(count, offset + 20_000)):
                invoice_id = first + i
                # Decimal quantities and a discount on every third line: cents in the figures, as in real data.
                items = [Line(f"Item {k} of invoice {i}", Decimal(k + 1) + (Decimal("0.5") if k == 2 else 0),
                              10_000 + (i * 37 + k * 101) % 990_000, 1_000 if k == 1 else 0)
                         for k in range(3)]
                amounts = compute_amounts(date(YEAR, 6, 1 + i % 28), "04", items)
                invoices.append({
                    "id": invoice_id, "number": f"INV-{YEAR}-{invoice_id:06d}", "customer_name": f"PT Pelanggan {i % 500}",
                    "npwp_name": f"PT Pelanggan {i % 500}", "npwp": f"{10**14 + i % 500:015d}",
                    "address": "Jl. Sudirman 1, Jakarta", "customer_email": "tax@pelanggan.co.id",
                    "invoice_date": date(YEAR, 6, 1 + i % 28), "due_date": date(YEAR, 7, 1), "transaction_code": "04",
                    "tax_enabled": True, "dpp_cents": amounts.dpp, "dpp_other_cents": amounts.dpp_other,
                    "vat_rate": amounts.rate_percent, "vat_cents": amounts.vat,
                })
                lines += [{"invoice_id": invoice_id, "position": k, "item": line.item, "quantity": line.quantity,
                           "unit_price": line.unit_price, "discount": line.discount, "tax_base_cents": figures.tax_base,
                           "other_tax_base_cents": figures.other_tax_base, "vat_cents": figures.vat}
                          for k, (line, figures) in enumerate(zip(items, amounts.lines))]
            insert_many(Invoice, invoices)
            db.session.execute(insert(InvoiceLine), lines)
        db.session.commit()
    return list(range(first, first + count))


def _download(client, fmt):
    """(bytes, media type, how many files in a zip) of the period's download, read as it comes."""
    import zipfile

    response = client.post("/export/download", data={"format": fmt, "scope": "period", "period": f"{YEAR}-06"})
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    size, path = 0, os.path.join(tempfile.gettempdir(), f"efaktur-bench-download.{fmt}")
    with open(path, "wb") as saved:  # as a browser saving to disk would
        for chunk in response.iter_encoded():
            size += len(chunk)
            saved.write(chunk)
    media_type = response.mimetype
    response.close()
    parts = len(zipfile.ZipFile(path).namelist()) if media_type == "application/zip" else 1
    os.unlink(path)
    return size, media_type, parts


def bench_export(label, app, count):
    from efaktur.exports.services import mark_exported
    from efaktur.invoices.models import Invoice

    started = time.perf_counter()
    ids = seed_export(app, count)
    print(f"[4] Export of {count:,} invoices of 3 lines each on {label} (seeding took {time.perf_counter() - started:.1f} s):")
    client = logged_in_client(app)
    for fmt in ("xml", "csv"):
        if fmt == "csv":  # the desktop route: numbered from a range first
            bulk_give_out(app, [add_range(app, 2600000001, 2600000000 + count + 1_000)], ids)
        seconds, megabytes, how, (size, media_type, parts) = measure_peak(lambda fmt=fmt: _download(client, fmt))
        shape = f"a zip of {parts} files" if parts > 1 else "one file"
        print(f"      {fmt.upper()}: {seconds:6.2f} s ({count / seconds:,.0f} invoices/s), {size / 2**20:7.1f} MB ({shape}), "
              f"peak memory growth {megabytes:5.1f} MB ({how})  (targets <= 10 s, <= 64 MB)")
    with app.app_context():
        exported = db.session.scalar(db.select(db.func.count(Invoice.id)).where(Invoice.exported_at.is_not(None)))
        assert exported == count, exported
        written = [tuple(row) for row in db.session.execute(db.select(Invoice.id, Invoice.revision))]
        statements = []
        from sqlalchemy import event

        listener = lambda *a: statements.append(a[2]) if a[2].lstrip().upper().startswith("UPDATE") else None  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        marked = mark_exported(written, "bench")
        db.session.commit()
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", listener)
    print(f"      marking {marked:,} invoices Exported: {elapsed:.2f} s in {len(statements)} statement(s)")


# ---- 5. E-Faktur Files ---------------------------------------------------------------------

def _proc_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def _start_gunicorn(uri, workers=1):
    port = _free_port()
    env = {**os.environ, "FLASK_SECRET_KEY": "bench-secret-key-long-enough-xx", "FLASK_SQLALCHEMY_DATABASE_URI": uri,
           "FLASK_WTF_CSRF_ENABLED": "false", "FLASK_SESSION_COOKIE_SECURE": "false", "FLASK_EFAKTUR_FIXED_NOW": f'"{NOW}"'}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--timeout", "120", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import http.client

    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/login", body=f"email={ADMIN}&password={PASSWORD}",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            session = next(c for c in response.msg.get_all("Set-Cookie") if c.startswith("session="))
            return server, port, session.split(";")[0]
        except (OSError, AttributeError):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _post_file(port, cookie, path, field="files"):
    """A multipart upload streamed from disk, as a browser sends it."""
    import http.client

    boundary = "efaktur-bench-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{os.path.basename(path)}"\r\n'
            "Content-Type: application/zip\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.putrequest("POST", "/files/upload")
    for name, value in (("Cookie", cookie), ("HX-Request", "true"), ("Content-Type", f"multipart/form-data; boundary={boundary}"),
                        ("Content-Length", str(len(head) + os.path.getsize(path) + len(tail)))):
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as upload:
        while chunk := upload.read(2**20):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


def bench_files(tmpdir, label, prepare, uri, count, pdf_size, emails):
    import zipfile

    from efaktur.files.models import EfakturFile
    from efaktur.invoices.models import Invoice

    app = prepare()
    set_company(app)  # the seller the files' names carry
    range_id = add_range(app, 2600000001, 2600000000 + count + 100)
    ids = bulk_invoices(app, count, prefix="F")
    bulk_give_out(app, [range_id], ids)
    with app.app_context():
        db.session.execute(update(Invoice).values(customer_email=Invoice.number + "@customer.example.com"))
        db.session.commit()
    path = os.path.join(tmpdir, f"faktur-{label}.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(1, count + 1):
            body = b"%PDF-1.4\n" + os.urandom(pdf_size - 20) + b"\n%%EOF\n"  # approved PDFs hardly compress
            # The company as the seller; zeros for these buyers, who have no NPWP.
            archive.writestr(f"012345678901000-01000026{n:08d}-000000000000000-20260610120000.pdf", body)
    server, port, cookie = _start_gunicorn(uri)
    try:
        (worker,) = _children(server.pid)
        with open(f"/proc/{worker}/clear_refs", "w") as refs:
            refs.write("5")
        before = _proc_kb(worker, "VmRSS")
        started = time.perf_counter()
        status, body = _post_file(port, cookie, path)
        elapsed = time.perf_counter() - started
        growth = (_proc_kb(worker, "VmHWM") - before) / 1024
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with app.app_context():  # what was stored, not a sentence of the page (which answers in the user's language)
        stored = db.session.scalar(db.select(db.func.count(EfakturFile.id)).where(EfakturFile.superseded_at.is_(None)))
    assert status == 200 and stored == count, (status, stored, body[:300])
    print(f"[5] E-Faktur Files on {label}:")
    print(f"      upload of a zip of {count:,} PDFs of {pdf_size // 1000} KB ({os.path.getsize(path) / 2**20:.0f} MB) over HTTP,"
          f" matched and stored: {elapsed:.2f} s, worker peak memory growth {growth:.1f} MB  (targets <= 10 s, <= 64 MB)")
    bench_emails(app, emails)


def bench_emails(app, count):
    from aiosmtpd.controller import Controller

    from efaktur.extensions import mail
    from efaktur.files.models import EfakturFile

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(len(envelope.content))
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=10)
        mail.init_app(app)
        with app.app_context():
            file_ids = list(db.session.scalars(db.select(EfakturFile.id).order_by(EfakturFile.id).limit(count)))
        client = logged_in_client(app)
        data = {"file_ids": ",".join(map(str, file_ids))}
        started = time.perf_counter()
        # Send Email asks first (how many e-mails to which addresses); the clerk's Yes sends.
        response = client.post("/files/send", data={**data, "confirmed": "1"}, headers={"HX-Request": "true"})
        rounds = 0
        while "/files/send/next" in response.get_data(as_text=True):
            response = client.post("/files/send/next", data=data, headers={"HX-Request": "true"})
            rounds += 1
        elapsed = time.perf_counter() - started
    finally:
        controller.stop()
    assert len(received) == count, (len(received), response.get_data(as_text=True)[-300:])
    print(f"      e-mailing {count} customers their PDF (local SMTP, {rounds} slices): {elapsed:.2f} s  (target <= 10 s)")


# ---- 9. Lists at a million -----------------------------------------------------------------------

LIST_CUSTOMERS = 5_000  # distinct buyers: a search for one finds a few hundred of a million invoices


def seed_lists(app, count):
    """`count` invoices over the year (5,000 customers, every fourth paid, half numbered), three activity
    entries each, straight into the tables."""
    from datetime import timedelta

    from efaktur.activity.models import ActivityEntry
    from efaktur.invoices.models import Invoice
    from efaktur.numbers.models import NumberAssignment, NumberRange
    from efaktur.rules.nsfp import nsfp_end_key

    range_id = add_range(app, 2600000001, 2600000000 + count)
    start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        for offset in range(0, count, 50_000):
            chunk = range(offset, min(count, offset + 50_000))
            insert_many(Invoice, [
                {"id": i + 1, "number": f"L-{i + 1:08d}", "customer_name": f"PT Pelanggan {i % LIST_CUSTOMERS:05d}",
                 "invoice_date": date(YEAR, 1, 1) + timedelta(days=i * 365 // count),
                 "due_date": date(YEAR, 12, 31), "status": "paid" if i % 4 == 0 else "unpaid", "tax_enabled": True,
                 "transaction_code": "04"} for i in chunk])
            insert_many(NumberAssignment, [
                {"invoice_id": i + 1, "range_id": range_id, "number": 2600000001 + i, "number_end": nsfp_end_key(2600000001 + i),
                 "transaction_code": "04", "status_digit": "0", "assigned_at": start, "assigned_by": ADMIN}
                for i in chunk if i % 2 == 0])
            db.session.execute(insert(ActivityEntry), [
                {"at": start + timedelta(seconds=i * 3 + k), "actor": ADMIN if k else "system",
                 "action": ("invoice.created", "number.assigned", "invoice.updated")[k], "subject": f"invoice:{i + 1}",
                 "summary": f"Entry {k} of invoice L-{i + 1:08d}.", "message": None, "params": None}
                for i in chunk for k in range(3)])
            db.session.commit()
        db.session.execute(update(NumberRange).values(next_number=2600000001 + count, held_count=(count + 1) // 2))
        db.session.commit()


def settle(app):
    """PostgreSQL: what autovacuum does to a table that grew by a million rows before anyone reads it (the
    planner's statistics, the visibility map that lets an index answer a count alone). Not timed."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")


def _list_pages(count):
    """The pages timed: each list with its filters and searches, and a deep page reached by Next."""
    from efaktur.paging import encode_cursor

    deep = count // 2  # the row Next would have come from, half way down the list (newest first)
    deep_day = date(YEAR, 1, 1).toordinal() + (count - deep) * 365 // count
    return [
        ("Invoices", "/invoices/"),
        ("Invoices, paid", "/invoices/?status=paid"),
        ("Invoices, a month", f"/invoices/?month={YEAR}-06"),
        ("Invoices, search by customer name", "/invoices/?q=Pelanggan+01234"),
        ("Invoices, search by the end of an E-Faktur No", "/invoices/?q=000123"),
        ("Invoices, a deep page by Next", f"/invoices/?page=500&after={encode_cursor([date.fromordinal(deep_day), count - deep])}"),
        ("Export tab, a month", f"/export/?period={YEAR}-06"),
        ("E-Faktur Files", "/files/"),
        ("Activity", "/activity/"),
        ("Activity, by who", f"/activity/?actor={ADMIN}"),
        ("Activity, by kind", "/activity/?kind=number"),
        ("Users", "/users/"),
        ("API Tokens", "/api-tokens/"),
    ]


def _time_url(client, url, repeats, warm_up=2):
    """The median time of `repeats` renders of `url`, after `warm_up` untimed ones."""
    for _ in range(warm_up):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return statistics.median(samples)


def bench_lists(label, prepare, large, repeats=11):
    """Each list page at 1,000 invoices against `large` (three activity entries each), median of `repeats`."""
    figures = {}
    for size in (1_000, large):
        app = prepare(f"lists-{size}")
        set_company(app)
        started = time.perf_counter()
        seed_lists(app, size)
        seeded = time.perf_counter() - started
        settle(app)
        client = logged_in_client(app)
        figures[size] = [(name, _time_url(client, url, repeats)) for name, url in _list_pages(size)]
    with app.app_context():
        from efaktur.activity.models import ActivityEntry

        entries = db.session.scalar(db.select(db.func.count(ActivityEntry.id)))  # three per invoice, and the set-up's
    streamed = _stream_activity_csv(client, entries)
    print(f"[9] List pages on {label}, median of {repeats} (1,000 invoices against {large:,}, three activity entries"
          f" each; seeding the large one took {seeded:.0f} s):")
    for (name, small), (_, big) in zip(figures[1_000], figures[large]):
        print(f"      {name:<48} {small * 1000:7.1f} ms {big * 1000:8.1f} ms   ratio {big / small:5.1f}  (target <= 2)")
    seconds, megabytes, how, rows = streamed
    print(f"      Activity CSV of {rows:,} entries: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, peak memory growth "
          f"{megabytes:.1f} MB ({how})  (targets >= 50,000 rows/s, <= 64 MB)")


def _stream_activity_csv(client, entries):
    """The whole log as CSV, read as it streams: (seconds, MB, how, data rows)."""
    def download():
        response = client.get("/activity/export.csv", buffered=False)
        assert response.status_code == 200
        lines = sum(chunk.count(b"\n") for chunk in response.response)
        response.close()
        return lines - 1  # the header
    result = measure_peak(download)
    assert result[3] == entries, (result[3], entries)
    return result


# ---- 10. Import Invoices ----------------------------------------------------------------------------

def _import_workbook(path, invoices, lines):
    """Our template's layout: `invoices` invoices of `lines` lines, as a spreadsheet saves them (its size first)."""
    from openpyxl import Workbook

    from efaktur.formats.invoice_sheets import OUR_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Invoices"
    sheet.append([column.label for column in OUR_COLUMNS])  # the English headers
    keys = [column.key for column in OUR_COLUMNS]
    for n in range(1, invoices + 1):
        first = {"number": f"IMP-{n:06d}", "invoice_date": date(YEAR, 6, 1 + n % 28), "customer_name": f"PT Pembeli {n % 500}",
                 "npwp": f"01{n % 500:014d}", "buyer_country": "IDN", "address": "Jl. Sudirman 1", "transaction_code": "04"}
        for k in range(lines):
            row = dict(first) if k == 0 else {}
            row.update({"item": f"Barang {k + 1}", "kind": "A", "unit": "UM.0018", "quantity": 1 + k,
                        "unit_price": 100_000 + 1_000 * k, "discount": 0})
            sheet.append([row.get(key) for key in keys])
    workbook.save(path)


def bench_import(tmpdir, label, prepare, invoices, lines=3):
    """Import Invoices of a workbook of `invoices` x `lines`: the preview, then the import, over the app's routes."""
    app = prepare()
    app.config["EFAKTUR_IMPORT_MAX_LINES"] = invoices * lines
    path = os.path.join(tmpdir, f"import-{label}.xlsx")
    _import_workbook(path, invoices, lines)
    with open(path, "rb") as handle:
        data = handle.read()
    client = logged_in_client(app)

    def post(url):
        import hashlib
        import io

        form = {"file": (io.BytesIO(data), "juni.xlsx"), "previewed": hashlib.sha256(data).hexdigest()}
        response = client.post(url, data=form, headers={"HX-Request": "true"}, content_type="multipart/form-data")
        response.get_data()
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response

    preview_s, preview_mb, how, _ = measure_peak(lambda: post("/invoices/import/preview"))
    import_s, import_mb, _, _ = measure_peak(lambda: post("/invoices/import"))
    with app.app_context():
        from efaktur.invoices.models import Invoice

        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == invoices
    print(f"[10] Import Invoices on {label}: a workbook of {invoices:,} invoices x {lines} lines "
          f"({len(data) / 2**20:.1f} MB):")
    print(f"      preview {preview_s:.1f} s, peak memory growth {preview_mb:.1f} MB; import {import_s:.1f} s, "
          f"{import_mb:.1f} MB ({how})  (targets <= 15 s and <= 64 MB each)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("EFAKTUR_TEST_POSTGRES_URL"))
    parser.add_argument("--only", default="page,batch,http,export,files,api,ops,coretax,lists,import")
    args = parser.parse_args()
    only = set(args.only.split(","))
    tmpdir = tempfile.mkdtemp(prefix="efaktur-bench-")
    print(f"efaktur benchmarks on {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite in {tmpdir}")
    if "page" in only:
        bench_page(tmpdir, 100_000 if args.quick else 1_000_000, 50 if args.quick else 200)
    batch = 10_000 if args.quick else 100_000
    if "batch" in only:
        bench_generate_batch("SQLite", lambda name: fresh_sqlite(tmpdir, name + ".sqlite")[0], batch, 1 if args.quick else 3)
    duration = 2.0 if args.quick else 8.0
    if "http" in only:
        sqlite_uri = "sqlite:///" + os.path.join(tmpdir, "http.sqlite")
        bench_gunicorn(tmpdir, "SQLite", sqlite_uri, duration, CLIENTS, lambda: fresh_sqlite(tmpdir, "http.sqlite")[0])
    export_count = 10_000 if args.quick else 100_000
    if "export" in only:
        bench_export("SQLite", fresh_sqlite(tmpdir, "export.sqlite")[0], export_count)
    files_count = 200 if args.quick else 2_000
    if "files" in only:
        files_uri = "sqlite:///" + os.path.join(tmpdir, "files.sqlite")
        bench_files(tmpdir, "SQLite", lambda: fresh_sqlite(tmpdir, "files.sqlite")[0], files_uri, files_count, 20_000,
                    min(200, files_count))
    if "api" in only:
        api_uri = "sqlite:///" + os.path.join(tmpdir, "api.sqlite")
        bench_api(tmpdir, "SQLite", api_uri, duration, CLIENTS, lambda: fresh_sqlite(tmpdir, "api.sqlite")[0])
    ops_count = 100_000 if args.quick else 1_000_000
    if "ops" in only:
        bench_ops(tmpdir, "SQLite", *_migrated_sqlite(tmpdir), ops_count)
    coretax_rows, coretax_pdfs = (1_000, 200) if args.quick else (10_000, 2_000)
    if "coretax" in only:
        parts = iter(("coretax-list.sqlite", "coretax-pdfs.sqlite"))

        def fresh_coretax():
            name = next(parts)
            return "sqlite:///" + os.path.join(tmpdir, name), lambda: fresh_sqlite(tmpdir, name)[0]

        bench_coretax(tmpdir, "SQLite", fresh_coretax, coretax_rows, coretax_pdfs)
    lists_large = 100_000 if args.quick else 1_000_000
    if "lists" in only:
        bench_lists("SQLite", lambda name: fresh_sqlite(tmpdir, name + ".sqlite")[0], lists_large)
    import_count = 1_000 if args.quick else 10_000
    if "import" in only:
        bench_import(tmpdir, "SQLite", lambda: fresh_sqlite(tmpdir, "import.sqlite")[0], import_count)
    if args.postgres and only & {"batch", "http", "export", "files", "api", "ops", "coretax", "lists", "import"}:
        uri, prepare = _postgres(args.postgres)
        if "http" in only:
            bench_gunicorn(tmpdir, "PostgreSQL", uri, duration, CLIENTS, prepare)
        if "export" in only:
            uri, prepare = _postgres(args.postgres)
            bench_export("PostgreSQL", prepare(), export_count)
        if "files" in only:
            uri, prepare = _postgres(args.postgres)
            bench_files(tmpdir, "PostgreSQL", prepare, uri, files_count, 20_000, min(200, files_count))
        if "api" in only:
            uri, prepare = _postgres(args.postgres)
            bench_api(tmpdir, "PostgreSQL", uri, duration, CLIENTS, prepare)
        if "ops" in only:
            bench_ops(tmpdir, "PostgreSQL", *_migrated_postgres(args.postgres), ops_count)
        if "coretax" in only:
            bench_coretax(tmpdir, "PostgreSQL", lambda: _postgres(args.postgres), coretax_rows, coretax_pdfs)
        if "batch" in only:
            bench_generate_batch("PostgreSQL", lambda name: _postgres(args.postgres)[1](), batch, 1 if args.quick else 3)
        if "lists" in only:
            bench_lists("PostgreSQL", lambda name: _postgres(args.postgres)[1](), lists_large)
        if "import" in only:
            bench_import(tmpdir, "PostgreSQL", lambda: _postgres(args.postgres)[1](), import_count)


def _drop_schema(url, schema):
    """At exit: the run's schema goes (the lists part leaves a million invoices in it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    except Exception as error:  # a connection still open in it: say so, never hang the exit
        print(f"could not drop the benchmark schema {schema}: {error}", file=sys.stderr)
    finally:
        engine.dispose()


def _postgres(url):
    import atexit

    from sqlalchemy import create_engine, text

    schema = f"efaktur_bench_{os.getpid()}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    atexit.unregister(_drop_schema)  # once per run, however many parts made it afresh
    atexit.register(_drop_schema, url, schema)
    uri = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

    def prepare():
        app = make_app(uri)
        with app.app_context():
            db.create_all()
            from efaktur.auth.services import create_user

            create_user(ADMIN, "admin", PASSWORD)
        return app

    return uri, prepare


# ---- 8. The Coretax route --------------------------------------------------------------------------

def _output_list(path, numbers):
    """Coretax's output-tax list as its table downloads it (written with openpyxl's write-only mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Pajak Keluaran")
    sheet.append(["NPWP Pembeli / Identitas lainnya", "Nama Pembeli", "Kode Transaksi", "Nomor Faktur Pajak",
                  "Tanggal Faktur Pajak", "Masa Pajak", "Tahun", "Status Faktur", "ESignStatus",
                  "Harga Jual/Penggantian/DPP", "DPP Nilai Lain/DPP", "PPN", "PPnBM", "Penandatangan", "Referensi",
                  "Dilaporkan oleh Penjual", "Dilaporkan oleh Pemungut PPN"])
    for reference, number in numbers:
        sheet.append(["0000000000000000", "PT Bench", "01", number, f"{YEAR}-06-01", "Juni", str(YEAR), "APPROVED",
                      "SIGNED", "1000000", "916667", "110000", "0", "Budi", reference, "TRUE", "FALSE"])
    workbook.save(path)


def bench_coretax(tmpdir, label, fresh, rows, pdfs):
    """`fresh()` gives (uri, prepare) of an empty database for each part."""
    import zipfile

    from fpdf import FPDF

    from efaktur.files.models import EfakturFile
    from efaktur.invoices.models import Invoice

    print(f"[8] The Coretax route on {label}:")
    uri, prepare = fresh()
    app = prepare()
    set_company(app)
    ids = bulk_invoices(app, rows, prefix="C")
    path = os.path.join(tmpdir, f"pajak-keluaran-{label}.xlsx")
    _output_list(path, [(f"C-{invoice_id:08d}", f"010026{n:011d}") for n, invoice_id in enumerate(ids, start=1)])
    client = logged_in_client(app)

    def import_list():
        with open(path, "rb") as upload:
            response = client.post("/files/coretax-list", data={"file": (upload, os.path.basename(path))},
                                   headers={"HX-Request": "true"}, content_type="multipart/form-data")
        response.get_data()
        return response.status_code

    seconds, megabytes, how, status = measure_peak(import_list)
    with app.app_context():
        recorded = db.session.scalar(db.select(db.func.count(Invoice.id)).where(Invoice.coretax_status == "approved"))
    assert status == 200 and recorded == rows, (status, recorded)
    print(f"      Import Coretax List of {rows:,} rows ({os.path.getsize(path) / 2**20:.1f} MB xlsx), each matched and "
          f"recorded: {seconds:.2f} s, peak memory growth {megabytes:.1f} MB ({how})  (targets <= 10 s, <= 64 MB)")

    uri, prepare = fresh()
    app = prepare()
    set_company(app)
    ids = bulk_invoices(app, pdfs, prefix="P")
    archive_path = os.path.join(tmpdir, f"coretax-pdfs-{label}.zip")
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, invoice_id in enumerate(ids, start=1):
            number = f"010026{n:011d}"
            document = FPDF()
            document.add_page()
            document.set_font("Helvetica", size=10)
            for text in ("Faktur Pajak", f"Kode dan Nomor Seri Faktur Pajak: {number}", "Pembeli: PT Bench",
                         *(f"{k}  Jasa konsultasi  Rp 1.000.000,00" for k in range(1, 6)),
                         f"(Referensi: P-{invoice_id:08d})"):
                document.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
            archive.writestr(f"OutputTaxInvoice-{n:08x}-0012345678901000-{number}-.pdf", bytes(document.output()))
    server, port, cookie = _start_gunicorn(uri)
    try:
        started = time.perf_counter()
        status, body = _post_file(port, cookie, archive_path)
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count(EfakturFile.id)))
        numbered = db.session.scalar(db.select(db.func.count(Invoice.id)).where(Invoice.coretax_number.is_not(None)))
    assert status == 200 and stored == numbered == pdfs, (status, stored, numbered, body[:300])
    print(f"      upload of {pdfs:,} Coretax PDFs ({os.path.getsize(archive_path) / 2**20:.1f} MB zip) over HTTP, each "
          f"matched by the reference it prints and given its number: {elapsed:.2f} s  (target <= 20 s)")


# ---- 7. Operations ------------------------------------------------------------------------------

def _migrated_sqlite(tmpdir):
    """A migrated database (a restore wants the schema version), and a maker of fresh empty ones."""
    from flask_migrate import upgrade

    app = make_app("sqlite:///" + os.path.join(tmpdir, "ops.sqlite"))
    with app.app_context():
        upgrade()
        from efaktur.auth.services import create_user

        create_user(ADMIN, "admin", PASSWORD)
    return app, lambda: make_app("sqlite:///" + os.path.join(tmpdir, "ops-restored.sqlite")), lambda: None


def _migrated_postgres(url):
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, make_url, text

    uri, _ = _postgres(url)
    app = make_app(uri)
    with app.app_context():
        upgrade()
        from efaktur.auth.services import create_user

        create_user(ADMIN, "admin", PASSWORD)
    name = f"efaktur_bench_restore_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def fresh():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return make_app(make_url(uri).set(database=name).render_as_string(hide_password=False))

    def clean_up():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return app, fresh, clean_up


def bench_ops(tmpdir, label, app, fresh, clean_up, count):
    from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber
    from efaktur.operations.backups import make_backup, restore_backup
    from efaktur.operations.ledger_check import check_ledger

    half = count // 2 + 50_000
    ranges = [add_range(app, 2600000001, 2600000000 + half), add_range(app, 2600000001 + half, 2600000000 + 2 * half)]
    started = time.perf_counter()
    bulk_give_out(app, ranges, bulk_invoices(app, count, prefix="O"))
    with app.app_context():  # 10,000 numbers cancelled back to the pool, as the ledger records them
        returned = db.session.scalars(db.select(NumberAssignment).order_by(NumberAssignment.id.desc()).limit(10_000)).all()
        for assignment in returned:
            assignment.released_at, assignment.released_by = datetime.now(timezone.utc), "bench"
            db.session.add(ReleasedNumber(number=assignment.number, range_id=assignment.range_id))
        from collections import Counter

        for range_id, back in Counter(a.range_id for a in returned).items():
            db.session.execute(update(NumberRange).where(NumberRange.id == range_id).values(
                held_count=NumberRange.held_count - back))
        db.session.commit()
    seeded = time.perf_counter() - started
    with app.app_context():
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            result = check_ledger()
            times.append(time.perf_counter() - t0)
            db.session.rollback()
        assert result.ok and result.held == count - 10_000 and result.returned == 10_000, result.problems
    with app.test_request_context():
        t0 = time.perf_counter()
        made = make_backup(os.path.join(tmpdir, f"ops-backups-{label}"), keep=1)
        backup_s = time.perf_counter() - t0
    target = fresh()
    try:
        with target.app_context():
            t0 = time.perf_counter()
            restore_backup(made.path)
            restore_s = time.perf_counter() - t0
            restored = check_ledger()
            assert restored.ok and restored.held == count - 10_000, restored.problems
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context():
            db.engine.dispose()
        clean_up()
    print(f"[7] Operations on {label}, {count:,} numbers given out, 10,000 of them returned (seeding {seeded:.0f} s):")
    print(f"      ledger check: {statistics.median(times):.2f} s (median of 3)  (target: seconds)")
    print(f"      backup: {backup_s:.1f} s, {made.size / 2**20:.0f} MB; restore into a fresh database: "
          f"{restore_s:.1f} s")


if __name__ == "__main__":
    main()
