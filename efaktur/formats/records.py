"""The plain records the file writers are fed: what one invoice says to the tax office. No Flask.

NamedTuples rather than dataclasses: an export builds 400,000 of them for 100,000 invoices.
"""
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date
from decimal import Decimal

from ..identity import BuyerIdentity
from ..vat import LineTax, split_over_lines


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
    unit_price: int
    quantity: Decimal
    total: int  # quantity x unit price, whole rupiah


class ExportInvoice(NamedTuple):
    invoice_id: int
    invoice_number: str
    invoice_date: date
    transaction_code: str
    status_digit: str | None  # of the E-Faktur No; None when it holds none (code 10)
    nsfp: int | None
    buyer: BuyerIdentity
    buyer_country: str
    buyer_name: str
    buyer_address: str
    buyer_email: str
    dpp: int
    dpp_other: int | None
    vat_rate: int
    ppn: int  # the VAT as computed (carried for 07/08 too, where it is not charged)
    lines: tuple[ExportLine, ...]

    @property
    def tax_base(self) -> int:
        return self.dpp if self.dpp_other is None else self.dpp_other

    def line_taxes(self) -> list[LineTax]:
        """Each line's tax base and VAT; they add up to the invoice's totals exactly."""
        return split_over_lines([line.total for line in self.lines], self.tax_base, self.ppn)
