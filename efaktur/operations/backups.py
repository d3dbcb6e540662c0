"""Backups that restore: `flask --app efaktur backup [PATH]` and `restore PATH`.

SQLite: SQLite's online backup API copies the database as one consistent snapshot
while the app goes on serving (in WAL mode readers and writers are not blocked); never a
file copy of a live database, which can catch a half-written page. The copy is checked
(PRAGMA quick_check) and switched out of WAL, so it is one self-contained file.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot too), restored with
`pg_restore` in a single transaction.

Every backup is written under a temporary name and renamed when complete, readable by
its owner only, with a `NAME.sha256` next to it (the format `sha256sum -c` reads); the
restore verifies it. The stored e-Faktur PDFs live in the database, so they are in the
backup too. What each run did is recorded in the database for the Operations page.
"""
import hashlib
import math
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import inspect, select, text

from efaktur.app_clock import now
from efaktur.database import KEPT_FUNCTIONS, write_transaction
from efaktur.extensions import db
from efaktur.language.lang import counted
from efaktur.operations.models import BackupRecord

SQLITE, POSTGRESQL = "sqlite", "postgresql"
LABEL = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
SUFFIX = {SQLITE: ".sqlite", POSTGRESQL: ".pgdump"}
NAME = re.compile(r"^efaktur-\d{8}-\d{6}Z(-\d+)?\.(sqlite|pgdump)$")
SQLITE_HEADER, PGDUMP_HEADER = b"SQLite format 3\x00", b"PGDMP"
CHUNK = 2**20


class BackupError(RuntimeError):
    """The backup or restore did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    path: str
    kind: str
    size: int
    sha256: str
    seconds: float
    removed: list[str] = field(default_factory=list)


# ---- the database the app uses ---------------------------------------------------------------

def database_kind() -> str:
    return db.engine.dialect.name


def sqlite_path() -> str:
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("The database is in memory: there is nothing on disk to back up or restore into.")
    return path


def _conninfo() -> tuple[str, dict]:
    """libpq's connection string without the password, and the environment carrying it (never argv)."""
    url = db.engine.url
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]

    def quoted(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{key}={quoted(value)}" for key, value in parts.items() if value not in (None, ""))
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        version = db.session.scalar(text("SHOW server_version")).split()[0]
        major = version.split(".")[0]
        raise BackupError(
            f"{name} was not found. Install PostgreSQL's client tools of the server's version ({version}), "
            f"e.g. on Debian: apt-get install postgresql-client-{major}"
        )
    return path


def _run(command: list[str], env: dict, what: str) -> str:
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' '.join(detail[-3:]) or f'exit status {completed.returncode}'}")
    return completed.stdout


# ---- backing up ---------------------------------------------------------------------------------

def backup_directory() -> str:
    return current_app.config.get("EFAKTUR_BACKUP_DIR") or os.path.join(current_app.instance_path, "backups")


def _target(path: str | None, kind: str, now: datetime) -> tuple[str, bool]:
    """The file to write, and whether it is one of ours in a backup directory (kept N, older removed)."""
    directory = path or backup_directory()
    if path and not os.path.isdir(path) and path.endswith(tuple(SUFFIX.values())):
        return os.path.abspath(path), False  # a file named by the operator, kept as it is
    os.makedirs(directory, mode=0o700, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%SZ")
    # Several in one second: -2, -3 ... after the last one made, so the names keep their order.
    same_second = [_age_order(name)[1] for name in os.listdir(directory) if NAME.match(name) and name[8:24] == stamp]
    n = max(same_second, default=0) + 1
    name = f"efaktur-{stamp}{SUFFIX[kind]}" if n == 1 else f"efaktur-{stamp}-{n}{SUFFIX[kind]}"
    return os.path.abspath(os.path.join(directory, name)), True


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_copy(source_path: str, destination: str) -> None:
    if not os.path.exists(source_path):
        raise BackupError(f"There is no database at {source_path} yet (`make run` or `flask --app efaktur db upgrade` makes it).")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        problem = copy.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The copy did not pass SQLite's check: {problem}")
    finally:
        copy.close()
        source.close()


def _pg_dump(destination: str) -> None:
    conninfo, env = _conninfo()
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={destination}"]
    schema = db.session.scalar(text("SELECT current_schema()"))
    if schema and schema != "public":
        command.append(f"--schema={schema}")  # the app's tables live in a schema of their own
    _run(command + [f"--dbname={conninfo}"], env, "pg_dump")


def _age_order(name: str) -> tuple[str, int]:
    """efaktur-20261125-043000Z.sqlite, then its -2, -3 ... made in the same second."""
    match = NAME.match(name)
    return name[8:24], int((match.group(1) or "-1")[1:])


def _prune(directory: str, keep: int, written: str) -> list[str]:
    ours = sorted((name for name in os.listdir(directory) if NAME.match(name)), key=_age_order)
    removed = []
    for name in ours[: max(0, len(ours) - keep)]:
        path = os.path.join(directory, name)
        if os.path.abspath(path) == written:
            continue
        for doomed in (path, path + ".sha256"):
            if os.path.exists(doomed):
                os.remove(doomed)
        removed.append(name)
    return removed


def _record(**values) -> None:
    with write_transaction():
        db.session.add(BackupRecord(at=now(), host=socket.gethostname()[:255], **values))


def make_backup(path: str | None = None, keep: int | None = None) -> BackupFile:
    """Write a backup of the app's database; keep the last `keep` in a backup directory."""
    keep = int(keep if keep is not None else current_app.config["EFAKTUR_BACKUP_KEEP"])
    if keep < 1:
        raise BackupError("Keep at least one backup (EFAKTUR_BACKUP_KEEP or --keep).")
    kind, started = database_kind(), time.monotonic()
    if kind not in SUFFIX:
        raise BackupError(f"Backups of a {kind} database are not supported.")
    destination = os.path.abspath(path or backup_directory())
    try:
        destination, ours = _target(path, kind, now())
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=".partial-", dir=os.path.dirname(destination))
        os.close(handle)  # mkstemp: created with mode 0600, and it stays so
        try:
            if kind == SQLITE:
                _sqlite_copy(sqlite_path(), partial)
            else:
                _pg_dump(partial)
            os.chmod(partial, 0o600)
            checksum, size = sha256_of(partial), os.path.getsize(partial)
            os.replace(partial, destination)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        with open(destination + ".sha256", "w", encoding="ascii") as sidecar:
            sidecar.write(f"{checksum}  {os.path.basename(destination)}\n")
        os.chmod(destination + ".sha256", 0o600)
        removed = _prune(os.path.dirname(destination), keep, destination) if ours else []
    except (BackupError, OSError, sqlite3.Error) as error:
        if isinstance(error, BackupError):
            message = str(error)
        elif isinstance(error, OSError):
            message = f"Cannot write {error.filename or destination}: {error.strerror or error}."
        else:
            message = f"SQLite: {error}"
        try:
            _record(ok=False, database_kind=kind, path=destination, message=message[:2000])
        except Exception:  # the database may be what failed; the command says why anyway
            db.session.rollback()
        raise BackupError(message) from error
    seconds = time.monotonic() - started
    _record(ok=True, database_kind=kind, path=destination, size_bytes=size, sha256=checksum, seconds=math.ceil(seconds))
    return BackupFile(destination, kind, size, checksum, seconds, removed)


def last_backups() -> tuple[BackupRecord | None, BackupRecord | None]:
    """The last good backup, and the last attempt if it failed after that."""
    good = db.session.scalar(select(BackupRecord).where(BackupRecord.ok.is_(True)).order_by(BackupRecord.at.desc()).limit(1))
    last = db.session.scalar(select(BackupRecord).order_by(BackupRecord.at.desc()).limit(1))
    return good, (last if last is not None and not last.ok else None)


# ---- restoring -----------------------------------------------------------------------------------

def _kind_of_file(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.")
    if head.startswith(SQLITE_HEADER):
        return SQLITE
    if head.startswith(PGDUMP_HEADER):
        return POSTGRESQL
    raise BackupError(f"{path} is not an efaktur backup (neither a SQLite database nor a pg_dump custom-format file).")


def _verify_checksum(path: str) -> bool:
    """True when a NAME.sha256 was found and matches; a mismatch refuses the restore."""
    sidecar = path + ".sha256"
    if not os.path.exists(sidecar):
        return False
    with open(sidecar, encoding="ascii", errors="replace") as handle:
        expected = handle.read().split()[:1]
    if not expected or expected[0].lower() != sha256_of(path):
        raise BackupError(f"{path} does not match its checksum in {sidecar}: the file is damaged or was changed.")
    return True


# Bookkeeping of the machine, not the company's data: a database holding only these is empty.
NOT_DATA = {"backup_record", "login_throttle", "api_idempotency"}


def _rows_in_app_tables() -> dict[str, int]:
    """{table: rows} of the app's data tables that exist and hold rows."""
    existing = set(inspect(db.engine).get_table_names())
    counts = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in existing and table.name not in NOT_DATA:
                rows = conn.execute(select(db.func.count()).select_from(table)).scalar_one()
                if rows:
                    counts[table.name] = rows
    return counts


WHAT = {"number_range": ("range", "ranges"), "invoice": ("invoice", "invoices"), "efaktur_file": ("E-Faktur file", "E-Faktur files"),
        "api_token": ("API token", "API tokens"), "user_account": ("user", "users")}


def _described(rows: dict[str, int]) -> str:
    """{table: rows} in words: "2 ranges, 9 invoices, 2 users and other records"."""
    parts = [counted(rows[t], *WHAT[t]) for t in WHAT if t in rows]
    if set(rows) - set(WHAT):
        return ", ".join(parts) + " and other records" if parts else "records"
    return ", ".join(parts)


def _restore_sqlite(path: str) -> None:
    target = sqlite_path()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problem = source.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The backup did not pass SQLite's check: {problem}")
        db.session.remove()
        db.engine.dispose()  # no connection of ours holds the old database open
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)  # replaces every page of the target, in one step
            destination.execute("PRAGMA journal_mode = WAL")
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(f"The restore failed: {error}") from error
    finally:
        source.close()


_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+)")
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)")


def _target_schema() -> str:
    """The schema the app's tables belong in: the first of the search_path (it may not exist yet)."""
    for entry in db.session.scalar(text("SELECT current_setting('search_path')")).split(","):
        entry = entry.strip().strip('"')
        if entry and entry != "$user":
            return entry
    return "public"


def _quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_toc(path: str) -> list[str]:
    """The backup's table of contents (`pg_restore --list`), one entry a line."""
    _, env = _conninfo()
    return _run([_pg_tool("pg_restore"), "--list", path], env, "Reading the backup").splitlines()


def _restore_postgresql(path: str, had_tables: bool, toc: list[str]) -> None:
    """pg_restore writes the backup as SQL; psql runs it, after dropping what it replaces, in ONE
    transaction that is committed only when pg_restore read the whole backup without an error.
    A restore that fails at any point leaves the database as it was, also with --force."""
    conninfo, env = _conninfo()
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    tables = {(m.group(1), m.group(2)) for line in toc if (m := _TOC_TABLE.match(line))}
    current = _target_schema()
    if {schema for schema, _ in tables} - {current}:
        raise BackupError(
            f"The backup's tables are in the schema {', '.join(sorted({schema for schema, _ in tables}))}, the app's "
            f"database in {current}. Restore with the same schema (the search_path of the database URL)."
        )
    # The schema itself is made here (it may exist already); pg_restore makes everything in it.
    preamble = ["BEGIN;", f"CREATE SCHEMA IF NOT EXISTS {_quoted_name(current)};"]
    if had_tables:  # empty (or --force): the backup's tables take the place of the app's
        names = {name for _, name in tables} | {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
        preamble += [f"DROP TABLE IF EXISTS {_quoted_name(current)}.{_quoted_name(name)} CASCADE;" for name in sorted(names)]
        # The triggers' functions outlive their tables; the backup makes them again.
        preamble += [f"DROP FUNCTION IF EXISTS {_quoted_name(current)}.{_quoted_name(name)}() CASCADE;"
                     for name in KEPT_FUNCTIONS]
    # The text index's operator class comes from pg_trgm, which a schema's backup does not hold.
    preamble.append("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;")
    db.session.remove()  # no connection of ours holds a lock the restore waits for
    db.engine.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing, \
            tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        listing.write("\n".join(line for line in toc if not _TOC_SCHEMA.match(line)) + "\n")
        listing.close()
        try:
            reader = subprocess.Popen(
                [pg_restore, "--no-owner", "--no-privileges", f"--use-list={listing.name}", "--file=-", path],
                env=env, stdout=subprocess.PIPE, stderr=restore_errors)
            writer = subprocess.Popen(
                [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-", f"--dbname={conninfo}"],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors)
            try:
                writer.stdin.write(("\n".join(preamble) + "\n").encode())
                shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
                if reader.wait() == 0:
                    writer.stdin.write(b"COMMIT;\n")  # only a backup read to its end is committed
            except BrokenPipeError:  # psql stopped at an error: nothing was committed
                reader.kill()
                reader.wait()
            finally:
                try:
                    writer.stdin.close()
                except BrokenPipeError:
                    pass
                writer.wait()
        finally:
            os.remove(listing.name)
        for process, errors, what in ((writer, psql_errors, "psql"), (reader, restore_errors, "pg_restore")):
            errors.seek(0)
            detail = [line for line in errors.read().decode(errors="replace").splitlines() if line.strip()]
            if process.returncode != 0 or (what == "psql" and any("ERROR" in line for line in detail)):
                raise BackupError(f"The restore failed ({what}: {' '.join(detail[-3:]) or f'exit status {process.returncode}'}); "
                                  "the database was left as it was.")


def _tables_in_backup(path: str, kind: str, toc: list[str] | None) -> set[str]:
    if kind == SQLITE:
        backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as error:
            raise BackupError(f"{path} cannot be read as a SQLite database: {error}.") from error
        finally:
            backup.close()
    return {m.group(2) for line in toc if (m := _TOC_TABLE.match(line))}


@dataclass(frozen=True)
class RestoreReport:
    kind: str
    checksum_verified: bool


def restore_backup(path: str, force: bool = False) -> RestoreReport:
    """Restore a backup into the app's database: an empty one, or any with `force`. The caller
    then migrates to this release's schema and checks the ledger (see cli.restore)."""
    path = os.path.abspath(path)
    kind = _kind_of_file(path)
    target_kind = database_kind()
    if kind != target_kind:
        raise BackupError(f"This is a {LABEL[kind]} backup, and the app's database is {LABEL.get(target_kind, target_kind)}.")
    verified = _verify_checksum(path)
    toc = _pg_toc(path) if kind == POSTGRESQL else None  # read once: for the check below and the restore
    if not {"alembic_version", "number_range", "invoice"} <= _tables_in_backup(path, kind, toc):
        raise BackupError(f"{path} is a {LABEL[kind]} file, but not a backup of efaktur's database (its tables are not there).")
    rows = _rows_in_app_tables()
    if rows and not force:
        raise BackupError(f"The database is not empty: it holds {_described(rows)}. "
                          "Restoring replaces all of it: add --force to do that.")
    had_tables = bool(set(inspect(db.engine).get_table_names()) & ({t.name for t in db.metadata.sorted_tables} | {"alembic_version"}))
    if kind == SQLITE:
        _restore_sqlite(path)
    else:
        _restore_postgresql(path, had_tables, toc)
    return RestoreReport(kind, verified)
