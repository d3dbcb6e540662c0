"""The amount model: DJP's figures line by line, to the cent. Pure."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efaktur.rules.amounts import (
    Line,
    compute_amounts,
    default_transaction_code,
    div_half_up,
    format_cents,
    round_half_up_rupiah,
    whole_shares,
)

NOV_2026 = date(2026, 11, 3)


def test_two_lines_of_100000_at_code_04_give_22000_not_21999():
    amounts = compute_amounts(NOV_2026, "04", [Line("a", Decimal(1), 100_000), Line("b", Decimal(1), 100_000)])
    assert [(line.tax_base, line.other_tax_base, line.vat) for line in amounts.lines] == [(10_000_000, 9_166_667, 1_100_000)] * 2
    assert (amounts.dpp, amounts.dpp_other, amounts.vat, amounts.ppn) == (20_000_000, 18_333_334, 2_200_000, 22_000)
    assert amounts.ppn * 100 == 11 * amounts.dpp // 100  # exactly 11% of 200,000


def test_a_discount_comes_off_the_price_before_the_tax():
    (line,) = compute_amounts(NOV_2026, "04", [Line("x", Decimal(1), 100_000, discount=10_000)]).lines
    assert (line.selling_price, line.discount, line.tax_base, line.other_tax_base, line.vat) == (
        10_000_000, 1_000_000, 9_000_000, 8_250_000, 990_000)  # 90,000 / 82,500 / 9,900


def test_a_decimal_quantity_gives_cents():
    amounts = compute_amounts(date(2024, 6, 1), "01", [Line("x", Decimal("1.5"), 33_333)])
    assert amounts.dpp == 4_999_950  # 49,999.50, not 50,000
    assert amounts.vat == 550_000 - 5  # 11% of 49,999.50 = 5,499.9450 -> 5,499.95 (half up)
    assert amounts.ppn == 5_499  # billed: rounded down to whole rupiah


@pytest.mark.parametrize(
    "day, rate, vat, dpp_other",
    [
        (date(2022, 3, 31), 10, 10_000_000, None),
        (date(2022, 4, 1), 11, 11_000_000, None),
        (date(2024, 12, 31), 11, 11_000_000, None),
        (date(2025, 1, 1), 12, 11_000_000, 91_666_667),
    ],
)
def test_the_rate_follows_the_invoice_date(day, rate, vat, dpp_other):
    amounts = compute_amounts(day, "04", [Line("x", Decimal(1), 1_000_000)])
    assert (amounts.dpp, amounts.rate_percent, amounts.vat, amounts.dpp_other) == (100_000_000, rate, vat, dpp_other)


@pytest.mark.parametrize(
    "code, dpp_other, vat",
    [
        ("04", 9_166_667, 1_100_000),  # the reference's worked example: 91,666.67 and 11,000.00
        ("02", 9_166_667, 1_100_000),
        ("03", 9_166_667, 1_100_000),
        ("01", None, 1_200_000),  # luxury goods: 12% of the full price
        ("07", 9_166_667, 1_100_000),
        ("08", 9_166_667, 1_100_000),
        ("10", 9_166_667, 1_100_000),
    ],
)
def test_from_2025_the_code_decides_the_tax_base(code, dpp_other, vat):
    amounts = compute_amounts(NOV_2026, code, [Line("x", Decimal(1), 100_000)])
    assert (amounts.dpp, amounts.dpp_other, amounts.rate_percent, amounts.vat) == (10_000_000, dpp_other, 12, vat)


@pytest.mark.parametrize("code, charged, total", [("04", True, 11_100_000), ("07", False, 10_000_000), ("08", False, 10_000_000)])
def test_07_and_08_compute_the_vat_but_do_not_charge_it(code, charged, total):
    amounts = compute_amounts(NOV_2026, code, [Line("x", Decimal(1), 100_000)])
    assert amounts.ppn == 11_000
    assert (amounts.charged, amounts.ppn_charged, amounts.grand_total) == (charged, 11_000 if charged else 0, total)


def test_without_invoice_tax_nothing_is_computed():
    amounts = compute_amounts(NOV_2026, "04", [Line("x", Decimal(1), 100_000)], tax_enabled=False)
    assert (amounts.dpp, amounts.dpp_other, amounts.vat, amounts.grand_total) == (10_000_000, None, 0, 10_000_000)


def test_a_discount_above_the_price_is_refused():
    assert Line("x", Decimal(2), 100, discount=201).discount_problem
    assert not Line("x", Decimal(2), 100, discount=200).discount_problem
    with pytest.raises(ValueError):
        compute_amounts(NOV_2026, "04", [Line("x", Decimal(2), 100, discount=201)])


def test_new_invoices_dated_2025_or_later_default_to_04():
    assert default_transaction_code(date(2025, 1, 1)) == "04"
    assert default_transaction_code(date(2024, 12, 31)) == "01"


def test_rounding_half_up_in_integers():
    assert [div_half_up(n, 12) for n in (5, 6, 7, 17, 18)] == [0, 1, 1, 1, 2]
    assert round_half_up_rupiah(4_999_950) == 50_000 and round_half_up_rupiah(4_999_949) == 49_999
    assert format_cents(9_166_667) == "91666.67" and format_cents(0) == "0.00" and format_cents(5) == "0.05"


def test_whole_shares_round_each_line_and_add_up():
    assert whole_shares([9_166_667, 9_166_667], 183_333) == [91_667, 91_666]
    assert whole_shares([50, 50], 1) == [1, 0]
    assert whole_shares([99, 99, 99], 3) == [1, 1, 1]
    with pytest.raises(ValueError):
        whole_shares([100], 5)


line_strategy = st.builds(
    Line,
    item=st.just("x"),
    quantity=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10_000), places=2),
    unit_price=st.integers(min_value=0, max_value=10**9),
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(line_strategy, min_size=1, max_size=100),
    day=st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31)),
    code=st.sampled_from(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]),
)
def test_every_line_is_its_own_rate_times_its_base_and_the_invoice_their_sum(lines, day, code):
    amounts = compute_amounts(day, code, lines)
    for line, figures in zip(lines, amounts.lines):
        exact_base = Fraction(line.unit_price) * Fraction(line.quantity) * 100
        assert figures.tax_base == exact_base  # price x quantity is exact in cents
        exact_other = Fraction(figures.tax_base * 11, 12) if amounts.other_value else Fraction(figures.tax_base)
        assert abs(figures.other_tax_base - exact_other) <= Fraction(1, 2)
        assert abs(figures.vat - Fraction(figures.other_tax_base * amounts.rate_percent, 100)) <= Fraction(1, 2)
    assert amounts.dpp == sum(f.tax_base for f in amounts.lines)
    assert amounts.vat == sum(f.vat for f in amounts.lines)
    assert amounts.ppn == amounts.vat // 100


@settings(max_examples=300, deadline=None)
@given(cents=st.lists(st.integers(min_value=0, max_value=10**15), min_size=1, max_size=100), down=st.booleans())
def test_whole_shares_stay_within_a_rupiah_of_each_line(cents, down):
    total = sum(cents) // 100 if down else round_half_up_rupiah(sum(cents))
    shares = whole_shares(cents, total)
    assert sum(shares) == total
    assert all(abs(share * 100 - c) < 100 for share, c in zip(shares, cents))
