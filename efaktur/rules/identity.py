"""Who a party is for the tax office: NPWP, NIK, passport or other ID, country, business location.

Pure domain code: no Flask. One parser per kind of identifier, used by the invoice and
settings forms, the API and the shell alike.
"""
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from efaktur.language.lang import N_, gettext

NPWP_LENGTHS = (15, 16)
NO_NPWP_15 = "0" * 15
NO_TIN_16 = "0" * 16
HEAD_OFFICE_LOCATION = "000000"
DEFAULT_COUNTRY = "IDN"

# What the forms call the buyer's identification, and what the Coretax XML calls it.
BUYER_TIN = "tin"
BUYER_NIK = "nik"
BUYER_PASSPORT = "passport"
BUYER_OTHER = "other"
BUYER_DOCUMENTS = {
    BUYER_TIN: N_("NPWP"),
    BUYER_NIK: N_("NIK"),
    BUYER_PASSPORT: N_("Passport"),
    BUYER_OTHER: N_("Other ID"),
}
CORETAX_BUYER_DOCUMENT = {
    BUYER_TIN: "TIN",
    BUYER_NIK: "National ID",
    BUYER_PASSPORT: "Passport",
    BUYER_OTHER: "Other ID",
}

_PUNCTUATION = re.compile(r"[.\-\s]")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_ASCII_DIGITS = frozenset("0123456789")


class IdentityError(ValueError):
    """Why an identifier is not acceptable, in words for the user; `field` names the input when known."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _digits(text: str | None) -> str:
    return _PUNCTUATION.sub("", (text or "").strip())


def parse_npwp(text: str | None) -> str:
    """The NPWP's 15 or 16 digits from ``01.234.567.8-901.000`` or plain digits; "" when empty."""
    digits = _digits(text)
    if not digits:
        return ""
    if not set(digits) <= _ASCII_DIGITS or len(digits) not in NPWP_LENGTHS:
        raise IdentityError(gettext("NPWP is 15 or 16 digits, e.g. 01.234.567.8-901.000; leave it empty for a buyer "
                                    "without NPWP."))
    if not digits.strip("0"):
        raise IdentityError(gettext("An NPWP of zeros means no NPWP: leave the field empty instead."))
    return digits


def npwp16(npwp: str) -> str:
    """The 16-digit form the Coretax files use: a 15-digit NPWP gets a leading 0."""
    if len(npwp) == 16:
        return npwp
    if len(npwp) == 15:
        return "0" + npwp
    raise ValueError(f"not an NPWP: {npwp!r}")


def format_npwp(npwp: str) -> str:
    """As DJP writes the NPWP since 2024, whatever its length when typed: 16 digits in fours, a 15-digit NPWP
    with its leading 0 (``01.234.567.8-901.000`` is ``0012 3456 7890 1000``), so that one taxpayer looks the
    same on every invoice; anything else as it is."""
    if len(npwp) in NPWP_LENGTHS and npwp.isdigit():
        full = npwp16(npwp)
        return " ".join(full[i:i + 4] for i in range(0, 16, 4))
    return npwp


def parse_nik(text: str | None) -> str:
    digits = _digits(text)
    if not digits:
        raise IdentityError(gettext("Enter the buyer's NIK (16 digits)."))
    if not set(digits) <= _ASCII_DIGITS or len(digits) != 16 or not digits.strip("0"):
        raise IdentityError(gettext("A NIK is 16 digits, as on the KTP."))
    return digits


def parse_passport(text: str | None) -> str:
    value = (text or "").strip().upper().replace(" ", "")
    if not value:
        raise IdentityError(gettext("Enter the passport number."))
    if not _PASSPORT.fullmatch(value):
        raise IdentityError(gettext("A passport number is 5 to 20 letters A-Z and digits."))
    return value


def parse_other_id(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise IdentityError(gettext("Enter the number of the buyer's ID."))
    if len(value) > 40 or not value.isprintable() or not value.isascii():
        raise IdentityError(gettext("The ID number is at most 40 letters, digits and punctuation."))
    return value


def parse_location_code(text: str | None) -> str:
    """The 6-digit business-location code of a NITKU; empty means the head office."""
    digits = (text or "").strip()
    if not digits:
        return HEAD_OFFICE_LOCATION
    if len(digits) != 6 or not set(digits) <= _ASCII_DIGITS:
        raise IdentityError(gettext("The business-location code is 6 digits; 000000 is the head office."))
    return digits


@dataclass(frozen=True)
class BuyerIdentity:
    document: str  # a key of BUYER_DOCUMENTS
    npwp: str  # 15/16 digits, or "" (none, or identified otherwise)
    number: str  # the NIK, passport or other ID number; "" for an NPWP

    def __post_init__(self):
        if self.document not in BUYER_DOCUMENTS:
            raise ValueError(f"unknown buyer document {self.document!r}")


def parse_buyer_identity(document: str | None, npwp_text: str | None, number_text: str | None) -> BuyerIdentity:
    """The buyer's identification; an IdentityError's `field` is "buyer_document", "npwp" or "buyer_id_number"."""
    document = document or BUYER_TIN
    if document not in BUYER_DOCUMENTS:
        raise IdentityError(gettext("Choose how the buyer is identified."), "buyer_document")
    try:
        if document == BUYER_TIN:
            return BuyerIdentity(BUYER_TIN, parse_npwp(npwp_text), "")
        parser = {BUYER_NIK: parse_nik, BUYER_PASSPORT: parse_passport, BUYER_OTHER: parse_other_id}[document]
        return BuyerIdentity(document, "", parser(number_text))
    except IdentityError as error:
        raise IdentityError(str(error), "npwp" if document == BUYER_TIN else "buyer_id_number") from None


def lacks_domestic_identity(document: str, npwp: str, country: str) -> bool:
    """Whether a buyer in Indonesia has neither NPWP nor NIK, which no tax invoice may have.

    NPWP 000 is for foreign buyers only (DJP's helpdesk, DDTCNews 7 Aug 2024); a domestic
    person without NPWP is identified by the NIK (the desktop CSV writes it in the NPWP
    column, Coretax as National ID).
    """
    return country == DEFAULT_COUNTRY and not ((document == BUYER_TIN and npwp) or document == BUYER_NIK)


def domestic_identity_warning() -> str:
    return gettext("A buyer in Indonesia needs an NPWP, or the NIK of a person without one: the tax office's files "
                   "refuse this invoice until one is filled in.")


@cache
def countries(language: str = "en") -> dict[str, str]:
    """ISO 3166 alpha-3 code -> the country's name in `language` ('en' or 'id'), Indonesia first."""
    import gettext as catalogues

    import pycountry

    translate = catalogues.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True).gettext
    names = {c.alpha_3: translate(getattr(c, "common_name", None) or c.name) for c in pycountry.countries}
    if language != "en":  # a common name without a translation: the official one may have one
        for c in pycountry.countries:
            common = getattr(c, "common_name", None)
            if common and names[c.alpha_3] == common:
                names[c.alpha_3] = translate(c.name)
    ordered = {DEFAULT_COUNTRY: names.pop(DEFAULT_COUNTRY)}
    ordered.update(sorted(names.items(), key=lambda item: item[1]))
    return ordered


def parse_country(code: str | None) -> str:
    code = (code or "").strip().upper() or DEFAULT_COUNTRY
    if code not in countries():
        raise IdentityError(gettext("Choose the buyer's country from the list."))
    return code


def npwp_forms(npwp: str) -> tuple[str, ...]:
    """Every way one taxpayer's NPWP may be stored: its 16 digits, and for a 15-digit NPWP (the 16 with a
    leading 0) those 15 too. Empty for no NPWP."""
    if len(npwp) not in NPWP_LENGTHS or not npwp.isdigit():
        return ()
    full = npwp16(npwp)
    return (full, full[1:]) if full.startswith("0") else (full,)


_NAME_NOISE = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A name as it is compared and found: the same in every letter case and Unicode spelling ("Ĥ" is "ĥ",
    a composed "é" the decomposed one), the same on SQLite and PostgreSQL (whose lower() differ)."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def same_name(first: str, second: str) -> bool:
    """Two spellings of one taxpayer's name: letter case, spaces and punctuation aside ("PT. Maju Jaya" is
    "PT Maju Jaya")."""
    return _NAME_NOISE.sub("", first.casefold()) == _NAME_NOISE.sub("", second.casefold())
