"""Engine set-up and the write transaction used by every operation that hands out numbers.

SQLite: foreign keys on, WAL, a busy timeout, and transactions that write begin with
BEGIN IMMEDIATE, so the write lock is taken before the first read of the operation.
A deferred transaction that reads and then tries to write can fail at once with
"database is locked" whatever the busy timeout; an immediate one waits its turn.

PostgreSQL: plain READ COMMITTED; the services lock the rows they change with
SELECT ... FOR UPDATE.
"""
import fcntl
import os
import time
from contextlib import contextmanager, nullcontext

from flask import current_app
from sqlalchemy import Integer, any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

from efaktur.extensions import db

_SQLITE_BEGIN_OPTION = "efaktur_sqlite_begin"


def _owner_only(database_path: str | None) -> None:
    """The database holds invoices and customers: readable by its owner only.

    SQLite creates the -wal and -shm files with the database file's permissions.
    """
    if not database_path or database_path == ":memory:" or database_path.startswith("file:"):
        return
    for path in (database_path, database_path + "-wal", database_path + "-shm"):
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
        except OSError:
            pass  # not there (yet), or not ours to change


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN, instead of pysqlite's own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        _owner_only(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class WriterQueueTimeout(RuntimeError):
    pass


@contextmanager
def sqlite_writer_queue(database_path: str, timeout_s: float):
    """Writers of one SQLite file take turns on an OS file lock before BEGIN IMMEDIATE.

    SQLite's own busy handler sleeps 1, 2, 5, ... up to 100 ms between tries, so under a
    queue of writers most of the time goes to sleeping. Here the waiter polls a file lock
    in steps of at most 1 ms, and the next writer starts almost the moment one commits.
    Each turn opens its own file description, so threads of one process queue too.
    """
    fd = os.open(database_path + ".writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline, pause = time.monotonic() + timeout_s, 0.00005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriterQueueTimeout("another change is taking too long; please try again")
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
        yield
    finally:
        os.close(fd)  # closing the description releases the lock


def _writer_turn(session):
    engine = session.get_bind()
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return nullcontext()
    return sqlite_writer_queue(path, current_app.config["EFAKTUR_SQLITE_BUSY_TIMEOUT_MS"] / 1000)


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def id_in(column, ids: list[int]):
    """`column IN ids`. On PostgreSQL as `= ANY(array)`: one parameter instead of thousands,
    which PostgreSQL parses and plans several times faster (measured: 39 ms against 10 ms
    for 1,000 ids)."""
    if is_postgresql():
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


@contextmanager
def write_transaction():
    """One all-or-nothing transaction: commits on success, rolls back on any exception.

    SQLite: any transaction the request had open (reads for the page, the logged-in
    user) is ended first, so that the new one can begin holding the write lock.
    PostgreSQL: the open transaction simply goes on; the row locks taken inside are what
    matters, and READ COMMITTED statements see the latest commits anyway.
    """
    session = db.session()
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite and session.in_transaction():
        session.commit()
    with _writer_turn(session):
        if sqlite:
            session.connection(execution_options={_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# ---- what the database keeps itself -------------------------------------------------------------
# Triggers, the text index and their functions: objects SQLAlchemy's metadata does not model. Each
# feature registers its statements here (next to its models); a fresh schema (`db.create_all()`) runs
# them after the tables, the migration that introduced them runs its own copy, and
# tests/test_kept.py checks that both give the same objects.

KEPT: list[tuple[str, str]] = []  # (dialect, statement), in the order registered
KEPT_NAMES: set[str] = set()  # the tables and indexes among them: Alembic's comparison leaves them alone
KEPT_FUNCTIONS: list[str] = []  # PostgreSQL's trigger functions among them (a restore drops them with the tables)


# PostgreSQL: set (for the transaction, by set_config) while a kept trigger's UPDATE of the invoices writes
# `holds_number` alone; the Export tab's period trigger, whose columns that is not, then has nothing to compare.
HOLDS_ONLY_SETTING = "efaktur.holds_number_only"


def keep(dialect: str, *statements: str, names: tuple[str, ...] = (), functions: tuple[str, ...] = ()) -> None:
    """Statements the `dialect` ('sqlite' or 'postgresql') runs after the tables are made; `names` are the
    tables and indexes they make, `functions` the functions (which take no arguments)."""
    KEPT.extend((dialect, statement) for statement in statements)
    KEPT_NAMES.update(names)
    KEPT_FUNCTIONS.extend(functions)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the objects registered with keep() (and a text index's own tables) are not the models'."""
    return not any(name == kept or (type_ == "table" and name.startswith(kept + "_")) for kept in KEPT_NAMES)


@event.listens_for(db.metadata, "after_create")
def _create_kept(target, connection, **kw):
    for dialect, statement in KEPT:
        if dialect == connection.dialect.name:
            connection.exec_driver_sql(statement)
