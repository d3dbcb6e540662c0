"""Throttled logins that nobody can turn against someone else (OWASP's device cookies), in the database.

Counts live in the database so that every worker on every machine sees them. Each attempt is
counted *before* its password is checked, in one atomic statement (an upsert that returns the
new count): forty guesses sent at once get exactly the free ones checked, never more.

Who is counted depends on the browser:
- A browser that has logged in to this account before carries a signed **device cookie**
  for it. Its attempts count against that device only (`device:<nonce>`): failures from
  anywhere else never lock it out, so an attacker cannot keep the account's own people out.
- Every other attempt counts against the account from that address (`pair:<email>|<address>`,
  a few free failures), the account from anywhere (`account:<email>`, more: guessing from
  many addresses is slowed down), and the address (`address:<address>`, an office shares one).

Within a window (15 minutes) each key has its free attempts; each one beyond locks the key for
twice as long as the last (1, 2, 4 ... minutes, at most an hour). A locked key is refused
without a password check, with the time to wait (and `Retry-After`). A successful login clears
the account's keys (and gives back the address's count). An admin unlocks an account on the
Users page or with `flask users unlock`; a password reset unlocks it too.
"""
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import case, literal, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from efaktur.auth.models import LoginThrottle
from efaktur.database import is_postgresql, write_transaction
from efaktur.extensions import db
from efaktur.language.lang import N_, gettext, ngettext
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime

log = logging.getLogger(__name__)

FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
DEVICE_COOKIE = "efaktur_device"
DEVICE_COOKIE_DAYS = 365
DEVICES_PER_BROWSER = 5  # accounts a browser keeps a device cookie for (a shared office PC)
_DEVICE_SALT = "efaktur.device"


@dataclass(frozen=True)
class ThrottleKey:
    key: str
    free_failures: int
    label: str  # for the message: "this account", "your network address", "this browser"


def _config(name: str) -> int:
    return int(current_app.config[name])


def untrusted_keys(email: str, address: str) -> list[ThrottleKey]:
    """The keys an attempt without this account's device cookie counts against."""
    email, address = email[:250], address[:45]
    return [
        ThrottleKey(f"pair:{email}|{address}", _config("EFAKTUR_LOGIN_FAILURES_PER_ACCOUNT"), N_("this account")),
        ThrottleKey(f"account:{email}", _config("EFAKTUR_LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE"), N_("this account")),
        ThrottleKey(f"address:{address}", _config("EFAKTUR_LOGIN_FAILURES_PER_ADDRESS"), N_("your network address")),
    ]


def device_key(nonce: str) -> ThrottleKey:
    return ThrottleKey(f"device:{nonce[:64]}", _config("EFAKTUR_LOGIN_FAILURES_PER_DEVICE"), N_("this browser"))


# ---- the device cookie --------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def devices_in(cookie: str | None) -> list[dict]:
    """The (email, nonce) entries of a browser's device cookie; [] when it is missing, forged or old."""
    if not cookie or len(cookie) > 4000:
        return []
    try:
        entries = _serializer().loads(cookie, max_age=DEVICE_COOKIE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("e"), str) and isinstance(e.get("n"), str)]


def device_nonce(cookie: str | None, email: str) -> str | None:
    """This browser's device nonce for the account, if it has logged in to it before."""
    for entry in devices_in(cookie):
        if entry["e"] == email:
            return entry["n"]
    return None


def device_cookie_after_login(cookie: str | None, email: str) -> str:
    """The cookie to set after a successful login: this account first (a fresh nonce), then the others."""
    others = [e for e in devices_in(cookie) if e["e"] != email][: DEVICES_PER_BROWSER - 1]
    return _serializer().dumps([{"e": email, "n": secrets.token_urlsafe(16)}] + others)


# ---- locks --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lock:
    until: datetime
    label: str

    def seconds(self, now: datetime) -> int:
        """For Retry-After: whole seconds until the lock ends, at least one."""
        return max(1, math.ceil((self.until - now).total_seconds()))

    def wait(self, now: datetime) -> str:
        """'3 minutes': how long until the lock ends, rounded up."""
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        return ngettext("%(num)s minute", "%(num)s minutes", minutes)

    def message(self, now: datetime, at: str) -> str:
        return gettext("Too many failed logins for %(label)s. Try again in %(wait)s (at %(at)s), or ask an admin to "
                       "unlock the account.", label=gettext(self.label), wait=self.wait(now), at=at)


@dataclass
class Attempt:
    """One login attempt, already counted: refused (`lock`) or to be checked."""

    keys: list[ThrottleKey]
    trusted: bool  # the browser's device cookie for this account
    lock: Lock | None = None
    counted: list[str] = field(default_factory=list)


def _insert():
    return postgresql_insert(LoginThrottle) if is_postgresql() else sqlite_insert(LoginThrottle)


def _locked(keys: list[ThrottleKey], now: datetime) -> Lock | None:
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


def current_lock(keys: list[ThrottleKey]) -> Lock | None:
    """The lock in force for any of these keys (the longest), or None."""
    return _locked(keys, utc_now())


def count(keys: list[ThrottleKey]) -> Lock | None:
    """Count one attempt on every key, atomically; the lock it brings about (or one already in force)."""
    now = utc_now()
    window_start = now - timedelta(minutes=_config("EFAKTUR_LOGIN_WINDOW_MINUTES"))
    lock = None
    with write_transaction():
        locked = _locked(keys, now)
        if locked is not None:  # refused without a write: hammering a lock costs the database nothing
            return locked
        for key in keys:
            statement = _insert().values(key=key.key, failures=1, window_started_at=now, locked_until=None)
            expired = LoginThrottle.window_started_at < window_start
            # Counted only while the key is not locked, decided on the row itself: a concurrent attempt
            # waits for this one's row lock, then sees the lock it set (PostgreSQL; SQLite writes one at a time).
            statement = statement.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                    "window_started_at": case((expired, literal(now, UTCDateTime())), else_=LoginThrottle.window_started_at),
                },
                where=or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            ).returning(LoginThrottle.failures)
            failures = db.session.execute(statement).scalar_one_or_none()
            if failures is None:  # locked meanwhile by a concurrent attempt
                return _locked(keys, now) or Lock(now + FIRST_LOCK, key.label)
            beyond = failures - key.free_failures
            if beyond > 0:
                until = now + min(FIRST_LOCK * 2 ** (beyond - 1), LONGEST_LOCK)
                db.session.execute(
                    db.update(LoginThrottle).where(LoginThrottle.key == key.key).values(locked_until=until)
                )
                if lock is None or until > lock.until:
                    lock = Lock(until, key.label)
    return lock


def begin_attempt(email: str, address: str, cookie: str | None) -> Attempt:
    """Count a login attempt before its password is checked. A browser with this account's device
    cookie counts against its device only (unless that device is locked: then it is a stranger)."""
    nonce = device_nonce(cookie, email)
    if nonce is not None:
        keys = [device_key(nonce)]
        if current_lock(keys) is None:
            attempt = Attempt(keys, trusted=True)
            attempt.lock = count(keys)
            return attempt
    attempt = Attempt(untrusted_keys(email, address), trusted=False)
    attempt.lock = count(attempt.keys)
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The password was right: the account's and the device's counts go; the address gets its attempt back."""
    with write_transaction():
        for key in attempt.keys:
            if key.key.startswith("address:"):
                db.session.execute(db.update(LoginThrottle).where(LoginThrottle.key == key.key, LoginThrottle.failures > 0)
                                   .values(failures=LoginThrottle.failures - 1))
            else:
                db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.key == key.key))


def _account_keys(email: str):
    return or_(LoginThrottle.key == f"account:{email}", LoginThrottle.key.startswith(f"pair:{email}|", autoescape=True))


def unlock(email: str) -> int:
    """Lift every lock of the account (from anywhere). Called inside the caller's transaction; returns
    how many keys were cleared."""
    return db.session.execute(db.delete(LoginThrottle).where(_account_keys(email))).rowcount


def locked_accounts(emails: list[str]) -> dict[str, datetime]:
    """Which of these accounts are locked for strangers now, until when (for the Users page)."""
    now = utc_now()
    found: dict[str, datetime] = {}
    if not emails:
        return found
    rows = db.session.execute(
        db.select(LoginThrottle.key, LoginThrottle.locked_until).where(
            LoginThrottle.locked_until > now, or_(*(_account_keys(e) for e in emails)))
    ).all()
    wanted = set(emails)
    for key, until in rows:
        email = key.removeprefix("account:") if key.startswith("account:") else key[5:].rpartition("|")[0]
        if email in wanted and (email not in found or until > found[email]):
            found[email] = until
    return found


def record_failure(keys: list[ThrottleKey]) -> Lock | None:
    """Count a failure that has happened (an unknown API token): the same counting as a login's."""
    return count(keys)
