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

from efaktur.language.lang import gettext

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
        raise MoneyError(gettext("Enter the %(what)s.", what=what))
    for char in text:
        if char in _ASCII_DIGITS or char in _SEPARATORS:
            continue
        if char in "eE":
            raise MoneyError(gettext("Write the %(what)s in full digits, without an exponent (e.g. 15000000).",
                                     what=what))
        if char == "-":
            raise MoneyError(gettext("The %(what)s cannot be negative.", what=what))
        if char.isdigit():
            raise MoneyError(gettext("Use the digits 0-9 for the %(what)s.", what=what))
        raise MoneyError(
            gettext("Use digits for the %(what)s, with . or , only between thousands (e.g. 15.000.000 or 15,000,000).",
                    what=what)
        )
    if text[0] in _SEPARATORS or text[-1] in _SEPARATORS or ".." in text or ",," in text or ".," in text or ",." in text:
        raise MoneyError(gettext("The %(what)s %(text)s is not a number: put digits on both sides of every . or ,.",
                                 what=what, text=text))

    groups = re.split(r"[.,]", text)
    separators = [c for c in text if c in _SEPARATORS]
    fraction = ""
    if separators and len(groups[-1]) in (1, 2):
        fraction = groups.pop()
        decimal_mark = separators.pop()
        if decimal_mark in separators:
            raise MoneyError(
                gettext("The %(what)s %(text)s uses %(decimal_mark)s both between thousands and before decimals; " "write e.g. 1.500.000 or 1,500,000.", what=what, text=text, decimal_mark=decimal_mark)
            )
    if separators:
        if groups[0] == "0":
            raise MoneyError(gettext("The %(what)s %(text)s has more than two decimals.", what=what, text=text))
        if len(set(separators)) > 1:
            raise MoneyError(gettext("The %(what)s %(text)s mixes . and , between thousands; use one of them.",
                                     what=what, text=text))
        if not 1 <= len(groups[0]) <= 3 or groups[0][0] == "0" or any(len(g) != 3 for g in groups[1:]):
            raise MoneyError(
                gettext("The %(what)s %(text)s is not grouped in thousands: write e.g. 15.000.000, 15,000,000 or "
                        "15000000.", what=what, text=text)
            )
    whole = "".join(groups).lstrip("0") or "0"
    if len(whole) > _MAX_DIGITS:
        raise MoneyError(gettext("The %(what)s is too large.", what=what))
    return whole, fraction


def parse_rupiah(text: str | None, what: str = "amount") -> int:
    """Whole rupiah from ``15000000``, ``15.000.000``, ``15,000,000`` or ``Rp 15.000.000``.

    A zero fraction (``1.500,00``) is accepted; any other fraction is refused.
    """
    whole, fraction = _split(text or "", what)
    if fraction.strip("0"):
        raise MoneyError(
            gettext("The %(what)s is in whole rupiah: %(text)s has a fraction of a rupiah. Leave out the decimals.",
                    what=what, text=text.strip())
        )
    value = int(whole)
    if value > MAX_RUPIAH:
        raise MoneyError(gettext("The %(what)s can be at most %(max_rupiah)s.", what=what, max_rupiah=MAX_RUPIAH))
    return value


def parse_quantity(text: str | None, what: str = "quantity", decimal_mark: str | None = None) -> Decimal:
    """A quantity above zero with at most two decimals: ``2``, ``1,5``, ``1.5``.

    One separator followed by exactly three digits (``1,555``, ``1.000``) groups thousands in
    one convention and marks decimals in the other, so it is read by `decimal_mark`, the
    reader's own: "," (Indonesian: ``1,555`` has three decimals and is refused, ``1.555`` is
    1,555), "." (English: the other way round). Without one (the API, a file) it is refused
    as ambiguous. Everything else reads the same in both.
    """
    stripped = _CURRENCY_PREFIX.sub("", (text or "").strip())
    separators = [c for c in stripped if c in _SEPARATORS]
    if len(separators) == 1 and re.fullmatch(r"[0-9]+[.,][0-9]{3}", stripped):
        mark = separators[0]
        if decimal_mark is None:
            raise MoneyError(gettext(
                "The %(what)s %(text)s can mean %(thousands)s or %(decimals)s: write it without a thousands separator "
                "(e.g. %(plain)s), or with at most two decimals.", what=what, text=stripped,
                thousands=stripped.replace(mark, ""), decimals=stripped.replace(mark, "."),
                plain=stripped.replace(mark, "")))
        if mark == decimal_mark:
            raise MoneyError(gettext(
                "The %(what)s %(text)s has three decimals (%(mark)s is the decimal mark); it takes at most two. A whole "
                "number is written without separators, e.g. %(plain)s.", what=what, text=stripped, mark=mark,
                plain=stripped.replace(mark, "")))
    whole, fraction = _split(text or "", what)
    value = Decimal(f"{int(whole)}.{fraction or '0'}")
    if value <= 0:
        raise MoneyError(gettext("The %(what)s must be above 0.", what=what))
    if value > MAX_QUANTITY:
        raise MoneyError(gettext("The %(what)s can be at most %(max_quantity)s.",
                                 what=what, max_quantity=MAX_QUANTITY))
    return value


def format_quantity(value: Decimal) -> str:
    """``2``, ``1.5``, ``0.25``: no trailing zeros, no exponent, ``.`` as decimal mark (file formats)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
