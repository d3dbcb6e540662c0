"""The number inside the name of an approved e-Faktur PDF. Pure: no Flask, no database.

Desktop e-Faktur names its PDFs ``NPWPseller-EFakturNo-NPWPbuyer-AppTimestamp.pdf``
(``022732101075000-0110072225610008-026015362054000-20221103160012.pdf``): the second part
is the 16-digit E-Faktur No (transaction code, status digit, NSFP). Either NPWP may have
15 or 16 digits, so a 16-digit run alone says nothing: the position does. Coretax names
them ``OutputTaxInvoice-<uuid>-<sellerNPWP16>-<17-digit number>-...pdf``: the one run of
exactly 17 digits is the number. A name that is only the number (``010.000-26.00000001.pdf``
or ``0100002600000001.pdf``) is accepted too.
"""
import re
from dataclasses import dataclass

from efaktur.language.lang import gettext
from efaktur.rules.nsfp import (
    INVOICE_TRANSACTION_CODES,
    STATUS_NORMAL,
    STATUS_REPLACEMENT,
    TRANSACTION_CODES,
    format_efaktur_no,
)

DESKTOP = "desktop"
CORETAX = "coretax"
CORETAX_NORMAL_STATUS = "00"

_SEVENTEEN = re.compile(r"(?<!\d)\d{17}(?!\d)")
_SEPARATORS = re.compile(r"[.\-\s_]")


class NameProblem(ValueError):
    """Why no E-Faktur number could be read from a file name, for the user."""


@dataclass(frozen=True)
class PdfNumber:
    kind: str  # DESKTOP (16 digits) or CORETAX (17 digits)
    digits: str
    transaction_code: str
    status: str  # desktop: "0" normal, "1" replacement; Coretax: "00" normal, anything else a replacement
    serial: str  # desktop: the 13-digit NSFP; Coretax: the 13-digit serial

    @property
    def replacement(self) -> bool:
        return self.status not in (STATUS_NORMAL, CORETAX_NORMAL_STATUS)

    @property
    def nsfp(self) -> int:
        if self.kind != DESKTOP:
            raise ValueError(gettext("a Coretax number has no NSFP"))
        return int(self.serial)

    @property
    def label(self) -> str:
        """As people read it: 010.000-26.00000001, or the 17 Coretax digits."""
        if self.kind == DESKTOP:
            return format_efaktur_no(self.transaction_code, self.status, self.nsfp)
        return self.digits


def desktop_number(digits: str) -> PdfNumber:
    """A 16-digit E-Faktur No: code 01-09, status digit 0 or 1, the NSFP."""
    if len(digits) != 16 or not digits.isdigit() or not digits.isascii():
        raise NameProblem(gettext("An E-Faktur No has 16 digits."))
    code, status = digits[:2], digits[2]
    if code not in TRANSACTION_CODES:
        raise NameProblem(gettext("%(digits)s starts with %(code)s, which is no transaction code of an E-Faktur No.",
                                  digits=digits, code=code))
    if status not in (STATUS_NORMAL, STATUS_REPLACEMENT):
        raise NameProblem(gettext("The status digit of %(digits)s is %(status)s; it is 0 (normal) or 1 (replacement).",
                                  digits=digits, status=status))
    return PdfNumber(DESKTOP, digits, code, status, digits[3:])


def coretax_number(digits: str) -> PdfNumber:
    """A 17-digit Coretax number: code 01-10, 2-digit status, 13-digit serial (year first)."""
    digits = (digits or "").strip()
    if len(digits) != 17 or not digits.isdigit() or not digits.isascii():
        raise NameProblem(gettext("A Coretax number has 17 digits, e.g. 04002500037469724."))
    code = digits[:2]
    if code not in INVOICE_TRANSACTION_CODES:
        raise NameProblem(gettext("%(digits)s starts with %(code)s, which is no transaction code.",
                                  digits=digits, code=code))
    return PdfNumber(CORETAX, digits, code, digits[2:4], digits[4:])


def number_in_name(name: str) -> PdfNumber:
    """The E-Faktur No (desktop) or Coretax number in a PDF's file name; raises NameProblem."""
    base = re.split(r"[\\/]", name)[-1]
    if base.lower().endswith(".pdf"):
        base = base[:-4]
    seventeen = set(_SEVENTEEN.findall(base))
    if len(seventeen) > 1:
        raise NameProblem(gettext("the name holds more than one 17-digit number"))
    if seventeen:
        return coretax_number(seventeen.pop())
    parts = base.split("-")
    if len(parts) >= 3 and all(p.isascii() and p.isdigit() for p in parts[:3]) and len(parts[0]) in (15, 16):
        if len(parts[1]) == 16:
            return desktop_number(parts[1])
    only_digits = _SEPARATORS.sub("", base)
    if len(only_digits) == 16 and only_digits.isascii() and only_digits.isdigit():
        return desktop_number(only_digits)
    raise NameProblem(gettext("the name holds no E-Faktur No"))


@dataclass(frozen=True)
class NameParties:
    """The NPWPs a PDF's name carries: the seller's, and the buyer's where the name has one ("" if not)."""

    seller: str
    buyer: str | None  # None: the name has no buyer part; "": an empty one (Coretax names it so for some buyers)


def parties_in_name(name: str) -> NameParties | None:
    """Desktop `NPWPseller-EFakturNo-NPWPbuyer-Timestamp.pdf` and Coretax
    `OutputTaxInvoice-<uuid>-<sellerNPWP16>-<number>-<buyer>.pdf`; None for a name that is only the number."""
    base = re.split(r"[\\/]", name)[-1]
    if base.lower().endswith(".pdf"):
        base = base[:-4]
    parts = base.split("-")
    if len(parts) >= 3 and all(p.isascii() and p.isdigit() for p in parts[:3]) and len(parts[0]) in (15, 16) \
            and len(parts[1]) == 16:
        return NameParties(parts[0], parts[2])
    match = _SEVENTEEN.search(base)
    if match and base.lower().startswith("outputtaxinvoice-"):
        before = base[: match.start()].rstrip("-").rsplit("-", 1)
        after = base[match.end():].lstrip("-").split("-", 1)[0]
        seller = before[-1] if before else ""
        if seller.isascii() and seller.isdigit() and len(seller) in (15, 16):
            return NameParties(seller, after if after.isascii() and after.isdigit() else "")
    return None
