"""Throttled logins: failures counted per account and per client address, in the database.

The count lives in the database so that every worker on every machine sees it. Within a
window (15 minutes) an account may fail a few times (5) and an address more (20, an office
shares one address); each failure beyond that locks the key for twice as long as the last
(1, 2, 4 ... minutes, at most an hour). While either key is locked, no password is tried:
the answer is 429 with the time to wait. A successful login clears its account's count.
"""
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, literal
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import utc_now
from ..database import is_postgresql, write_transaction
from ..extensions import db
from ..lang import N_, gettext, ngettext
from ..types import UTCDateTime
from .models import LoginThrottle

log = logging.getLogger(__name__)

FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


@dataclass(frozen=True)
class ThrottleKey:
    key: str
    free_failures: int
    label: str  # for the message: "this account", "your network address"


def keys_for(email: str, address: str) -> list[ThrottleKey]:
    config = current_app.config
    return [
        ThrottleKey(f"account:{email[:250]}", int(config["EFAKTUR_LOGIN_FAILURES_PER_ACCOUNT"]), N_("this account")),
        ThrottleKey(f"address:{address[:250]}", int(config["EFAKTUR_LOGIN_FAILURES_PER_ADDRESS"]), N_("your network address")),
    ]


@dataclass(frozen=True)
class Lock:
    until: datetime
    label: str

    def wait(self, now: datetime) -> str:
        """'3 minutes': how long until the lock ends, rounded up."""
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        return ngettext("%(num)s minute", "%(num)s minutes", minutes)

    def message(self, now: datetime) -> str:
        return gettext("Too many failed logins for %(label)s. Try again in %(wait)s, or ask an admin to reset the "
                       "password.", label=gettext(self.label), wait=self.wait(now))


def current_lock(keys: list[ThrottleKey]) -> Lock | None:
    """The lock in force for any of these keys (the longest), or None."""
    now = utc_now()
    rows = db.session.execute(
        db.select(LoginThrottle.key, LoginThrottle.locked_until).where(
            LoginThrottle.key.in_([k.key for k in keys]), LoginThrottle.locked_until > now
        )
    ).all()
    if not rows:
        return None
    labels = {k.key: k.label for k in keys}
    key, until = max(rows, key=lambda row: row[1])
    return Lock(until, labels[key])


def _insert():
    return postgresql_insert(LoginThrottle) if is_postgresql() else sqlite_insert(LoginThrottle)


def record_failure(keys: list[ThrottleKey]) -> Lock | None:
    """Count one failure on every key; the lock it brings about, if any."""
    now = utc_now()
    window_start = now - timedelta(minutes=int(current_app.config["EFAKTUR_LOGIN_WINDOW_MINUTES"]))
    lock = None
    with write_transaction():
        for key in keys:
            statement = _insert().values(key=key.key, failures=1, window_started_at=now, locked_until=None)
            expired = LoginThrottle.window_started_at < window_start
            statement = statement.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                    "window_started_at": case((expired, literal(now, UTCDateTime())), else_=LoginThrottle.window_started_at),
                },
            ).returning(LoginThrottle.failures)
            failures = db.session.execute(statement).scalar_one()
            beyond = failures - key.free_failures
            if beyond > 0:
                until = now + min(FIRST_LOCK * 2 ** (beyond - 1), LONGEST_LOCK)
                db.session.execute(
                    db.update(LoginThrottle).where(LoginThrottle.key == key.key).values(locked_until=until)
                )
                if lock is None or until > lock.until:
                    lock = Lock(until, key.label)
    return lock


def clear(key: ThrottleKey) -> None:
    with write_transaction():
        db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.key == key.key))
