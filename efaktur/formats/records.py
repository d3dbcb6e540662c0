"""The plain records the file writers are fed: what one invoice says to the tax office. No Flask.

NamedTuples rather than dataclasses: an export builds 400,000 of them for 100,000 invoices.
Every amount is the one stored by the amount model (amounts.py), in cents; the writers
only format them (the XML to the cent, the desktop CSV in whole rupiah).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from efaktur.rules.facilities import Facility
from efaktur.rules.identity import BuyerIdentity


def one_line(text: str) -> str:
    """A value on one line: the files keep one record per line, so line breaks become spaces."""
    return " ".join(text.split()) if ("\n" in text or "\r" in text) else text


@dataclass(frozen=True)
class Seller:
    npwp: str  # 15 or 16 digits
    location_code: str  # 6 digits; 000000 is the head office
    name: str


class ExportLine(NamedTuple):
    kind: str  # "A" goods, "B" services
    goods_code: str  # 6 digits
    name: str
    unit: str  # DJP unit code, e.g. UM.0018
    unit_price: int  # whole rupiah, before the discount
    quantity: Decimal
    discount: int  # whole rupiah
    tax_base: int  # cents: TaxBase, the line's DPP
    other_tax_base: int  # cents: OtherTaxBase
    vat: int  # cents: VAT


class ExportInvoice(NamedTuple):
    invoice_id: int
    invoice_number: str
    invoice_date: date
    transaction_code: str
    status_digit: str | None  # of the E-Faktur No; None when it holds none
    nsfp: int | None
    buyer: BuyerIdentity
    buyer_country: str
    buyer_name: str
    buyer_address: str
    buyer_email: str
    buyer_branch_code: str  # the 6-digit suffix of the buyer's NITKU
    dpp: int  # cents: the sum of the lines' TaxBase
    dpp_other: int | None  # cents: the sum of their OtherTaxBase, None when the tax base is the DPP
    vat_rate: int
    vat: int  # cents: the sum of the lines' VAT (carried for 07/08 too, where it is not charged)
    facility: Facility
    lines: tuple[ExportLine, ...]

    @property
    def tax_base(self) -> int:
        """Cents: DPP Nilai Lain where it applies, else the DPP."""
        return self.dpp if self.dpp_other is None else self.dpp_other
