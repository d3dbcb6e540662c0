"""API tokens: made once and shown once, kept only as a SHA-256 hash, revoked at will.

A token is 43 random URL-safe characters after the prefix `efk_`: far too many to guess,
so a plain hash is the right way to keep it (a slow password hash would add nothing but
time to every request). Failed attempts are counted per client address, like logins.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from efaktur.activity.services import record
from efaktur.api.models import ApiToken, token_actor
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.rules.text import text_problem
from efaktur.web.errors import Refused

PREFIX = "efk_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


class TokenRefused(Refused):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def parse_token_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise TokenRefused({"name": gettext("Name the token after the system that uses it, e.g. Online shop.")})
    if len(name) > 100 or text_problem(name):
        raise TokenRefused({"name": gettext("The name is at most 100 letters, digits and punctuation.")})
    return name


def create_token(name: str, read_only: bool, expires_on: date | None, created_by: str, today: date) -> tuple[ApiToken, str]:
    """A new token, and its secret (shown once, never stored)."""
    name = parse_token_name(name)
    if expires_on is not None and expires_on < today:
        raise TokenRefused({"expires_on": gettext("The last day cannot be in the past.")})
    secret = PREFIX + secrets.token_urlsafe(32)
    with write_transaction():
        if db.session.scalar(db.select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))):
            raise TokenRefused({"name": gettext("A token named %(name)s exists already.", name=name)})
        token = ApiToken(
            name=name, token_hash=hash_token(secret), read_only=read_only, created_by=created_by,
            expires_on=expires_on,
        )
        db.session.add(token)
        db.session.flush()
        record("token.created", N_("Created the read-only API token %(name)s.") if read_only else
               N_("Created the read-write API token %(name)s."), subject=f"token:{token.id}", name=name)
    return token, secret


def revoke_token(token_id: int, revoked_by: str) -> ApiToken:
    with write_transaction():
        token = db.session.scalars(db.select(ApiToken).where(ApiToken.id == token_id).with_for_update()).first()
        if token is None:
            raise TokenRefused({"name": gettext("This token no longer exists.")})
        if token.revoked_at is None:
            token.revoked_at, token.revoked_by = utc_now(), revoked_by
            record("token.revoked", N_("Revoked the API token %(name)s; it works no more."), subject=f"token:{token.id}",
                   name=token.name)
    return token


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(db.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)))


@dataclass(frozen=True)
class Caller:
    """The token a request came with, copied out of the session so that commits cannot expire it."""
    id: int
    name: str
    read_only: bool

    @property
    def actor(self) -> str:
        return token_actor(self.name)


@dataclass(frozen=True)
class AuthProblem:
    status: int
    code: str
    message: str
    unknown: bool = False  # no token has this secret: a guess (only these count against the address)


def authenticate(header: str | None, now: datetime, today: date) -> Caller | AuthProblem:
    """The token an `Authorization: Bearer ...` header names, or why not. It works through its
    expiry date (`today` is the company's date)."""
    scheme, _, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return AuthProblem(401, "unauthorized", gettext("Send the API token as 'Authorization: Bearer <token>'."))
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip())))
    if token is None:
        return AuthProblem(401, "unauthorized", gettext("This API token is not known."), unknown=True)
    if token.revoked_at is not None:
        return AuthProblem(401, "unauthorized", gettext("This API token was revoked."))
    if token.expires_on is not None and token.expires_on < today:
        return AuthProblem(401, "unauthorized", gettext("This API token has expired."))
    caller = Caller(token.id, token.name, token.read_only)
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        with write_transaction():
            db.session.execute(db.update(ApiToken).where(ApiToken.id == caller.id).values(last_used_at=now))
    return caller
