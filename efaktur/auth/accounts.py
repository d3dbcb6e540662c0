"""What an account's e-mail and password must be: one rule for the login form, the Users
page and the command line, so none of them makes an account the others refuse. Pure: no Flask."""
import secrets

from efaktur.language.lang import gettext
from efaktur.rules.emails import EmailError, parse_email
from efaktur.rules.text import text_problem

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200


class AccountError(ValueError):
    """An account's e-mail or password is refused; `field` says which."""

    def __init__(self, message: str, field: str = "email"):
        super().__init__(message)
        self.field = field


def parse_account_email(text: str | None) -> str:
    """The account's login name: a valid address (internal domains such as .local included), lower-case."""
    try:
        return parse_email(text).lower()
    except EmailError as error:
        raise AccountError(str(error), "email") from None


def check_new_password(password: str | None, field: str = "password") -> str:
    """A password someone can type at the login form: 8 to 200 characters, not only spaces."""
    password = password or ""
    if not password.strip():
        raise AccountError(gettext("Enter a password (spaces alone are not one)."), field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(gettext("The password needs at least %(min_password_length)s characters.",
                                   min_password_length=MIN_PASSWORD_LENGTH), field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(gettext("The password can have at most %(max_password_length)s characters.",
                                   max_password_length=MAX_PASSWORD_LENGTH), field)
    if text_problem(password):
        raise AccountError(gettext("The password cannot hold control characters."), field)
    return password


def generate_password() -> str:
    """16 characters from a URL-safe alphabet: shown once, to be changed by its user."""
    return secrets.token_urlsafe(12)
