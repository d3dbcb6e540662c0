"""The amounts of an invoice, exactly as DJP computes them: the one amount model.

Pure domain code: no Flask. Every figure the app shows or writes comes from here: the
New Invoice and Edit forms (and their live totals), the API, the invoice page, the lists,
the desktop CSV and the Coretax XML, the migration and the benchmarks.

Each line on its own, in cents (sen), rounded half up (DJP's converter template, Odoo's
`l10n_id_efaktur_coretax`):

    Harga Jual      = unit price x quantity           (exact: whole rupiah x two decimals)
    TaxBase (DPP)   = Harga Jual - discount           (discount in whole rupiah)
    OtherTaxBase    = TaxBase x 11/12 where the 11/12 basis applies, else TaxBase
    VAT (PPN)       = OtherTaxBase x rate / 100

The invoice's DPP, DPP Nilai Lain and PPN are the sums of its lines; the PPN billed is that
sum in whole rupiah, rounded down (as desktop e-Faktur always did). So a line's VAT is
always its own OtherTaxBase x rate, which Coretax checks on every line, and two lines of
100,000 at code 04 are 11,000.00 each, 22,000 in all: exactly 11% of 200,000.

Rates and bases by the invoice date and transaction code:
- until 31 March 2022: 10% of the price; 1 April 2022 to 31 December 2024: 11% of the price;
- from 1 January 2025 (PMK 131/2024): 12% of the full price for code 01 (luxury goods); for
  every other code 12% of a DPP Nilai Lain of 11/12 of the price (code 04 is the everyday
  case), i.e. effectively 11%;
- codes 07 (VAT not collected) and 08 (exempt): the VAT is computed and carried in the
  files, but not charged: the invoice's total leaves it out.

The desktop CSV is in whole rupiah: `whole_shares` rounds the lines' cents so that they
add up exactly to the invoice's whole-rupiah totals.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from efaktur.language.lang import N_

RATE_11_FROM = date(2022, 4, 1)
RATE_12_FROM = date(2025, 1, 1)
FULL_PRICE_CODES_FROM_2025 = frozenset({"01"})
VAT_NOT_CHARGED_CODES = frozenset({"07", "08"})
CENTS = 100  # sen in a rupiah
# What the VAT is called where it is computed but not charged (DJP's words on the invoice).
VAT_LABELS = {"07": N_("PPN not collected"), "08": N_("PPN exempt")}
VAT_LABEL = N_("PPN")


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (both not negative)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("div_half_up takes a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def price_cents(unit_price: int, quantity: Decimal) -> int:
    """unit price x quantity in cents: exact for whole rupiah and quantities of at most two decimals."""
    exact = Decimal(unit_price) * quantity * CENTS
    if exact != exact.to_integral_value():
        raise ValueError(f"a quantity of at most two decimals, not {quantity}")
    return int(exact)


@dataclass(frozen=True)
class Line:
    """A line as the amounts see it; price before discount, both whole rupiah."""

    item: str
    quantity: Decimal
    unit_price: int
    discount: int = 0

    @property
    def selling_price_cents(self) -> int:
        return price_cents(self.unit_price, self.quantity)

    @property
    def discount_problem(self) -> bool:
        """Whether the discount is more than the price x quantity it comes off."""
        return self.discount < 0 or self.discount * CENTS > self.selling_price_cents


@dataclass(frozen=True)
class LineAmounts:
    """One line's figures, in cents."""

    selling_price: int  # Harga Jual: unit price x quantity
    discount: int  # TotalDiscount / DISKON
    tax_base: int  # TaxBase: the line's DPP
    other_tax_base: int  # OtherTaxBase: its DPP Nilai Lain, or its DPP
    vat: int  # VAT: other_tax_base x rate


@dataclass(frozen=True)
class InvoiceAmounts:
    """An invoice's figures: its lines' and their sums, in cents; the PPN billed in whole rupiah."""

    lines: tuple[LineAmounts, ...]
    rate_percent: int  # 0 without invoice tax
    other_value: bool  # the 11/12 basis applies: DPP Nilai Lain is a figure of its own
    charged: bool  # False for codes 07 and 08 (and without invoice tax)

    @property
    def selling_price(self) -> int:
        return sum(line.selling_price for line in self.lines)

    @property
    def discount(self) -> int:
        return sum(line.discount for line in self.lines)

    @property
    def dpp(self) -> int:
        return sum(line.tax_base for line in self.lines)

    @property
    def dpp_other(self) -> int | None:
        """DPP Nilai Lain, or None when the tax base is the DPP itself."""
        return sum(line.other_tax_base for line in self.lines) if self.other_value else None

    @property
    def tax_base(self) -> int:
        return sum(line.other_tax_base for line in self.lines)

    @property
    def vat(self) -> int:
        """The sum of the lines' VAT, to the cent (carried in the files for 07/08 too)."""
        return sum(line.vat for line in self.lines)

    @property
    def ppn(self) -> int:
        """The PPN billed: the lines' VAT in whole rupiah, rounded down."""
        return billed_ppn(self.vat)

    @property
    def ppn_charged(self) -> int:
        return self.ppn if self.charged else 0

    @property
    def grand_total(self) -> int:
        """What the buyer pays, in cents: DPP plus the PPN billed where it is charged."""
        return self.dpp + self.ppn_charged * CENTS


def billed_ppn(vat_cents: int) -> int:
    return vat_cents // CENTS


def vat_is_charged(transaction_code: str) -> bool:
    return transaction_code not in VAT_NOT_CHARGED_CODES


def uses_other_value(invoice_date: date, transaction_code: str) -> bool:
    """Whether the tax base is 11/12 of the price (from 2025, every code but 01)."""
    return invoice_date >= RATE_12_FROM and transaction_code not in FULL_PRICE_CODES_FROM_2025


def vat_rate(invoice_date: date) -> int:
    if invoice_date >= RATE_12_FROM:
        return 12
    return 11 if invoice_date >= RATE_11_FROM else 10


def line_amounts(line: Line, rate_percent: int, other_value: bool) -> LineAmounts:
    if line.discount_problem:
        raise ValueError(f"a discount of {line.discount} on a line of {line.selling_price_cents} cents")
    selling = line.selling_price_cents
    discount = line.discount * CENTS
    tax_base = selling - discount
    other = div_half_up(tax_base * 11, 12) if other_value else tax_base
    return LineAmounts(selling, discount, tax_base, other, div_half_up(other * rate_percent, 100))


def compute_amounts(invoice_date: date, transaction_code: str, lines: list[Line], tax_enabled: bool = True) -> InvoiceAmounts:
    """The invoice's figures by the rules of its date and transaction code."""
    if not tax_enabled:
        return InvoiceAmounts(tuple(line_amounts(line, 0, False) for line in lines), 0, False, charged=False)
    rate = vat_rate(invoice_date)
    other = uses_other_value(invoice_date, transaction_code)
    return InvoiceAmounts(tuple(line_amounts(line, rate, other) for line in lines), rate, other,
                          vat_is_charged(transaction_code))


def default_transaction_code(invoice_date: date) -> str:
    """New invoices dated 2025 or later default to 04 (11/12 DPP), earlier ones to 01."""
    return "04" if invoice_date >= RATE_12_FROM else "01"


def round_half_up_rupiah(cents: int) -> int:
    return div_half_up(cents, CENTS)


def whole_shares(cents: list[int], total: int) -> list[int]:
    """Each line's cents in whole rupiah, adding up to `total` (whole rupiah) exactly.

    Every line gets its cents rounded down, and the rupiah still missing go one each to the
    lines with the largest remainders (ties to the earlier line): no line moves by a rupiah
    or more from its exact value. `total` must lie between the sum rounded down and that
    plus one rupiah per line (the sum rounded half up, or down, always does).
    """
    floors = [c // CENTS for c in cents]
    short = total - sum(floors)
    if not 0 <= short <= len(cents):
        raise ValueError(f"{total} is not the lines' {sum(cents)} cents in whole rupiah")
    if short:
        by_remainder = sorted(range(len(cents)), key=lambda i: (-(cents[i] % CENTS), i))
        for i in by_remainder[:short]:
            floors[i] += 1
    return floors


def format_cents(cents: int) -> str:
    """12345 -> "123.45": the files' decimal form, `.` as the decimal mark."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), CENTS)
    return f"{sign}{whole}.{rest:02d}"
