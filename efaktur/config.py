"""Configuration defaults and the checks made before the app may start.

Order of precedence (last wins): these defaults, `instance/config.py`,
`FLASK_*` environment variables, the test config passed to create_app().
"""
import os

# Values that are not secrets: an app started with one of them in production refuses.
PLACEHOLDER_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret", "development"}
MIN_SECRET_KEY_LENGTH = 24


class DefaultConfig:
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # set from the instance path in create_app()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    EFAKTUR_TIMEZONE = "Asia/Jakarta"
    # SQLite: how long a writer waits for another writer before giving up.
    EFAKTUR_SQLITE_BUSY_TIMEOUT_MS = 30_000
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    # Request bodies: a few MB is far above any form; the E-Faktur Files upload has its own limit.
    MAX_CONTENT_LENGTH = 4 * 2**20
    MAIL_SERVER = None  # no mail server: threshold alerts are recorded as not sent
    MAIL_PORT = 25
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "efaktur@localhost"
    EFAKTUR_PUBLIC_URL = None  # base of links in e-mails; the request's host when unset
    # E-Faktur Files: the approved PDFs live in the database, within these limits.
    EFAKTUR_MAX_PDF_BYTES = 5 * 2**20
    EFAKTUR_MAX_UPLOAD_BYTES = 200 * 2**20
    EFAKTUR_MAX_UPLOAD_FILES = 10_000


def default_database_uri(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "efaktur.sqlite")


class InsecureConfigError(RuntimeError):
    pass


def check_production_config(config) -> None:
    """Refuse to serve real users with a guessable secret key."""
    if config.get("TESTING") or config.get("DEBUG"):
        return
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureConfigError(
            "SECRET_KEY is missing or too weak. Set FLASK_SECRET_KEY (at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters) or SECRET_KEY in instance/config.py, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
