"""Tax-invoice serial numbers (NSFP) and E-Faktur numbers: parsing, formatting, range rules.

Pure domain code: no Flask, no database.

An NSFP is 13 digits, PPP-YY.NNNNNNNN (3-digit prefix, 2-digit year, 8-digit sequence).
Internally an NSFP is the integer of its 13 digits, so a range is an integer interval,
"ascending order" is integer order, and ranges of different prefixes or years can never
look alike. The E-Faktur No of an invoice adds a 2-digit transaction code and a status
digit in front: 010.000-26.00000001.
"""
import re
from dataclasses import dataclass

from efaktur.language.lang import gettext, lazy_gettext

NSFP_DIGITS = 13
SEQUENCE_DIGITS = 8
SEQUENCE_SPAN = 10**SEQUENCE_DIGITS
MAX_RANGE_SIZE = 1_000_000
NSFP_EXAMPLE = "000-26.00000001"

# Codes an E-Faktur No can carry (desktop e-Faktur): the 16-digit number has room for 01-09.
TRANSACTION_CODES = {
    "01": lazy_gettext("01 - To parties that are not VAT collectors"),
    "02": lazy_gettext("02 - To government treasurer collectors"),
    "03": lazy_gettext("03 - To other VAT collectors"),
    "04": lazy_gettext("04 - DPP other value"),
    "05": lazy_gettext("05 - Fixed-amount VAT"),
    "06": lazy_gettext("06 - Other deliveries (incl. tourist VAT refund)"),
    "07": lazy_gettext("07 - VAT not collected"),
    "08": lazy_gettext("08 - VAT exempt"),
    "09": lazy_gettext("09 - Assets (art. 16D)"),
}
# Code 10 exists only in Coretax (from 2025): such an invoice never takes a number from a range.
CORETAX_ONLY_CODE = "10"
INVOICE_TRANSACTION_CODES = {**TRANSACTION_CODES, CORETAX_ONLY_CODE: lazy_gettext("10 - Other deliveries (Coretax only)")}


def takes_range_number(transaction_code: str) -> bool:
    """Whether an invoice of this code is numbered from the NSFP ranges (every code but 10)."""
    return transaction_code != CORETAX_ONLY_CODE
STATUS_NORMAL = "0"
STATUS_REPLACEMENT = "1"

_ASCII_DIGITS = set("0123456789")
# The display form, or the same digits with either punctuation mark left out.
_NSFP_PATTERN = re.compile(r"[0-9]{3}-?[0-9]{2}\.?[0-9]{8}")


class NsfpError(ValueError):
    """The text is not an NSFP; the message says why, for the user."""


def parse_nsfp(text: str) -> int:
    """Return the NSFP as an integer; accepts `000-26.00000001` or `0002600000001`."""
    if text is None:
        raise NsfpError(gettext("Enter a number."))
    text = text.strip()
    if not text:
        raise NsfpError(gettext("Enter a number."))
    digits = text.replace("-", "").replace(".", "")
    if not set(digits) <= _ASCII_DIGITS:
        raise NsfpError(gettext("Use digits 0-9 only, e.g. %(nsfp_example)s.", nsfp_example=NSFP_EXAMPLE))
    if len(digits) != NSFP_DIGITS:
        raise NsfpError(gettext("Enter 13 digits, e.g. %(nsfp_example)s (got %(count)s).",
                                nsfp_example=NSFP_EXAMPLE, count=len(digits)))
    if not _NSFP_PATTERN.fullmatch(text):
        raise NsfpError(gettext("Write the number as %(nsfp_example)s or as 13 digits.", nsfp_example=NSFP_EXAMPLE))
    return int(digits)


def nsfp_digits(number: int) -> str:
    """The 13 digits without punctuation, as in the DJP import file."""
    if not 0 <= number < 10**NSFP_DIGITS:
        raise ValueError(f"not an NSFP: {number!r}")
    return f"{number:013d}"


def nsfp_end_key(number: int) -> str:
    """The 13 digits from the last to the first: searching for the end of a number ("00000123") is then
    searching for the start of this key, which an index answers."""
    return nsfp_digits(number)[::-1]


def format_nsfp(number: int) -> str:
    d = nsfp_digits(number)
    return f"{d[:3]}-{d[3:5]}.{d[5:]}"


def block_of(number: int) -> int:
    """The 5-digit prefix+year that both ends of a range must share."""
    return number // SEQUENCE_SPAN


def year_digits(number: int) -> int:
    return block_of(number) % 100


def format_efaktur_no(transaction_code: str, status_digit: str, number: int) -> str:
    if transaction_code not in TRANSACTION_CODES:
        raise ValueError(f"unknown transaction code {transaction_code!r}")
    if status_digit not in (STATUS_NORMAL, STATUS_REPLACEMENT):
        raise ValueError(f"unknown status digit {status_digit!r}")
    return f"{transaction_code}{status_digit}.{format_nsfp(number)}"


@dataclass(frozen=True)
class RangeCheck:
    """Field errors of a proposed range; empty when the range is acceptable on its own."""

    errors: dict

    @property
    def ok(self) -> bool:
        return not self.errors


def check_range(year: int, start: int, end: int) -> RangeCheck:
    """The rules a range must meet by itself (overlap with others is checked by the caller)."""
    errors: dict[str, str] = {}
    if year_digits(start) != year % 100:
        errors["start_number"] = gettext("The year digits %(digits)s do not match the Year Period %(year)s.",
                                         digits="%02d" % year_digits(start), year=str(year))
    if block_of(start) != block_of(end):
        errors["end_number"] = (
            gettext("Start and End Number must share the same prefix and year digits (%(prefix)s).",
                    prefix=format_nsfp(start)[:6])
        )
    elif end < start:
        errors["end_number"] = gettext("End Number must not be before the Start Number.")
    elif end - start + 1 > MAX_RANGE_SIZE:
        errors["end_number"] = (
            gettext("A range may hold at most %(max_range_size)s numbers; this one holds %(count)s.",
                    max_range_size=MAX_RANGE_SIZE, count=end - start + 1)
        )
    return RangeCheck(errors)


def ranges_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end
