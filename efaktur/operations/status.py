"""The figures an operator watches: the database, the last backup, mail, the version, the data.

One function, `snapshot()`, feeds the Operations page, its JSON for admins and the API's
`GET /api/v1/operations` for a monitoring token. Nothing secret is in it: the mail
password and the database password are never read out, only whether they are set.
"""
import functools
import importlib.metadata
import os
import subprocess
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from efaktur.auth.models import User
from efaktur.extensions import db
from efaktur.files.models import EMAIL_FAILED, EMAIL_SENT, EfakturFile
from efaktur.invoices.models import Invoice
from efaktur.language.lang import gettext
from efaktur.numbers.models import NumberAssignment, NumberRange
from efaktur.operations.backups import POSTGRESQL, SQLITE, database_kind, last_backups
from efaktur.operations.proxy import last_bypass, proxy_hops
from efaktur.settings.models import ThresholdAlert

BACKUP_DUE = timedelta(days=1)  # a last good backup older than this is a warning
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inventory() -> dict[str, int]:
    """What the database holds, as the restore reports it."""
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "ranges": count(NumberRange),
        "invoices": count(Invoice),
        "numbers_held": count(NumberAssignment, NumberAssignment.released_at.is_(None)),
        "files": count(EfakturFile),
        "users": count(User),
    }


def database() -> dict:
    kind, url = database_kind(), db.engine.url
    if kind == SQLITE:
        path = url.database or ""
        size = sum(os.path.getsize(p) for p in (path, path + "-wal") if path and os.path.exists(p))
        return {"kind": "SQLite", "where": path, "size_bytes": size}
    if kind == POSTGRESQL:
        schema = db.session.scalar(text("SELECT current_schema()"))
        # The app's own tables (a shared database may hold others): data, indexes and TOAST.
        size = db.session.scalar(text(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ))
        version = db.session.scalar(text("SHOW server_version")).split()[0]
        return {"kind": f"PostgreSQL {version}", "where": gettext("%(database)s on %(host)s, schema %(schema)s",
                                                                  database=url.database, host=url.host or "localhost",
                                  schema=schema),
                "size_bytes": int(size)}
    return {"kind": kind, "where": "", "size_bytes": None}


def mail() -> dict:
    config = current_app.config
    security = "SSL" if config.get("MAIL_USE_SSL") else "STARTTLS" if config.get("MAIL_USE_TLS") else "none"
    return {
        "server": config.get("MAIL_SERVER"),
        "port": config.get("MAIL_PORT"),
        "security": security,
        "username": config.get("MAIL_USERNAME"),
        "password_set": bool(config.get("MAIL_PASSWORD")),
        "sender": config.get("MAIL_DEFAULT_SENDER"),
        "public_url": config.get("EFAKTUR_PUBLIC_URL"),
    }


def last_emails() -> dict:
    alert = db.session.scalar(select(ThresholdAlert).order_by(ThresholdAlert.at.desc()).limit(1))
    customer = db.session.scalar(
        select(EfakturFile).where(EfakturFile.email_status.in_([EMAIL_SENT, EMAIL_FAILED]))
        .order_by(EfakturFile.email_at.desc()).limit(1)
    )
    return {
        "threshold_alert": None if alert is None else {"at": alert.at, "outcome": alert.outcome, "detail": alert.detail},
        "customer_email": None if customer is None else {
            "at": customer.email_at, "outcome": customer.email_status, "detail": customer.email_error or "",
        },
    }


@functools.cache
def version() -> dict:
    """The package version, and the git revision when the app runs from a checkout."""
    try:
        package = importlib.metadata.version("efaktur")
    except importlib.metadata.PackageNotFoundError:
        package = None
    revision = None
    if os.path.isdir(os.path.join(PROJECT_ROOT, ".git")):
        try:
            revision = subprocess.run(["git", "-C", PROJECT_ROOT, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                      text=True, timeout=5).stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            revision = None
    return {"package": package, "revision": revision}


def backups(now: datetime) -> dict:
    good, failed = last_backups()
    last = None if good is None else {
        "at": good.at, "path": good.path, "host": good.host, "size_bytes": good.size_bytes, "sha256": good.sha256,
    }
    return {
        "last": last,
        "due": good is None or now - good.at > BACKUP_DUE,  # no good backup within a day: a warning
        "failed_since": None if failed is None else {"at": failed.at, "message": failed.message},
    }


def snapshot(now: datetime) -> dict:
    return {
        "proxy": {"hops": proxy_hops(), "bypassed": last_bypass()},
        "database": database(),
        "backups": backups(now),
        "mail": mail(),
        "last_emails": last_emails(),
        "version": version(),
        "data": inventory(),
    }


def without_infrastructure(figures: dict) -> dict:
    """The figures for a read-only API token: whether things are well, not where they are. No file paths or
    hosts, no mail server, account or sender, and no mail server replies (they name addresses)."""
    backups = figures["backups"]
    last = backups["last"] and {**backups["last"], "path": "", "host": ""}
    failure = backups["failed_since"] and {**backups["failed_since"], "message": ""}
    bypassed = figures["proxy"]["bypassed"]
    return {
        **figures,
        "proxy": {**figures["proxy"], "bypassed": bypassed and {**bypassed, "address": "", "path": ""}},
        "database": {**figures["database"], "where": ""},
        "backups": {**backups, "last": last, "failed_since": failure},
        "mail": {**figures["mail"], "server": None, "port": None, "username": None, "sender": None},
        "last_emails": {key: value and {**value, "detail": ""} for key, value in figures["last_emails"].items()},
    }
