"""VAT (PPN) of an invoice from its lines, by the rules in force on the invoice date.

Pure domain code. Amounts are whole rupiah: line totals round half up, PPN rounds down
(DJP truncates the tax to whole rupiah).

- until 31 March 2022: 10% of the price;
- 1 April 2022 to 31 December 2024: 11% of the price;
- from 1 January 2025: 12% of a "DPP other value" of 11/12 of the price (code 04
  style, non-luxury goods), i.e. effectively 11%.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

RATE_11_FROM = date(2022, 4, 1)
RATE_12_FROM = date(2025, 1, 1)


@dataclass(frozen=True)
class Line:
    item: str
    quantity: Decimal
    unit_price: int

    @property
    def total(self) -> int:
        return int((self.quantity * self.unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class VatAmounts:
    dpp: int  # the price, sum of the line totals
    dpp_other: int | None  # DPP other value (11/12 of the price) from 2025, else None
    rate_percent: int
    ppn: int

    @property
    def tax_base(self) -> int:
        return self.dpp if self.dpp_other is None else self.dpp_other

    @property
    def grand_total(self) -> int:
        return self.dpp + self.ppn


def _whole(amount: Decimal, rounding) -> int:
    return int(amount.quantize(Decimal(1), rounding=rounding))


def compute_vat(invoice_date: date, lines: list[Line]) -> VatAmounts:
    dpp = sum(line.total for line in lines)
    if invoice_date >= RATE_12_FROM:
        dpp_other = _whole(Decimal(dpp) * 11 / 12, ROUND_HALF_UP)
        return VatAmounts(dpp, dpp_other, 12, _whole(Decimal(dpp_other) * 12 / 100, ROUND_DOWN))
    rate = 11 if invoice_date >= RATE_11_FROM else 10
    return VatAmounts(dpp, None, rate, _whole(Decimal(dpp) * rate / 100, ROUND_DOWN))
