from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from efaktur.extensions import db
from efaktur.language.lang import N_
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime

ROLE_ADMIN = "admin"
ROLE_STAFF = "staff"
ROLES = (ROLE_ADMIN, ROLE_STAFF)
ROLE_LABELS = {ROLE_ADMIN: N_("Admin"), ROLE_STAFF: N_("Staff")}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('admin', 'staff')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default=ROLE_STAFF)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's id: raising it ends every session of the account at once
    # (log out, password changed or reset, deactivated).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The interface's language this user chose ('id' or 'en'); None: the browser's preference.
    language: Mapped[str | None] = mapped_column(String(2))

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login: an inactive account cannot log in
        return self.active

    def get_id(self) -> str:
        """What the session cookie names: "<id>:<session version>:<this login's token>" (the token set at login,
        so that logging out ends this browser's session only)."""
        token = getattr(self, "login_token", None)
        return f"{self.id}:{self.session_version}:{token}" if token else f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        self.session_version += 1


def password_hash_method() -> str:
    """Werkzeug's hash method: scrypt unless configured otherwise (the tests use a cheap one)."""
    return current_app.config.get("EFAKTUR_PASSWORD_HASH_METHOD") or "scrypt"


def normalise_email(email: str) -> str:
    return email.strip().lower()


class LoginThrottle(db.Model):
    """Failed logins of one account or one client address, shared by every worker and machine."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "account:<email>" or "address:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EndedSession(db.Model):
    """A login logged out on its own device (the others go on): its cookie, if copied, opens nothing.

    Kept as long as a session may last (EFAKTUR_SESSION_MAX_DAYS), then dropped.
    """

    __tablename__ = "ended_session"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
