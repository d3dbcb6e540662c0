"""Accounts: creating them, roles, activation, passwords, and checking credentials.

Rules kept here once: the e-mail and password rules of accounts.py for every way in
(Users page, command line); the last active admin is never deactivated or demoted; a
password change or reset and a deactivation end every session of the account at once.
"""
from datetime import timedelta
from functools import cache

from sqlalchemy import func, text
from werkzeug.security import check_password_hash, generate_password_hash

from efaktur.activity.services import record
from efaktur.auth import throttle
from efaktur.auth.accounts import AccountError, check_new_password, generate_password, parse_account_email
from efaktur.auth.models import (
    ROLE_ADMIN,
    ROLE_LABELS,
    ROLES,
    EndedSession,
    User,
    normalise_email,
    password_hash_method,
)
from efaktur.database import is_postgresql, write_transaction
from efaktur.extensions import db
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.web.errors import Refused


class AccountRefused(Refused):
    pass


def _refuse(error: AccountError):
    raise AccountRefused({error.field: str(error)}) from None


def _lock_accounts() -> None:
    """Account changes one at a time, so two admins cannot both demote the other last admin.

    SQLite: the write transaction holds the database lock already.
    """
    if is_postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('efaktur.auth.accounts'))"))


def _locked_user(user_id: int) -> User:
    user = db.session.scalars(
        db.select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if user is None:
        raise AccountRefused({"email": gettext("This account no longer exists.")})
    return user


def _other_active_admins(user_id: int) -> int:
    return db.session.scalar(
        db.select(func.count(User.id)).where(User.role == ROLE_ADMIN, User.active.is_(True), User.id != user_id)
    )


def create_user(email: str, role: str, password: str | None = None) -> tuple[User, str | None]:
    """A new account; with no password a generated one, returned to be shown once."""
    try:
        email = parse_account_email(email)
        generated = None
        if password is None or password == "":
            password = generated = generate_password()
        check_new_password(password)
    except AccountError as error:
        _refuse(error)
    if role not in ROLES:
        raise AccountRefused({"role": gettext("Choose a role: %(roles)s.",
                                              roles=", ".join(gettext(label) for label in ROLE_LABELS.values()))})
    with write_transaction():
        _lock_accounts()
        if db.session.scalar(db.select(User.id).where(User.email == email)):
            raise AccountRefused({"email": gettext("An account for %(email)s exists already.", email=email)})
        user = User(email=email, role=role, active=True, session_version=1)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        record("user.created", N_("Added the admin account %(email)s.") if role == ROLE_ADMIN else
               N_("Added the staff account %(email)s."), subject=f"user:{user.id}", email=email)
    return user, generated


def role_change_problem(user: User, role: str) -> str | None:
    """Why `user` cannot take `role` now (asked before the question, and again under the lock), or None."""
    if user.role == ROLE_ADMIN and role != ROLE_ADMIN and user.active and not _other_active_admins(user.id):
        return gettext("%(email)s is the last active admin; make another admin first.", email=user.email)
    return None


def change_role(user_id: int, role: str) -> User:
    if role not in ROLES:
        raise AccountRefused({"role": gettext("Choose a role: %(roles)s.",
                                              roles=", ".join(gettext(label) for label in ROLE_LABELS.values()))})
    with write_transaction():
        _lock_accounts()
        user = _locked_user(user_id)
        if user.role == role:
            return user
        problem = role_change_problem(user, role)
        if problem:
            raise AccountRefused({"role": problem})
        before = user.role
        user.role = role
        record(
            "user.role",
            N_("%(email)s: %(before)s to %(after)s."),
            subject=f"user:{user.id}", email=user.email, before={"t": ROLE_LABELS[before]}, after={"t": ROLE_LABELS[role]},
        )
    return user


def set_active(user_id: int, active: bool) -> User:
    with write_transaction():
        _lock_accounts()
        user = _locked_user(user_id)
        if user.active == active:
            return user
        if not active and user.role == ROLE_ADMIN and not _other_active_admins(user.id):
            raise AccountRefused({"email": gettext("%(email)s is the last active admin and cannot be deactivated.",
                                                   email=user.email)})
        user.active = active
        if not active:
            user.end_sessions()
        record(
            "user.activated" if active else "user.deactivated",
            N_("Activated the account %(email)s.") if active else N_("Deactivated the account %(email)s; its sessions ended."),
            subject=f"user:{user.id}", email=user.email,
        )
    return user


def reset_password(user_id: int) -> tuple[User, str]:
    """A generated password for the account (shown once); its sessions end."""
    password = generate_password()
    with write_transaction():
        user = _locked_user(user_id)
        user.set_password(password)
        user.end_sessions()
        throttle.unlock(user.email)  # the 429 told them to ask for this: it opens the account again
        record("user.password_reset", N_("Reset the password of %(email)s; its sessions ended."), subject=f"user:{user.id}",
               email=user.email)
    return user, password


def unlock_account(email: str) -> User:
    """Lift the account's login locks (from every address), as an admin does on the Users page or the shell."""
    with write_transaction():
        user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)).with_for_update())
        if user is None:
            raise AccountRefused({"email": gettext("No account for %(email)s.", email=email)})
        cleared = throttle.unlock(user.email)
        if cleared:
            record("user.unlocked", N_("Unlocked the logins of %(email)s."), subject=f"user:{user.id}", email=user.email)
    return user


def change_password(user_id: int, current: str, new: str, confirmation: str) -> User:
    """The user's own change: the current password first. Every session ends, this one too."""
    try:
        check_new_password(new, "new_password")
    except AccountError as error:
        _refuse(error)
    if new != confirmation:
        raise AccountRefused({"confirm_password": gettext("The two new passwords differ.")})
    with write_transaction():
        user = _locked_user(user_id)
        if not user.check_password(current or ""):
            raise AccountRefused({"current_password": gettext("That is not your current password.")})
        user.set_password(new)
        user.end_sessions()
        record("user.password_changed", N_("%(email)s changed their password."), subject=f"user:{user.id}", email=user.email)
    return user


def set_password(email: str, password: str) -> User:
    """The command line's `users set-password`: same rules as the forms; every session ends."""
    try:
        check_new_password(password)
    except AccountError as error:
        _refuse(error)
    with write_transaction():
        user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)).with_for_update())
        if user is None:
            raise AccountRefused({"email": gettext("No account for %(email)s.", email=email)})
        user.set_password(password)
        user.end_sessions()
        throttle.unlock(user.email)
        record("user.password_reset", N_("Set a new password for %(email)s; its sessions ended."), subject=f"user:{user.id}",
               email=user.email)
    return user


@cache
def _timing_hash(method: str) -> str:
    """A hash of the same kind and cost as the real ones, checked when the account does not exist."""
    return generate_password_hash(gettext("an account that does not exist"), method=method)


def authenticate(email: str, password: str) -> User | None:
    """The account these credentials open, or None. An unknown e-mail costs as much as a wrong password."""
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email or "")))
    if user is None:
        check_password_hash(_timing_hash(password_hash_method()), password or "")
        return None
    return user if user.check_password(password or "") else None


def record_login(user_id: int) -> None:
    with write_transaction():
        db.session.execute(db.update(User).where(User.id == user_id).values(last_login_at=utc_now()))


def end_session(user_id: int, token: str, kept_days: int) -> None:
    """Log out of one browser: its login token ends; those older than any session can be are dropped."""
    with write_transaction():
        db.session.execute(db.delete(EndedSession).where(EndedSession.ended_at < utc_now() - timedelta(days=kept_days)))
        if db.session.get(EndedSession, token) is None:
            db.session.add(EndedSession(token=token, user_id=user_id))


def end_sessions(user_id: int) -> None:
    """Log out everywhere: every session cookie of this account stops working."""
    with write_transaction():
        db.session.execute(db.update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


def any_admin() -> User | None:
    return db.session.scalar(
        db.select(User).filter_by(role=ROLE_ADMIN, active=True).order_by(User.id)
    )


def all_users() -> list[User]:
    return list(db.session.scalars(db.select(User).order_by(User.email)))


def remember_language(user_id: int, language: str) -> None:
    """The interface language the user chose, kept on the account for every later login."""
    with write_transaction():
        db.session.execute(db.update(User).where(User.id == user_id).values(language=language))
