"""What an invoice line is for the tax office: goods or services, its code and its unit.

Pure domain code: no Flask. The unit codes are DJP's list of units of measure
(Coretax `Unit`, e.g. UM.0018 "Unit"); the 6-digit goods/services code is `000000`
when the company does not classify its items.
"""

GOODS = "A"
SERVICES = "B"
LINE_KINDS = {GOODS: "Goods", SERVICES: "Services"}

NO_GOODS_CODE = "000000"
DEFAULT_UNIT = "UM.0018"
UNIT_CODES = {
    "UM.0001": "Metric ton",
    "UM.0002": "Wet ton",
    "UM.0003": "Kilogram",
    "UM.0004": "Gram",
    "UM.0005": "Carat",
    "UM.0006": "Kiloliter",
    "UM.0007": "Liter",
    "UM.0008": "Barrel",
    "UM.0009": "MMBTU",
    "UM.0010": "Ampere",
    "UM.0011": "Cubic centimetre",
    "UM.0012": "Square metre",
    "UM.0013": "Metre",
    "UM.0014": "Inch",
    "UM.0015": "Centimetre",
    "UM.0016": "Yard",
    "UM.0017": "Dozen",
    "UM.0018": "Unit",
    "UM.0019": "Set",
    "UM.0020": "Sheet",
    "UM.0021": "Piece",
    "UM.0022": "Box",
    "UM.0023": "Year",
    "UM.0024": "Month",
    "UM.0025": "Week",
    "UM.0026": "Day",
    "UM.0027": "Hour",
    "UM.0028": "Minute",
    "UM.0029": "Percent",
    "UM.0030": "Activity",
    "UM.0031": "Report",
    "UM.0032": "Material",
    "UM.0033": "Other",
}


class GoodsError(ValueError):
    """Why a line's tax classification is not acceptable, for the user."""


def parse_goods_code(text: str | None) -> str:
    code = (text or "").strip()
    if not code:
        return NO_GOODS_CODE
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise GoodsError("The goods/services code is 6 digits; 000000 when there is none.")
    return code


def parse_unit(text: str | None) -> str:
    code = (text or "").strip().upper() or DEFAULT_UNIT
    if code not in UNIT_CODES:
        raise GoodsError("Choose a unit from the list.")
    return code


def parse_line_kind(text: str | None) -> str:
    kind = (text or "").strip().upper() or GOODS
    if kind not in LINE_KINDS:
        raise GoodsError("Choose goods or services.")
    return kind
