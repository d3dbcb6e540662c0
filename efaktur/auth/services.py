"""Creating accounts and checking credentials."""
import secrets

from ..extensions import db
from .models import ROLE_ADMIN, ROLES, User, normalise_email

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    pass


def create_user(email: str, role: str, password: str) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    if "@" not in email:
        raise AccountError("Enter an e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(db.select(User).filter_by(email=email)):
        raise AccountError(f"An account for {email} exists already.")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
    if user is None or not user.check_password(password):
        return None
    return user


def any_admin() -> User | None:
    return db.session.scalar(db.select(User).filter_by(role=ROLE_ADMIN).order_by(User.id))


def new_password() -> str:
    return secrets.token_urlsafe(12)
