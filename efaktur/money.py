"""The one parser for amounts of money and quantities, used by every form, the API and the shell.

Pure domain code: no Flask.

People write fifteen million as ``15000000``, ``15.000.000`` (Indonesian) or
``15,000,000`` (English). The rule that makes both styles safe: a separator followed by
exactly three digits groups thousands; followed by one or two digits it is the decimal
mark. Prices are whole rupiah, so ``1500,50`` or ``1500.50`` is refused with a message,
never read as 150,050. Quantities take at most two decimals. Exponents (``1e3``),
underscores (``1_000``, which Python's ``int`` would take), signs and digits of other
scripts are refused.
"""
import re
from decimal import Decimal

MAX_RUPIAH = 10**13  # ten trillion: far above any one line, far below BIGINT
MAX_QUANTITY = Decimal(1_000_000_000)
_MAX_DIGITS = 16  # longer digit strings are refused before int() sees them

_CURRENCY_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)
_SEPARATORS = ".,"
_ASCII_DIGITS = frozenset("0123456789")


class MoneyError(ValueError):
    """Why a text is not an acceptable amount, in words for the user."""


def _split(text: str, what: str) -> tuple[str, str]:
    """(whole digits, fraction digits) of a number written in either style."""
    text = _CURRENCY_PREFIX.sub("", (text or "").strip())
    if not text:
        raise MoneyError(f"Enter the {what}.")
    for char in text:
        if char in _ASCII_DIGITS or char in _SEPARATORS:
            continue
        if char in "eE":
            raise MoneyError(f"Write the {what} in full digits, without an exponent (e.g. 15000000).")
        if char == "-":
            raise MoneyError(f"The {what} cannot be negative.")
        if char.isdigit():
            raise MoneyError(f"Use the digits 0-9 for the {what}.")
        raise MoneyError(
            f"Use digits for the {what}, with . or , only between thousands (e.g. 15.000.000 or 15,000,000)."
        )
    if text[0] in _SEPARATORS or text[-1] in _SEPARATORS or ".." in text or ",," in text or ".," in text or ",." in text:
        raise MoneyError(f"The {what} {text} is not a number: put digits on both sides of every . or ,.")

    groups = re.split(r"[.,]", text)
    separators = [c for c in text if c in _SEPARATORS]
    fraction = ""
    if separators and len(groups[-1]) in (1, 2):
        fraction = groups.pop()
        decimal_mark = separators.pop()
        if decimal_mark in separators:
            raise MoneyError(
                f"The {what} {text} uses {decimal_mark} both between thousands and before decimals; "
                "write e.g. 1.500.000 or 1,500,000."
            )
    if separators:
        if groups[0] == "0":
            raise MoneyError(f"The {what} {text} has more than two decimals.")
        if len(set(separators)) > 1:
            raise MoneyError(f"The {what} {text} mixes . and , between thousands; use one of them.")
        if not 1 <= len(groups[0]) <= 3 or groups[0][0] == "0" or any(len(g) != 3 for g in groups[1:]):
            raise MoneyError(
                f"The {what} {text} is not grouped in thousands: write e.g. 15.000.000, 15,000,000 or 15000000."
            )
    whole = "".join(groups).lstrip("0") or "0"
    if len(whole) > _MAX_DIGITS:
        raise MoneyError(f"The {what} is too large.")
    return whole, fraction


def parse_rupiah(text: str | None, what: str = "amount") -> int:
    """Whole rupiah from ``15000000``, ``15.000.000``, ``15,000,000`` or ``Rp 15.000.000``.

    A zero fraction (``1.500,00``) is accepted; any other fraction is refused.
    """
    whole, fraction = _split(text or "", what)
    if fraction.strip("0"):
        raise MoneyError(
            f"The {what} is in whole rupiah: {text.strip()} has a fraction of a rupiah. Leave out the decimals."
        )
    value = int(whole)
    if value > MAX_RUPIAH:
        raise MoneyError(f"The {what} can be at most {MAX_RUPIAH:,}.")
    return value


def parse_quantity(text: str | None, what: str = "quantity") -> Decimal:
    """A quantity above zero with at most two decimals: ``2``, ``1,5``, ``1.5``, ``1.000`` (a thousand)."""
    whole, fraction = _split(text or "", what)
    value = Decimal(f"{int(whole)}.{fraction or '0'}")
    if value <= 0:
        raise MoneyError(f"The {what} must be above 0.")
    if value > MAX_QUANTITY:
        raise MoneyError(f"The {what} can be at most {MAX_QUANTITY:,}.")
    return value


def format_quantity(value: Decimal) -> str:
    """``2``, ``1.5``, ``0.25``: no trailing zeros, no exponent, ``.`` as decimal mark (file formats)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
