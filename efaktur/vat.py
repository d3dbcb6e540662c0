"""VAT (PPN) of an invoice from its lines, by the invoice date and the transaction code.

Pure domain code. Amounts are whole rupiah: line totals round half up, the DPP other
value rounds half up, PPN rounds down (DJP truncates the tax to whole rupiah).

- until 31 March 2022: 10% of the price;
- 1 April 2022 to 31 December 2024: 11% of the price;
- from 1 January 2025 (PMK 131/2024): 12% of the full price for code 01 (luxury goods);
  for every other code 12% of a "DPP other value" of 11/12 of the price (code 04 is the
  everyday case), i.e. effectively 11%.
- codes 07 (VAT not collected) and 08 (exempt): the VAT is computed and carried in the
  tax office's files, but not charged: the invoice total leaves it out.

The files want the invoice's totals on its lines too; `split_over_lines` shares a
total over the lines so that they add up to it exactly.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import NamedTuple

RATE_11_FROM = date(2022, 4, 1)
RATE_12_FROM = date(2025, 1, 1)
FULL_PRICE_CODES_FROM_2025 = frozenset({"01"})
VAT_NOT_CHARGED_CODES = frozenset({"07", "08"})


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
    dpp: int  # the price: the sum of the line totals
    dpp_other: int | None  # DPP other value (11/12 of the price), or None when the tax base is the price
    rate_percent: int
    ppn: int  # the VAT as computed, whether charged or not
    charged: bool  # False for codes 07 and 08

    @property
    def tax_base(self) -> int:
        return self.dpp if self.dpp_other is None else self.dpp_other

    @property
    def ppn_charged(self) -> int:
        return self.ppn if self.charged else 0

    @property
    def grand_total(self) -> int:
        return self.dpp + self.ppn_charged


def _whole(amount: Decimal, rounding) -> int:
    return int(amount.quantize(Decimal(1), rounding=rounding))


def vat_is_charged(transaction_code: str) -> bool:
    return transaction_code not in VAT_NOT_CHARGED_CODES


def uses_other_value(invoice_date: date, transaction_code: str) -> bool:
    """Whether the tax base is 11/12 of the price (from 2025, every code but 01)."""
    return invoice_date >= RATE_12_FROM and transaction_code not in FULL_PRICE_CODES_FROM_2025


def vat_rate(invoice_date: date) -> int:
    if invoice_date >= RATE_12_FROM:
        return 12
    return 11 if invoice_date >= RATE_11_FROM else 10


def compute_vat(invoice_date: date, transaction_code: str, lines: list[Line], tax_enabled: bool = True) -> VatAmounts:
    dpp = sum(line.total for line in lines)
    if not tax_enabled:
        return VatAmounts(dpp, None, 0, 0, charged=False)
    rate = vat_rate(invoice_date)
    charged = vat_is_charged(transaction_code)
    if uses_other_value(invoice_date, transaction_code):
        dpp_other = _whole(Decimal(dpp) * 11 / 12, ROUND_HALF_UP)
        return VatAmounts(dpp, dpp_other, rate, _whole(Decimal(dpp_other) * rate / 100, ROUND_DOWN), charged)
    return VatAmounts(dpp, None, rate, _whole(Decimal(dpp) * rate / 100, ROUND_DOWN), charged)


def default_transaction_code(invoice_date: date) -> str:
    """New invoices dated 2025 or later default to 04 (11/12 DPP), earlier ones to 01."""
    return "04" if invoice_date >= RATE_12_FROM else "01"


def share_exactly(total: int, weights: list[int]) -> list[int]:
    """Whole shares of `total` in proportion to `weights` that add up to `total` exactly.

    Largest remainder: every share is its exact proportion rounded down or up, so no
    share is negative and none is more than one rupiah from its exact value. Ties go to
    the earlier line.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("shares of negative amounts")
    weight_sum = sum(weights)
    if not weights:
        if total:
            raise ValueError("nothing to share over")
        return []
    if weight_sum == 0:
        if total:
            raise ValueError(f"cannot share {total} over weights that are all zero")
        return [0] * len(weights)
    # total * w / weight_sum exactly, in integers: the floor and what rounding down left over.
    floors_and_remainders = [divmod(total * w, weight_sum) for w in weights]
    shares = [floor for floor, _ in floors_and_remainders]
    short = total - sum(shares)
    if short:
        by_remainder = sorted(range(len(weights)), key=lambda i: (-floors_and_remainders[i][1], i))
        for i in by_remainder[:short]:
            shares[i] += 1
    return shares


class LineTax(NamedTuple):
    """One line's part of the invoice's tax base and VAT, as the files carry it."""

    tax_base: int  # the line's price total (TaxBase, HARGA_TOTAL)
    other_tax_base: int  # its share of the DPP other value, or the price total (OtherTaxBase, OF DPP)
    vat: int  # its share of the VAT (VAT, OF PPN)


def split_over_lines(line_totals: list[int], tax_base: int, vat: int) -> list[LineTax]:
    """Share an invoice's tax base and VAT over its lines so that the lines add up to them."""
    if len(line_totals) == 1:
        return [LineTax(line_totals[0], tax_base, vat)]
    if sum(line_totals) == tax_base:
        other = line_totals  # the tax base is the price: nothing to share
    else:
        other = share_exactly(tax_base, line_totals)
    vats = share_exactly(vat, other)
    return [LineTax(t, o, v) for t, o, v in zip(line_totals, other, vats)]
