"""The one parser for e-mail addresses typed by people (customers, notification recipients).

Pure: no Flask. email-validator checks the syntax and normalises the domain; no DNS
lookups happen here (check_deliverability=False), so a form never waits on the network.
"""
from email_validator import EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254


class EmailError(ValueError):
    """Why a text is not a usable e-mail address, for the user."""


def parse_email(text: str | None) -> str:
    """The normalised address; raises EmailError."""
    text = (text or "").strip()
    if not text:
        raise EmailError("Enter an e-mail address.")
    if len(text) > MAX_EMAIL_LENGTH:
        raise EmailError(f"An e-mail address has at most {MAX_EMAIL_LENGTH} characters.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise EmailError(f"Enter a valid e-mail address ({error}).") from None
