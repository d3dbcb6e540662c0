"""Operations: the ledger check, backups and restores on both databases, the Operations page,
its JSON for admins and monitoring tokens, and /health."""
import os
import re
import sqlite3
import stat
import subprocess
import threading
import time
import uuid
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from efaktur import create_app
from efaktur.extensions import db
from efaktur.operations.ledger_check import check_ledger
from efaktur.operations.models import BackupRecord
from tests.conftest import (
    ADMIN_EMAIL,
    HTMX,
    PASSWORD,
    POSTGRES_URL,
    STAFF_EMAIL,
    add_range,
    base_config,
    generate,
    make_invoice,
    seed_users,
    set_company,
    set_threshold,
)
from tests.test_api import make_token
from tests.test_files import desktop_name, pdf, upload

BACKUP_NAME = re.compile(r"efaktur-20260615-030000Z(-\d+)?\.(sqlite|pgdump)$")


def login(app):
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def output(result) -> str:
    return result.output  # Click 8.2+: what the operator sees, stdout and stderr together


# ---- the ledger check ---------------------------------------------------------------------------

@pytest.fixture
def ledger(app):
    """Two ranges of 2026, five invoices numbered, one number cancelled and given again: a lived-in ledger."""
    from efaktur.invoices.services import change_status
    from efaktur.numbers.ledger import cancel_number

    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    add_range(app, 2026, "000-26.00000101", "000-26.00000110")
    ids = [make_invoice(app, number=f"INV-L{i}") for i in range(1, 6)]
    generate(app, ids)
    with app.test_request_context():
        change_status(ids[1], "cancelled")
        cancel_number(ids[1])
    later = make_invoice(app, number="INV-L6")
    generate(app, [later])  # takes the returned number
    return ids + [later]


def _problems(app, *statements):
    """The check's findings after `statements`, run in the check's own transaction and rolled back after.
    Both databases change their schema inside a transaction, so a unique index can be set aside for a moment."""
    with app.app_context():
        try:
            for statement in statements:
                db.session.execute(text(statement))
            return check_ledger().problems
        finally:
            db.session.rollback()


def test_a_lived_in_ledger_passes_the_check(app, ledger):
    with app.app_context():
        result = check_ledger()
    assert result.ok, result.problems
    assert (result.ranges, result.held, result.returned) == (2, 5, 0)


ASSIGN = ("INSERT INTO number_assignment (invoice_id, range_id, number, transaction_code, status_digit, assigned_at, "
          "assigned_by) SELECT {invoice}, range_id, {number}, '01', '0', assigned_at, 'x' FROM number_assignment LIMIT 1")


@pytest.mark.parametrize("statements, expected", [
    (["UPDATE number_range SET held_count = held_count + 1 WHERE start_number = 2600000001"],
     "counts 6 numbers held, but invoices hold 5"),
    (["UPDATE number_range SET next_number = next_number + 2 WHERE start_number = 2600000001"],
     "has given out 7 numbers, but 5 are held and 0 returned: 2 missing"),
    (["UPDATE number_range SET next_number = next_number - 1 WHERE start_number = 2600000001"],
     "held numbers outside its given-out part"),
    (["DROP INDEX uq_number_assignment_live_number",
      ASSIGN.format(invoice="(SELECT id FROM invoice WHERE number = 'INV-L2')", number=2600000003)],
     "Numbers held by two invoices: 000-26.00000003"),
    (["INSERT INTO released_number (number, range_id) SELECT number, range_id FROM number_assignment "
      "WHERE number = 2600000004"],
     "Numbers both held and returned: 000-26.00000004"),
    (["DROP INDEX uq_number_assignment_live_invoice",
      ASSIGN.format(invoice="(SELECT id FROM invoice WHERE number = 'INV-L3')", number=2600000006),
      "UPDATE number_range SET next_number = 2600000007, held_count = 6 WHERE start_number = 2600000001"],
     "Invoices holding two numbers: INV-L3"),
    (["UPDATE invoice SET invoice_date = '2025-12-31' WHERE number = 'INV-L4'"],
     "of another year than their invoice: INV-L4 (000-26.00000004)"),
    (["UPDATE number_range SET end_number = 2600000105 WHERE start_number = 2600000001"],
     "overlaps the range ending at 000-26.00000105"),
    (["UPDATE number_assignment SET range_id = NULL WHERE number = 2600000005",
      "UPDATE number_range SET held_count = 4, next_number = 2600000005 WHERE start_number = 2600000001"],
     "1 number is held or returned without a range"),
])
def test_the_check_finds_each_kind_of_damage(app, ledger, statements, expected):
    problems = _problems(app, *statements)
    assert any(expected in problem for problem in problems), problems
    with app.app_context():  # and the damage was only for the moment
        assert check_ledger().ok


def test_the_check_finds_a_stored_file_without_its_pdf(app, ledger, admin_client):
    response = upload(admin_client, (desktop_name("0100002600000001"), pdf("one")))
    assert response.status_code == 200 and "1 file matched" in response.get_data(as_text=True)
    problems = _problems(app, "DELETE FROM efaktur_file_content")
    assert f"E-Faktur files recorded without their PDF: {desktop_name('0100002600000001')}." in problems
    with app.app_context():
        assert check_ledger().files == 1 and check_ledger().ok


def test_the_check_command_exits_1_naming_each_problem(app, ledger):
    result = cli(app, "check")
    assert result.exit_code == 0, output(result)
    assert "Ledger check: ok (2 ranges, 5 numbers held, 0 returned, 0 E-Faktur files)" in output(result)
    with app.app_context():
        db.session.execute(text("UPDATE number_range SET held_count = 9 WHERE start_number = 2600000101"))
        db.session.commit()
    result = cli(app, "check")
    assert result.exit_code == 1
    assert "1 problem(s)" in output(result)
    assert "range 000-26.00000101 to 000-26.00000110 (2026) counts 9 numbers held, but invoices hold 0" in output(result)


def test_the_check_on_the_operations_page(app, ledger, admin_client, staff_client_factory):
    page = admin_client.get("/operations/check", headers=HTMX)
    assert page.status_code == 200 and "The ledger is consistent: 2 ranges, 5 numbers" in page.get_data(as_text=True)
    with app.app_context():
        db.session.execute(text("UPDATE number_range SET next_number = next_number + 1 WHERE start_number = 2600000001"))
        db.session.commit()
    body = admin_client.get("/operations/check", headers=HTMX).get_data(as_text=True)
    assert "1 problem" in body and "1 missing" in body and "Stop handing out numbers" in body
    assert staff_client_factory().get("/operations/check", headers=HTMX).status_code == 403


@pytest.fixture
def staff_client_factory(app):
    def make():
        client = app.test_client()
        assert client.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD}).status_code == 303
        return client
    return make


# ---- backups ------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sqlite_backup_is_a_checked_copy_named_by_time_with_its_checksum(app, ledger, backend, tmp_path):
    directory = tmp_path / "backups"
    result = cli(app, "backup", str(directory))
    assert result.exit_code == 0, output(result)
    (name,) = [n for n in os.listdir(directory) if not n.endswith(".sha256")]
    assert BACKUP_NAME.match(name) and name.endswith(".sqlite")
    path = directory / name
    checksum = re.search(r"SHA-256 ([0-9a-f]{64})", output(result)).group(1)
    assert f"Backed up the SQLite database to {path}" in output(result)
    assert re.search(r"size [\d,.]+ (KB|MB)", output(result))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    # The checksum file is in the format sha256sum checks.
    verified = subprocess.run(["sha256sum", "-c", name + ".sha256"], cwd=directory, capture_output=True, text=True)
    assert verified.returncode == 0 and f"{name}: OK" in verified.stdout
    assert (directory / (name + ".sha256")).read_text().split()[0] == checksum
    # One self-contained file (not in WAL mode), holding the data.
    copy = sqlite3.connect(path)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM number_assignment WHERE released_at IS NULL").fetchone()[0] == 5
    copy.close()
    with app.app_context():
        record = db.session.scalar(db.select(BackupRecord))
        assert record.ok and record.path == str(path) and record.sha256 == checksum and record.size_bytes == os.path.getsize(path)


def test_a_backup_taken_while_a_writer_is_mid_transaction_holds_only_what_was_committed(sqlite_app, tmp_path):
    """The online backup API copies a consistent snapshot: the writer's uncommitted rows are not in it,
    and the writer goes on and commits after the backup."""
    app = sqlite_app
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    opened = threading.Event()

    def writer():
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE number_range SET end_number = 2600000099")
        opened.set()
        time.sleep(2)  # the backup copies meanwhile; its record of itself waits for this commit
        connection.execute("COMMIT")
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    opened.wait()
    result = cli(app, "backup", str(tmp_path / "b"))
    thread.join()
    assert result.exit_code == 0, output(result)
    (name,) = [n for n in os.listdir(tmp_path / "b") if n.endswith(".sqlite")]
    copy = sqlite3.connect(tmp_path / "b" / name)
    assert copy.execute("SELECT end_number FROM number_range").fetchone()[0] == 2600000010
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()


def test_backups_while_generates_commit_are_each_consistent(sqlite_app, tmp_path):
    """A Generate every few milliseconds in another thread while backups are taken: each copy passes the check."""
    app = sqlite_app
    add_range(app, 2026, "000-26.00000001", "000-26.00000500")
    ids = [make_invoice(app, number=f"INV-W{i}") for i in range(1, 121)]
    stop = threading.Event()

    def keep_generating():
        for invoice_id in ids:
            if stop.is_set():
                return
            generate(app, [invoice_id])

    thread = threading.Thread(target=keep_generating)
    thread.start()
    try:
        for _ in range(4):
            assert cli(app, "backup", str(tmp_path / "b"), "--keep", "10").exit_code == 0
    finally:
        stop.set()
        thread.join()
    copies = sorted(n for n in os.listdir(tmp_path / "b") if n.endswith(".sqlite"))
    assert len(copies) == 4
    for name in copies:
        copied = create_app(base_config("sqlite:///" + str(tmp_path / "b" / name), str(tmp_path)))
        with copied.app_context():
            result = check_ledger()
            assert result.ok, (name, result.problems)
            db.engine.dispose()


def test_only_the_last_n_backups_are_kept_and_nothing_else_is_touched(sqlite_app, tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    (directory / "notes.txt").write_text("mine")
    (directory / "efaktur-old-copy.sqlite").write_text("not one of the app's names")
    for _ in range(5):
        result = cli(sqlite_app, "backup", str(directory), "--keep", "3")
        assert result.exit_code == 0, output(result)
    names = sorted(os.listdir(directory))
    ours = [n for n in names if BACKUP_NAME.match(n)]
    # Made within one second (the tests' clock stands still): the same time, then -2, -3 ...
    assert ours == ["efaktur-20260615-030000Z-3.sqlite", "efaktur-20260615-030000Z-4.sqlite", "efaktur-20260615-030000Z-5.sqlite"]
    assert {n + ".sha256" for n in ours} | set(ours) | {"notes.txt", "efaktur-old-copy.sqlite"} == set(names)
    assert "removed 1 older backup(s): efaktur-20260615-030000Z-2.sqlite" in output(result)


def test_the_setting_says_where_and_how_many(sqlite_app, tmp_path):
    sqlite_app.config.update(EFAKTUR_BACKUP_DIR=str(tmp_path / "nightly"), EFAKTUR_BACKUP_KEEP=2)
    for _ in range(3):
        assert cli(sqlite_app, "backup").exit_code == 0
    assert len([n for n in os.listdir(tmp_path / "nightly") if n.endswith(".sqlite")]) == 2


def test_a_backup_to_a_file_name_writes_that_file(sqlite_app, tmp_path):
    target = tmp_path / "copy-before-upgrade.sqlite"
    result = cli(sqlite_app, "backup", str(target))
    assert result.exit_code == 0 and target.exists() and (tmp_path / "copy-before-upgrade.sqlite.sha256").exists()


def test_a_backup_that_cannot_be_written_says_why_and_is_recorded(sqlite_app, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory should be")
    result = cli(sqlite_app, "backup", str(blocked / "sub"))
    assert result.exit_code == 1 and "Error:" in output(result)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".partial-")]
    with sqlite_app.app_context():
        record = db.session.scalar(db.select(BackupRecord))
        assert not record.ok and record.message
    body = login(sqlite_app).get("/operations/").get_data(as_text=True)
    assert "The last backup attempt" in body and "failed" in body


def test_an_in_memory_database_is_not_backed_up(tmp_path):
    app = create_app(base_config("sqlite://", str(tmp_path)))
    with app.app_context():
        db.create_all()
    result = cli(app, "backup", str(tmp_path))
    assert result.exit_code == 1 and "The database is in memory" in output(result)


# ---- PostgreSQL backups -----------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["postgres"])
def test_a_postgresql_backup_is_pg_dump_custom_format(app, ledger, backend, tmp_path):
    result = cli(app, "backup", str(tmp_path / "b"))
    assert result.exit_code == 0, output(result)
    (name,) = [n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    assert BACKUP_NAME.match(name) and name.endswith(".pgdump")
    assert (tmp_path / "b" / name).read_bytes()[:5] == b"PGDMP"
    assert "Backed up the PostgreSQL database" in output(result)
    listing = subprocess.run(["pg_restore", "--list", str(tmp_path / "b" / name)], capture_output=True, text=True).stdout
    assert "TABLE DATA" in listing and " number_assignment " in listing and " efaktur_file_content " in listing
    assert stat.S_IMODE(os.stat(tmp_path / "b" / name).st_mode) == 0o600


@pytest.mark.parametrize("backend", ["postgres"])
def test_without_pg_dump_the_backup_says_what_to_install(app, backend, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    result = cli(app, "backup", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "pg_dump was not found" in output(result) and "apt-get install postgresql-client-" in output(result)
    with app.app_context():
        assert db.session.scalar(db.select(BackupRecord.ok)) is False


# ---- restoring ----------------------------------------------------------------------------------

def _migrated_sqlite(path, tmp_path):
    app = create_app(base_config("sqlite:///" + str(path), str(tmp_path)))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def source(backend, tmp_path, request):
    """A migrated database (as `make run` leaves it) with the two test users."""
    if backend == "sqlite":
        app = _migrated_sqlite(tmp_path / "source.sqlite", tmp_path)
        with app.app_context():
            seed_users()
    else:
        app = request.getfixturevalue("app")  # the migrated test schema, emptied
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def fresh_target(backend, tmp_path, request):
    """A way to make a brand-new empty database of the same kind: a new file, or a new PostgreSQL database
    (with the same schema name in its search_path, where the app's tables go)."""
    made = []

    def make():
        if backend == "sqlite":
            app = create_app(base_config("sqlite:///" + str(tmp_path / f"restored-{len(made)}.sqlite"), str(tmp_path)))
        else:
            schema_url = make_url(request.getfixturevalue("postgres_schema_url"))
            name = f"efaktur_restore_{uuid.uuid4().hex[:10]}"
            with create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            app = create_app(base_config(schema_url.set(database=name).render_as_string(hide_password=False), str(tmp_path)))
            app.extensions["restore_database"] = name
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if "restore_database" in app.extensions:
            engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{app.extensions["restore_database"]}" WITH (FORCE)'))
            engine.dispose()


def _seed_everything(app):
    """Ranges of two years, invoices numbered, one number cancelled and reused, a PDF, a threshold, a token."""
    from efaktur.invoices.services import change_status
    from efaktur.numbers.ledger import cancel_number

    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000050")
    add_range(app, 2027, "000-27.00000001", "000-27.00000020")
    ids = [make_invoice(app, number=f"INV-R{i}", customer_email=f"tax{i}@buyer.co.id") for i in range(1, 8)]
    ids.append(make_invoice(app, number="INV-R8", invoice_date="2027-01-05"))
    generate(app, ids[:6] + [ids[7]])
    with app.test_request_context():
        change_status(ids[2], "cancelled")
        cancel_number(ids[2])
    set_threshold(app, 40, emails=["finance@company.co.id"])
    client = login(app)
    response = upload(client, (desktop_name("0100002600000001"), pdf("restored", size=40_000)))
    assert "1 file matched" in response.get_data(as_text=True)
    headers, _ = make_token(app, name="Billing", read_only=True)
    return ids, headers


# Per session, not per database: the CSRF token in the page.
SESSION_BOUND = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrf_token" value="[^"]*"|id="csrf_token" name="csrf_token" type="hidden" value="[^"]*"|nonce="[^"]*"')


def _snapshot(app, ids, headers) -> dict:
    """What a user and a billing system see: the pages, the PDF's bytes, the API's answers."""
    client = login(app)
    seen = {}
    for path in ["/numbers/", "/numbers/overview", "/invoices/", "/invoices/?status=cancelled", "/files/",
                 "/settings/billing", "/export/", *(f"/invoices/{i}" for i in ids)]:
        response = client.get(path)
        assert response.status_code == 200, path
        seen[path] = SESSION_BOUND.sub("", response.get_data(as_text=True))
    for file_id in (1,):
        seen[f"pdf {file_id}"] = client.get(f"/files/{file_id}/pdf").data
    api = app.test_client()
    for path in ["/api/v1/stock", "/api/v1/invoices?limit=100"]:
        response = api.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        seen[path] = response.get_json()
    return seen


def test_a_backup_restored_into_a_fresh_database_serves_the_same_pages_and_numbers(source, fresh_target, tmp_path, backend):
    ids, headers = _seed_everything(source)
    before = _snapshot(source, ids, headers)
    made = cli(source, "backup", str(tmp_path / "b"))
    assert made.exit_code == 0, output(made)
    (backup,) = [tmp_path / "b" / n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    # Life goes on after the backup: more invoices, more numbers.
    later = make_invoice(source, number="INV-AFTER")
    generate(source, [later])

    target = fresh_target()
    restored = cli(target, "restore", str(backup))
    assert restored.exit_code == 0, output(restored)
    text_out = output(restored)
    assert "(checksum verified)" in text_out
    assert "2 ranges, 8 invoices, 6 numbers held, 1 E-Faktur file, 2 users" in text_out
    assert "Ledger check: ok (2 ranges, 6 numbers held, 1 returned, 1 E-Faktur file)" in text_out
    after = _snapshot(target, ids, headers)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
    # Not what came after the backup; and the restored database goes on giving out numbers from where it was.
    with target.app_context():
        from efaktur.invoices.models import Invoice

        assert db.session.scalar(db.select(Invoice).where(Invoice.number == "INV-AFTER")) is None
    fresh = make_invoice(target, number="INV-NEXT")
    result = generate(target, [fresh])
    with target.app_context():
        from efaktur.numbers.models import NumberAssignment

        held = db.session.scalar(db.select(NumberAssignment.number).where(NumberAssignment.invoice_id == fresh))
        assert held == 2600000003  # the cancelled number comes back first
        assert check_ledger().ok
    assert result is not None


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(source, tmp_path, backend):
    ids, _ = _seed_everything(source)
    assert cli(source, "backup", str(tmp_path / "b")).exit_code == 0
    (backup,) = [tmp_path / "b" / n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    later = make_invoice(source, number="INV-AFTER")
    generate(source, [later])

    refused = cli(source, "restore", str(backup))
    assert refused.exit_code == 1
    assert "The database is not empty" in output(refused) and "add --force" in output(refused)
    assert "it holds 2 ranges, 9 invoices, 1 E-Faktur file, 1 API token, 2 users and other records" in output(refused)
    with source.app_context():
        assert check_ledger().held == 7  # untouched

    forced = cli(source, "restore", str(backup), "--force")
    assert forced.exit_code == 0, output(forced)
    assert "8 invoices, 6 numbers held" in output(forced)
    with source.app_context():
        from efaktur.invoices.models import Invoice

        db.session.remove()
        assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 8
        assert check_ledger().ok


def test_a_fresh_install_with_only_its_admin_still_needs_force(source, fresh_target, tmp_path, backend):
    """`make run` made an admin account: restoring over it would drop that account, so --force is asked for."""
    _seed_everything(source)
    assert cli(source, "backup", str(tmp_path / "b")).exit_code == 0
    (backup,) = [tmp_path / "b" / n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    target = fresh_target()
    with target.app_context():
        if backend == "postgres":  # the operator makes the schema of the search_path, then `make run` migrates
            from efaktur.operations.backups import _target_schema

            db.session.execute(text(f'CREATE SCHEMA "{_target_schema()}"'))
            db.session.commit()
        upgrade()
        from efaktur.auth.services import create_user

        create_user("owner@company.co.id", "admin", PASSWORD)
    refused = cli(target, "restore", str(backup))
    assert refused.exit_code == 1 and "it holds 1 user and other records" in output(refused)
    assert cli(target, "restore", str(backup), "--force").exit_code == 0


def test_restore_refuses_damaged_foreign_and_wrong_kind_files(source, tmp_path, backend):
    _seed_everything(source)
    assert cli(source, "backup", str(tmp_path / "b")).exit_code == 0
    (backup,) = [tmp_path / "b" / n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged" / backup.name
    damaged.parent.mkdir()
    damaged.write_bytes(bytes(data))
    (tmp_path / "damaged" / (backup.name + ".sha256")).write_text((tmp_path / "b" / (backup.name + ".sha256")).read_text())
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")

    with source.app_context():
        db.session.execute(text("DELETE FROM number_assignment"))  # the refusals come before any emptiness question
        db.session.commit()
    cases = [
        (damaged, "does not match its checksum"),
        (notes, "is not an efaktur backup"),
        (other, "not a backup of efaktur's database" if backend == "sqlite" else "This is a SQLite backup, and the app's database is PostgreSQL"),
    ]
    for path, message in cases:
        result = cli(source, "restore", str(path), "--force")
        assert result.exit_code == 1 and message in output(result), (path, output(result))
    missing = cli(source, "restore", str(tmp_path / "nowhere.sqlite"))
    assert missing.exit_code == 2 and "does not exist" in output(missing)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_postgresql_restore_that_fails_leaves_the_database_as_it_was(source, tmp_path, backend):
    _seed_everything(source)
    big = b"%PDF-1.4\n" + os.urandom(400_000) + b"\n%%EOF\n"  # most of the backup is this file's data
    assert "1 file matched" in upload(login(source), (desktop_name("0100002600000002"), big)).get_data(as_text=True)
    assert cli(source, "backup", str(tmp_path / "b")).exit_code == 0
    (backup,) = [tmp_path / "b" / n for n in os.listdir(tmp_path / "b") if not n.endswith(".sha256")]
    cut = tmp_path / "cut.pgdump"  # a backup cut short: its list of contents reads, its data ends early
    cut.write_bytes(backup.read_bytes()[: int(os.path.getsize(backup) * 0.8)])
    result = cli(source, "restore", str(cut), "--force")
    assert result.exit_code == 1 and "the database was left as it was" in output(result), output(result)
    with source.app_context():
        db.session.remove()
        result = check_ledger()
        assert result.ok and result.held == 6 and result.files == 2


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_backup_of_an_older_release_is_brought_to_this_schema(tmp_path, fresh_target, backend):
    old = create_app(base_config("sqlite:///" + str(tmp_path / "old.sqlite"), str(tmp_path)))
    with old.app_context():
        upgrade(revision="004ab7bb31c1")  # the release before the backup records
        db.engine.dispose()
    source = sqlite3.connect(tmp_path / "old.sqlite")
    source.execute("INSERT INTO number_range (year, start_number, end_number, next_number, held_count, created_at, "
                   "updated_at) VALUES (2026, 2600000001, 2600000010, 2600000001, 0, '2026-01-02 00:00:00', "
                   "'2026-01-02 00:00:00')")
    source.commit()
    copy = sqlite3.connect(tmp_path / "old-backup.sqlite")
    source.backup(copy)
    copy.close()
    source.close()
    target = fresh_target()
    result = cli(target, "restore", str(tmp_path / "old-backup.sqlite"))
    assert result.exit_code == 0, output(result)
    assert "(checksum verified)" not in output(result) and "1 range, 0 invoices" in output(result)
    with target.app_context():
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(target.extensions["migrate"].migrate.get_config()).get_current_head()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
        assert db.session.scalar(db.select(db.func.count()).select_from(BackupRecord)) == 0


# ---- the Operations page, its JSON, the API, /health ---------------------------------------------

def test_the_operations_page_shows_database_backups_mail_and_version(app, ledger, admin_client, backend, tmp_path):
    app.config.update(MAIL_SERVER="smtp.company.co.id", MAIL_PORT=587, MAIL_USE_TLS=True, MAIL_USERNAME="efaktur",
                      MAIL_PASSWORD="pa55-w0rd-secret")
    body = admin_client.get("/operations/").get_data(as_text=True)
    assert "No backup has been made yet." in body
    assert ("SQLite" if backend == "sqlite" else "PostgreSQL 1") in body
    assert "smtp.company.co.id:587</span>, STARTTLS" in body and "password set" in body
    assert "pa55-w0rd-secret" not in body
    assert "2 ranges, 6 invoices, 5" in body
    assert re.search(r"<dt>Revision</dt><dd class=\"mono\">[0-9a-f]{12}</dd>", body), "the git revision of this checkout"

    assert cli(app, "backup", str(tmp_path / "b")).exit_code == 0
    body = admin_client.get("/operations/").get_data(as_text=True)
    assert "No backup has been made yet." not in body and "more than a day ago" not in body
    assert "within a day" in body and str(tmp_path / "b") in body

    with app.app_context():  # the last good one is two days old
        record = db.session.scalar(db.select(BackupRecord))
        record.at -= timedelta(days=1, minutes=1)
        db.session.commit()
    body = admin_client.get("/operations/").get_data(as_text=True)
    assert "more than a day ago" in body and "run <span class=\"mono\">flask --app efaktur backup</span> every day" in body


def test_the_last_emails_outcomes_are_shown(app, ledger, admin_client):
    from efaktur.settings.models import ThresholdAlert

    with app.app_context():
        db.session.add(ThresholdAlert(year=2026, threshold_limit=10, available=9, recipients="a@b.co.id", outcome="failed",
                                      detail="The mail server refused the log-in."))
        db.session.commit()
    body = admin_client.get("/operations/").get_data(as_text=True)
    assert "Last threshold e-mail" in body and "Failed</span> The mail server refused the log-in." in body


def test_operations_are_for_admins_only(app, staff_client):
    for path in ("/operations/", "/operations/status.json", "/operations/check"):
        assert staff_client.get(path).status_code == 403, path
    anonymous = app.test_client()
    assert anonymous.get("/operations/status.json").status_code in (302, 303)


def test_status_json_for_an_admin_and_the_api_for_a_read_only_token(app, ledger, admin_client, tmp_path):
    app.config.update(MAIL_PASSWORD="pa55-w0rd-secret")
    assert cli(app, "backup", str(tmp_path / "b")).exit_code == 0
    response = admin_client.get("/operations/status.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    status = response.get_json()
    assert set(status) == {"proxy", "database", "backups", "mail", "last_emails", "version", "data"}
    assert status["backups"]["due"] is False and status["backups"]["last"]["sha256"]
    assert status["data"] == {"ranges": 2, "invoices": 6, "numbers_held": 5, "files": 0, "users": 2}
    assert status["mail"]["password_set"] is True and "pa55-w0rd-secret" not in response.get_data(as_text=True)

    headers, _ = make_token(app, name="Monitoring")
    api = app.test_client().get("/api/v1/operations", headers=headers)
    assert api.status_code == 200
    answer = api.get_json()
    assert answer["database"].pop("size_bytes") > 0 and status["database"].pop("size_bytes") > 0  # the token made it grow
    assert answer == status
    assert app.test_client().get("/api/v1/operations").status_code == 401
    # A read-only token (a monitoring system) learns whether things are well, not where they are.
    read_only, _ = make_token(app, name="Dashboard", read_only=True)
    seen = app.test_client().get("/api/v1/operations", headers=read_only).get_json()
    assert seen["backups"]["last"]["path"] == "" and seen["backups"]["last"]["host"] == ""
    assert seen["backups"]["last"]["sha256"] == status["backups"]["last"]["sha256"] and seen["backups"]["due"] is False
    assert seen["database"]["where"] == "" and seen["mail"]["server"] is None and seen["mail"]["username"] is None
    assert seen["mail"]["password_set"] is True and seen["version"] == status["version"]


def test_health_says_ok_or_not_ok_and_nothing_else(app, tmp_path):
    response = app.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    broken = create_app(base_config("sqlite:///" + str(tmp_path / "no-such-dir" / "x.sqlite"), str(tmp_path)))
    response = broken.test_client().get("/health")
    assert response.status_code == 503 and response.get_json() == {"status": "not ok"}


def test_make_backup_backs_up_the_default_install(tmp_path):
    """`make backup` as the README's cron line runs it: the instance folder's database, into instance/backups."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(root, ".venv", "bin", "flask")):
        pytest.skip("make test (which makes .venv) runs this")
    instance = tmp_path / "instance"
    instance.mkdir()
    app = _migrated_sqlite(instance / "efaktur.sqlite", instance)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    with app.app_context():
        db.engine.dispose()
    env = {**os.environ, "EFAKTUR_INSTANCE_PATH": str(instance), "FLASK_SECRET_KEY": "make-backup-test-secret-key-long",
           "MAKEFLAGS": ""}
    env.pop("FLASK_SQLALCHEMY_DATABASE_URI", None)
    made = subprocess.run(["make", "--no-print-directory", "-o", "instance/config.py", "-o", ".venv/.installed", "backup"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"Backed up the SQLite database to {instance / 'backups'}/efaktur-" in made.stdout
    (name,) = [n for n in os.listdir(instance / "backups") if n.endswith(".sqlite")]
    copy = sqlite3.connect(instance / "backups" / name)
    assert copy.execute("SELECT count(*) FROM number_range").fetchone()[0] == 1
    copy.close()
