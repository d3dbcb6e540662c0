"""What an invoice line is for the tax office: goods or services, its code and its unit.

Pure domain code: no Flask. The unit codes are DJP's list of units of measure
(Coretax `Unit`, e.g. UM.0018 "Unit"), UM.0001 to UM.0039 as DJP's January 2026 template
(Converter v1.6, sheet REF-General) and Odoo's unit table list them; older lists stop at
UM.0033. The 6-digit goods/services code is `000000` when the company does not classify
its items.
"""
from efaktur.language.lang import N_, gettext

GOODS = "A"
SERVICES = "B"
LINE_KINDS = {GOODS: N_("Goods"), SERVICES: N_("Services")}

NO_GOODS_CODE = "000000"
DEFAULT_UNIT = "UM.0018"
# DJP's names (Converter v1.6, REF-General; Odoo's 39-row table), and ours for the English interface.
# UM.0034 to UM.0039 are new in DJP's January 2026 list. UM.0014 is "Inches" there (v1.6.1 may say "Inci").
UNIT_CODES = {
    "UM.0001": ("Metrik Ton", "Metric tonne"),
    "UM.0002": ("Wet Ton", "Wet tonne"),
    "UM.0003": ("Kilogram", "Kilogram"),
    "UM.0004": ("Gram", "Gram"),
    "UM.0005": ("Karat", "Carat"),
    "UM.0006": ("Kiloliter", "Kilolitre"),
    "UM.0007": ("Liter", "Litre"),
    "UM.0008": ("Barrel", "Barrel"),
    "UM.0009": ("MMBTU", "MMBTU"),
    "UM.0010": ("Ampere", "Ampere"),
    "UM.0011": ("Sentimeter Kubik", "Cubic centimetre"),
    "UM.0012": ("Meter Persegi", "Square metre"),
    "UM.0013": ("Meter", "Metre"),
    "UM.0014": ("Inches", "Inch"),
    "UM.0015": ("Sentimeter", "Centimetre"),
    "UM.0016": ("Yard", "Yard"),
    "UM.0017": ("Lusin", "Dozen"),
    "UM.0018": ("Unit", "Unit"),
    "UM.0019": ("Set", "Set"),
    "UM.0020": ("Lembar", "Sheet"),
    "UM.0021": ("Piece", "Piece"),
    "UM.0022": ("Boks", "Box"),
    "UM.0023": ("Tahun", "Year"),
    "UM.0024": ("Bulan", "Month"),
    "UM.0025": ("Minggu", "Week"),
    "UM.0026": ("Hari", "Day"),
    "UM.0027": ("Jam", "Hour"),
    "UM.0028": ("Menit", "Minute"),
    "UM.0029": ("Persen", "Percent"),
    "UM.0030": ("Kegiatan", "Activity"),
    "UM.0031": ("Laporan", "Report"),
    "UM.0032": ("Bahan", "Material"),
    "UM.0033": ("Lainnya", "Other"),
    "UM.0034": ("Meter Kubik", "Cubic metre"),
    "UM.0035": ("Sentimeter Persegi", "Square centimetre"),
    "UM.0036": ("Drum", "Drum"),
    "UM.0037": ("Karton", "Carton"),
    "UM.0038": ("Kwh", "Kilowatt-hour"),
    "UM.0039": ("Roll", "Roll"),
}


def unit_name(code: str, language: str) -> str:
    """A unit as the reader reads it: DJP's own name in Indonesian, ours in English; the code if unknown."""
    names = UNIT_CODES.get(code)
    if names is None:
        return code
    return names[0] if language == "id" else names[1]


class GoodsError(ValueError):
    """Why a line's tax classification is not acceptable, for the user."""


def parse_goods_code(text: str | None) -> str:
    code = (text or "").strip()
    if not code:
        return NO_GOODS_CODE
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise GoodsError(gettext("The goods/services code is 6 digits; 000000 when there is none."))
    return code
