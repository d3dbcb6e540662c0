"""Configuration defaults and the checks made before the app may start.

Order of precedence (last wins): these defaults, `instance/config.py`,
`FLASK_*` environment variables, the test config passed to create_app().
"""
import os

import click

# Values that are not secrets: an app started with one of them in production refuses.
PLACEHOLDER_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret", "development"}
MIN_SECRET_KEY_LENGTH = 24


class DefaultConfig:
    SECRET_KEY = None
    # The JSON API's OpenAPI document (flask-smorest): /api/v1/openapi.json; the reference page is ours.
    API_TITLE = "efaktur API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "info": {"description": "Invoices, E-Faktur numbers, the stock of numbers and the tax office's files, "
                                "for billing systems. Authorization: Bearer <token> (API Tokens page)."},
    }
    SQLALCHEMY_DATABASE_URI = None  # set from the instance path in create_app()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    EFAKTUR_TIMEZONE = "Asia/Jakarta"
    # The interface's language for a browser that asks for neither Indonesian nor English (README, Languages).
    BABEL_DEFAULT_LOCALE = "id"
    # SQLite: how long a writer waits for another writer before giving up.
    EFAKTUR_SQLITE_BUSY_TIMEOUT_MS = 30_000
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    EFAKTUR_SESSION_IDLE_MINUTES = 60  # a session with no request for this long ends
    EFAKTUR_SESSION_IDLE_WARNING_MINUTES = 2  # the page warns this long before the idle end
    EFAKTUR_SESSION_MAX_DAYS = 30  # and any session ends this long after its login
    EFAKTUR_PDF_FONT = None  # a TrueType font for Download PDF; None: DejaVu Sans where installed
    EFAKTUR_PASSWORD_HASH_METHOD = "scrypt"  # Werkzeug's method for new password hashes
    # Failed logins (efaktur/auth/throttle.py): free within the window, then growing locks. A browser
    # that logged in to the account before counts against itself only; any other counts against the
    # account from its address, the account from anywhere, and its address.
    EFAKTUR_LOGIN_FAILURES_PER_ACCOUNT = 5
    EFAKTUR_LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE = 20
    EFAKTUR_LOGIN_FAILURES_PER_ADDRESS = 20
    EFAKTUR_LOGIN_FAILURES_PER_DEVICE = 10
    EFAKTUR_LOGIN_WINDOW_MINUTES = 15
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none, trust nothing).
    EFAKTUR_PROXY_HOPS = 0
    TRUSTED_HOSTS = None  # set from EFAKTUR_PUBLIC_URL when unset (see create_app)
    # Request bodies: a few MB is far above any form; the E-Faktur Files upload has its own limit.
    MAX_CONTENT_LENGTH = 4 * 2**20
    # A form's fields in memory: 100,000 ticked ids, one by one, take under 1 MB (Werkzeug's default is 500 kB).
    MAX_FORM_MEMORY_SIZE = 2 * 2**20
    MAIL_SERVER = None  # no mail server: threshold alerts are recorded as not sent
    MAIL_PORT = 25
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "efaktur@localhost"
    # Whether the mail server takes SMTPUTF8 (addresses with non-ASCII before the @).
    EFAKTUR_SMTPUTF8 = False
    EFAKTUR_PUBLIC_URL = None  # where people open the app: links in e-mails, trusted host; required with a mail server
    # E-Faktur Files: the approved PDFs live in the database, within these limits.
    EFAKTUR_MAX_PDF_BYTES = 5 * 2**20
    EFAKTUR_MAX_UPLOAD_BYTES = 200 * 2**20
    EFAKTUR_MAX_UPLOAD_FILES = 10_000
    # PDFs uploaded as separate files (not in a zip) in one upload: each is a part the server keeps
    # on disk until the upload is read (a zip holds up to EFAKTUR_MAX_UPLOAD_FILES).
    EFAKTUR_MAX_UPLOAD_PARTS = 500
    # What an upload's files may hold in a worker's memory while they arrive; the rest goes to disk.
    EFAKTUR_UPLOAD_MEMORY_BYTES = 8 * 2**20
    # Import Coretax List (the output-tax list, xlsx or CSV): at most this large, and this many rows.
    EFAKTUR_MAX_LIST_BYTES = 50 * 2**20
    EFAKTUR_MAX_LIST_ROWS = 100_000
    # Import Invoices (a spreadsheet of invoices): at most this large, and this many lines.
    EFAKTUR_IMPORT_MAX_BYTES = 30 * 2**20
    EFAKTUR_IMPORT_MAX_LINES = 20_000
    # Backups (`flask --app efaktur backup`): where they go (None: instance/backups) and how many are kept.
    EFAKTUR_BACKUP_DIR = None
    EFAKTUR_BACKUP_KEEP = 14


def default_database_uri(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "efaktur.sqlite")


class InsecureConfigError(RuntimeError):
    pass


def serves_requests() -> bool:
    """Whether this app is being made to serve people: by gunicorn or any WSGI server (no command line
    around it), or by `flask run`. Other commands (`flask --help`, `flask users ...`, `flask backup`)
    serve nobody, so they work before a secret key is set."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def check_production_config(config) -> None:
    """Refuse to serve real users with a guessable secret key, or e-mails with links to a guessed host."""
    key = config.get("SECRET_KEY")
    if key is not None and not isinstance(key, (str, bytes)):
        # Flask reads FLASK_* variables as JSON when they parse: an all-digit key becomes a number.
        raise InsecureConfigError(
            f"SECRET_KEY must be text, but FLASK_SECRET_KEY was read as JSON ({type(key).__name__}): a key of digits "
            "or one that looks like JSON is taken as a value. Quote it as a JSON string, or use a key of letters and "
            "digits, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    if config.get("TESTING") or config.get("DEBUG"):
        return
    if config.get("MAIL_SERVER") and not config.get("EFAKTUR_PUBLIC_URL"):
        raise InsecureConfigError(
            "A mail server is set (MAIL_SERVER) but not EFAKTUR_PUBLIC_URL, the address people open the app at "
            "(e.g. https://efaktur.example.co.id). E-mails link to it; it is never taken from a request."
        )
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureConfigError(
            "SECRET_KEY is missing or too weak. Set FLASK_SECRET_KEY (at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters) or SECRET_KEY in instance/config.py, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
