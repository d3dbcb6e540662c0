"""The one parser for e-mail addresses typed by people (customers, notification recipients).

Pure: no Flask. email-validator checks the syntax and normalises the domain; no DNS
lookups happen here (check_deliverability=False), so a form never waits on the network.
"""
import email_validator
from email_validator import EmailNotValidError, validate_email

from efaktur.language.lang import gettext

MAX_EMAIL_LENGTH = 254

# Small companies run mail on internal domains (finance@company.local): let them through.
# email-validator reads this list at each call and documents changing it for this purpose.
for _internal in ("local",):
    if _internal in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_internal)


class EmailError(ValueError):
    """Why a text is not a usable e-mail address, for the user."""


def _why_not(text: str) -> str:
    """What is wrong with an address email-validator refused, in our words (its own are English only)."""
    if text.count("@") == 0:
        return gettext("An e-mail address has an @ between the name and the domain, e.g. finance@company.co.id.")
    if text.count("@") > 1:
        return gettext("An e-mail address has one @ only, e.g. finance@company.co.id.")
    local, domain = text.split("@")
    if not local:
        return gettext("Type the name before the @, e.g. finance@company.co.id.")
    if not domain:
        return gettext("Type the domain after the @, e.g. finance@company.co.id.")
    try:
        validate_email("a@" + domain, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return gettext("The part after the @ (%(domain)s) is not a domain an e-mail can go to, e.g. company.co.id.",
                       domain=domain)
    return gettext("The part before the @ (%(name)s) has characters an e-mail address cannot have.", name=local)


def parse_email(text: str | None, smtputf8: bool = False) -> str:
    """The normalised address; raises EmailError.

    Non-ASCII before the @ (``bü@example.com``) needs a mail server with SMTPUTF8; without
    one (`smtputf8` False) such an address is refused here rather than failing at every send.
    A non-ASCII domain is fine either way (it travels as punycode).
    """
    text = (text or "").strip()
    if not text:
        raise EmailError(gettext("Enter an e-mail address."))
    if len(text) > MAX_EMAIL_LENGTH:
        raise EmailError(gettext("An e-mail address has at most %(max_email_length)s characters.",
                                 max_email_length=MAX_EMAIL_LENGTH))
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise EmailError(_why_not(text)) from None
    if result.smtputf8 and not smtputf8:
        raise EmailError(
            gettext("This address has letters outside A-Z before the @, which the mail server cannot deliver. " "Use the ASCII form of the address.")
        )
    return result.normalized
