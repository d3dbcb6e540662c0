from .lang import N_, gettext
"""What an invoice line is for the tax office: goods or services, its code and its unit.

Pure domain code: no Flask. The unit codes are DJP's list of units of measure
(Coretax `Unit`, e.g. UM.0018 "Unit"); the 6-digit goods/services code is `000000`
when the company does not classify its items.
"""

GOODS = "A"
SERVICES = "B"
LINE_KINDS = {GOODS: N_("Goods"), SERVICES: N_("Services")}

NO_GOODS_CODE = "000000"
DEFAULT_UNIT = "UM.0018"
UNIT_CODES = {
    "UM.0001": N_("Metric ton"),
    "UM.0002": N_("Wet ton"),
    "UM.0003": N_("Kilogram"),
    "UM.0004": N_("Gram"),
    "UM.0005": N_("Carat"),
    "UM.0006": N_("Kiloliter"),
    "UM.0007": N_("Liter"),
    "UM.0008": N_("Barrel"),
    "UM.0009": N_("MMBTU"),
    "UM.0010": N_("Ampere"),
    "UM.0011": N_("Cubic centimetre"),
    "UM.0012": N_("Square metre"),
    "UM.0013": N_("Metre"),
    "UM.0014": N_("Inch"),
    "UM.0015": N_("Centimetre"),
    "UM.0016": N_("Yard"),
    "UM.0017": N_("Dozen"),
    "UM.0018": N_("Unit"),
    "UM.0019": N_("Set"),
    "UM.0020": N_("Sheet"),
    "UM.0021": N_("Piece"),
    "UM.0022": N_("Box"),
    "UM.0023": N_("Year"),
    "UM.0024": N_("Month"),
    "UM.0025": N_("Week"),
    "UM.0026": N_("Day"),
    "UM.0027": N_("Hour"),
    "UM.0028": N_("Minute"),
    "UM.0029": N_("Percent"),
    "UM.0030": N_("Activity"),
    "UM.0031": N_("Report"),
    "UM.0032": N_("Material"),
    "UM.0033": N_("Other"),
}


class GoodsError(ValueError):
    """Why a line's tax classification is not acceptable, for the user."""


def parse_goods_code(text: str | None) -> str:
    code = (text or "").strip()
    if not code:
        return NO_GOODS_CODE
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise GoodsError(gettext("The goods/services code is 6 digits; 000000 when there is none."))
    return code


def parse_unit(text: str | None) -> str:
    code = (text or "").strip().upper() or DEFAULT_UNIT
    if code not in UNIT_CODES:
        raise GoodsError(gettext("Choose a unit from the list."))
    return code


def parse_line_kind(text: str | None) -> str:
    kind = (text or "").strip().upper() or GOODS
    if kind not in LINE_KINDS:
        raise GoodsError(gettext("Choose goods or services."))
    return kind
