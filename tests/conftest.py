"""The fixture library: apps on SQLite (and PostgreSQL when configured), clients, users.

Every test that takes `app` runs once per database backend: SQLite always, PostgreSQL
when EFAKTUR_TEST_POSTGRES_URL is set. Without it the PostgreSQL runs are skipped with a
reason; with EFAKTUR_TEST_REQUIRE_ALL=1 (CI) such skips fail instead.
"""
import os
import shutil
import tempfile
import uuid

import pytest
from sqlalchemy import create_engine, text

from efaktur import create_app
from efaktur.extensions import db

# Tests never read the developer's instance/config.py.
os.environ["EFAKTUR_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="efaktur-test-instance-")

POSTGRES_URL = os.environ.get("EFAKTUR_TEST_POSTGRES_URL")
REQUIRE_ALL = os.environ.get("EFAKTUR_TEST_REQUIRE_ALL") == "1"

FIXED_NOW = "2026-06-15T03:00:00+00:00"
ADMIN_EMAIL = "admin@example.com"
STAFF_EMAIL = "staff@example.com"
PASSWORD = "correct horse battery"


def skip_or_fail(reason: str):
    """Skip a test that needs something missing here; in CI (REQUIRE_ALL) that is a failure."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def base_config(database_uri: str, instance_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SUPPRESS_SEND": True,
        "MAIL_SERVER": "localhost",
        "MAIL_DEFAULT_SENDER": "efaktur@example.com",
        "SERVER_NAME": None,
        "EFAKTUR_SQLITE_BUSY_TIMEOUT_MS": 30_000,
        # "Now" in the tests: the tests speak of 2026 as this year, whatever the real date.
        "EFAKTUR_FIXED_NOW": FIXED_NOW,
        # Production hashes passwords with scrypt (~0.1 s each, on purpose); a thousand tests need not.
        "EFAKTUR_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # The suite reads the English interface (a browser that asks for neither language gets this);
        # tests/test_i18n.py reads the Indonesian one, which is the installation default.
        "BABEL_DEFAULT_LOCALE": "en",
    }


@pytest.fixture(scope="session")
def postgres_schema_url():
    """A private schema in the PostgreSQL test database, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        skip_or_fail("EFAKTUR_TEST_POSTGRES_URL is not set")
    schema = f"efaktur_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    app = create_app(base_config(url, "/tmp"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    try:
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def _truncate_all(engine):
    """Empty every table of the models that the database holds (a migration test may have taken it back to a
    revision before some of them), and start their ids at 1 again. DELETE, not TRUNCATE: on tables this small
    it is several times faster (TRUNCATE makes new files for every table), and it is all one round trip."""
    with engine.begin() as conn:
        existing = set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        restart = ", ".join(f"setval(pg_get_serial_sequence('\"{name}\"', 'id'), 1, false)" for name in tables
                            if "id" in db.metadata.tables[name].c)
        conn.exec_driver_sql("; ".join([*(f'DELETE FROM "{name}"' for name in tables), f"SELECT {restart}"]))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite database with the schema and the two accounts, made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "efaktur.sqlite"
    app = create_app(base_config(f"sqlite:///{path}", str(path.parent)))
    with app.app_context():
        db.create_all()
        seed_users()
        db.session.remove()
        db.engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
    return path


def _sqlite_copy(template, tmp_path) -> str:
    path = tmp_path / "efaktur.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_uri(backend, tmp_path, request):
    if backend == "postgres":
        return request.getfixturevalue("postgres_schema_url")
    return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)


@pytest.fixture
def app(database_uri, backend, tmp_path):
    app = create_app(base_config(database_uri, str(tmp_path)))
    if backend == "postgres":
        with app.app_context():
            _truncate_all(db.engine)
            seed_users()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template):
    """For tests whose subject is not the database: SQLite only."""
    app = create_app(base_config(_sqlite_copy(sqlite_template, tmp_path), str(tmp_path)))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seed_users():
    """The tests' two accounts; their creation is set-up, not something the tests look for in the log."""
    from efaktur.activity.models import ActivityEntry
    from efaktur.auth.services import create_user

    create_user(ADMIN_EMAIL, "admin", PASSWORD)
    create_user(STAFF_EMAIL, "staff", PASSWORD)
    db.session.execute(db.delete(ActivityEntry))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email=ADMIN_EMAIL, password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def login_staff(self):
        return self.login(STAFF_EMAIL)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin_client(client, auth):
    auth.login()
    return client


@pytest.fixture
def staff_client(client, auth):
    auth.login_staff()
    return client


HTMX = {"HX-Request": "true"}


@pytest.fixture
def htmx_headers():
    return dict(HTMX)


def add_range(app, year, start, end):
    """Seed a range through the service, as the form would."""
    from efaktur.numbers.services import create_range
    from efaktur.rules.nsfp import parse_nsfp

    with app.test_request_context():
        return create_range(year, parse_nsfp(start), parse_nsfp(end)).id


COMPANY_NPWP = "012345678901000"


def set_company(app, npwp=COMPANY_NPWP, name="PT Maju Jaya"):
    """The company's details, as Billing Settings would save them (the seller of every file)."""
    from efaktur.settings.services import save_company

    with app.test_request_context():
        save_company(name, npwp, "Jl. Gatot Subroto 1, Jakarta", "000000")


@pytest.fixture
def company(app):
    set_company(app)


def set_route(app, route):
    """Billing Settings' Reporting route: desktop, coretax or both."""
    from efaktur.settings.services import save_route

    with app.test_request_context():
        save_route(route)


_invoice_counter = iter(range(1, 10**9))


def make_invoice(app, invoice_date="2026-06-01", tax=True, code="01", status=None, number=None, lines=None, **fields):
    """Create an invoice through the service, as the New Invoice form would; returns its id."""
    from datetime import date
    from decimal import Decimal

    from efaktur.invoices.services import DraftLine, InvoiceDraft, change_status, create_invoice
    from efaktur.rules.facilities import NO_FACILITY, Facility

    day = date.fromisoformat(invoice_date)
    # Codes 07 and 08 need their facility (as the form asks): DJP's sample pair unless one is given.
    facility = fields.get("facility", Facility("TD.00502", "TD.01102") if code in ("07", "08") else NO_FACILITY)
    draft = InvoiceDraft(
        number=number or f"T-{next(_invoice_counter):06d}",
        customer_name=fields.get("customer_name", "PT Maju Jaya"),
        npwp_name=fields.get("npwp_name", "PT Maju Jaya"),
        npwp=fields.get("npwp", "012345678901000"),
        address=fields.get("address", "Jl. Sudirman 1, Jakarta"),
        invoice_date=day,
        due_date=date.fromisoformat(fields["due_date"]) if "due_date" in fields else day,
        tax_enabled=tax,
        transaction_code=code,
        lines=lines or [DraftLine("Consulting", Decimal(1), 1_000_000)],
        customer_email=fields.get("customer_email", ""),
        customer_language=fields.get("customer_language", "en"),
        buyer_document=fields.get("buyer_document", "tin"),
        buyer_document_number=fields.get("buyer_document_number", ""),
        buyer_country=fields.get("buyer_country", "IDN"),
        buyer_branch_code=fields.get("buyer_branch_code", "000000"),
        facility=facility,
    )
    with app.test_request_context():
        invoice_id = create_invoice(draft).id
        if status:
            change_status(invoice_id, status)
    return invoice_id


def generate(app, invoice_ids):
    from efaktur.numbers.ledger import generate_numbers

    with app.test_request_context():
        return generate_numbers(list(invoice_ids))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a loopback port that keeps what it receives."""

    def __init__(self, reject_with=None, deny_login=False, refuse_recipient=lambda address: False, answer_after=0.0):
        import asyncio  # aiosmtpd runs its own loop in a thread

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages = []
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if refuse_recipient(address):
                    return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if answer_after:  # a slow server: it has the message (it will deliver it), and answers late
                    sink.messages.append(envelope)
                    await asyncio.sleep(answer_after)
                    return "250 Message accepted for delivery"
                if reject_with:
                    return reject_with
                sink.messages.append(envelope)
                return "250 Message accepted for delivery"

        def authenticator(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=not deny_login, handled=False)

        self.port = free_port()
        self._controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator, auth_require_tls=False
        )

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def parsed(self):
        from email import message_from_bytes, policy

        return [(env.rcpt_tos, message_from_bytes(env.content, policy=policy.default)) for env in self.messages]


@pytest.fixture
def smtp_server():
    with SmtpSink() as sink:
        yield sink


def mail_config(port, **extra):
    """Config for an app that really sends through the SMTP server on `port`."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 2,
        "MAIL_DEFAULT_SENDER": "efaktur@example.com",
        "EFAKTUR_PUBLIC_URL": "http://efaktur.example.co.id",
        **extra,
    }


def set_threshold(app, limit, active=True, emails=(), language="en"):
    """The threshold, its recipients and the e-mail's language (the suite reads English e-mails;
    an installation's default is Indonesian: tests/test_i18n.py)."""
    from efaktur.settings.services import add_recipient, save_notification_language, save_threshold

    with app.test_request_context():
        save_threshold(limit, active)
        if language:
            save_notification_language(language)
        for email in emails:
            add_recipient(email)


def readable(html: str) -> str:
    """A page's HTML with the spans that keep numbers whole (activity log) taken out: its sentences as read."""
    import re

    return re.sub(r'<span class="nowrap-number">([^<]*)</span>', r"\1", html)
