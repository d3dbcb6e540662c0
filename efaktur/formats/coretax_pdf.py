"""What an approved Coretax PDF says of itself: the invoice's reference and its 17-digit number. Pure: no Flask.

Coretax prints `(Referensi: <RefDesc>)`, our invoice number as the XML carried it, and `Kode dan Nomor Seri
Faktur Pajak: <17 digits>` on every approved e-Faktur; so a PDF can be matched to its invoice by its reference
before its number is known anywhere else. The text is read with pypdf (no external program), page by page up to
a few pages, within pypdf's own limits on what a stream may unpack to.
"""
import io
import logging
import re
from dataclasses import dataclass

from efaktur.language.lang import gettext

MAX_PAGES = 3  # the reference and the number are on the first page; a long invoice's lines follow
_REFERENCE = re.compile(r"\(\s*Referensi\s*:\s*(.*?)\s*\)", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"Kode\s+dan\s+Nomor\s+Seri\s+Faktur\s+Pajak\s*:?\s*([0-9][0-9 .\-]{15,40}[0-9])",
                     re.IGNORECASE)

log = logging.getLogger(__name__)


class PdfUnreadable(ValueError):
    """The PDF's text cannot be read; the message is for the user."""


@dataclass(frozen=True)
class CoretaxPdfText:
    reference: str | None  # as printed, whitespace made single
    number: str | None  # 17 digits, or None when the text has none


def read_text(data: bytes) -> str:
    """The text of the first pages."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged PDF's warnings are ours to put in words
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfUnreadable(gettext("the PDF is protected by a password, so its text cannot be read"))
        return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PAGES])
    except PdfUnreadable:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError,
            NotImplementedError, AssertionError, ZeroDivisionError, UnicodeError) as error:
        log.info("Coretax PDF: pypdf refused it: %s: %s", type(error).__name__, error)
        raise PdfUnreadable(gettext("the PDF cannot be read: it is damaged, or not a PDF as Coretax makes them")) from None


def coretax_text(data: bytes) -> CoretaxPdfText:
    """The reference and the number a Coretax PDF prints; raises PdfUnreadable."""
    text = read_text(data)
    reference = _REFERENCE.search(text)
    number = _NUMBER.search(text)
    digits = re.sub(r"\D", "", number.group(1)) if number else ""
    return CoretaxPdfText(
        " ".join(reference.group(1).split())[:100] if reference else None,
        digits if len(digits) == 17 else None,
    )
