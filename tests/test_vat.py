"""DPP and PPN by the rules of the invoice date: pure."""
from datetime import date
from decimal import Decimal

import pytest

from efaktur.vat import Line, compute_vat


@pytest.mark.parametrize(
    "day, rate, ppn, dpp_other",
    [
        (date(2022, 3, 31), 10, 100_000, None),
        (date(2022, 4, 1), 11, 110_000, None),
        (date(2024, 12, 31), 11, 110_000, None),
        (date(2025, 1, 1), 12, 110_000, 916_667),
    ],
)
def test_rate_follows_the_invoice_date(day, rate, ppn, dpp_other):
    amounts = compute_vat(day, "04", [Line("x", Decimal(1), 1_000_000)])
    assert (amounts.dpp, amounts.rate_percent, amounts.ppn, amounts.dpp_other) == (1_000_000, rate, ppn, dpp_other)


def test_line_totals_round_half_up_and_ppn_rounds_down():
    lines = [Line("a", Decimal("1.5"), 333), Line("b", Decimal("0.25"), 2)]  # 499.5 -> 500, 0.5 -> 1
    amounts = compute_vat(date(2024, 6, 1), "01", lines)
    assert amounts.dpp == 501
    assert amounts.ppn == 55  # 55.11 rounded down


def test_2025_twelve_percent_on_eleven_twelfths():
    amounts = compute_vat(date(2026, 1, 5), "04", [Line("x", Decimal(3), 1_234_567)])
    assert amounts.dpp == 3_703_701
    assert amounts.dpp_other == 3_395_059  # 3,703,701 * 11/12 = 3,395,059.25
    assert amounts.ppn == 407_407  # 12% of 3,395,059 = 407,407.08


@pytest.mark.parametrize(
    "code, dpp_other, ppn",
    [
        ("04", 91_667, 11_000),  # the reference's worked example: 11/12 of 100,000 at 12%
        ("02", 91_667, 11_000),
        ("03", 91_667, 11_000),
        ("01", None, 12_000),  # luxury goods: 12% of the full price
        ("07", 91_667, 11_000),
        ("08", 91_667, 11_000),
        ("10", 91_667, 11_000),
    ],
)
def test_from_2025_the_code_decides_the_tax_base(code, dpp_other, ppn):
    amounts = compute_vat(date(2026, 11, 3), code, [Line("x", Decimal(1), 100_000)])
    assert (amounts.dpp, amounts.dpp_other, amounts.rate_percent, amounts.ppn) == (100_000, dpp_other, 12, ppn)


@pytest.mark.parametrize("code, charged, total", [("04", True, 111_000), ("07", False, 100_000), ("08", False, 100_000)])
def test_07_and_08_compute_the_vat_but_do_not_charge_it(code, charged, total):
    amounts = compute_vat(date(2026, 11, 3), code, [Line("x", Decimal(1), 100_000)])
    assert amounts.ppn == 11_000  # carried in the files either way
    assert (amounts.charged, amounts.ppn_charged, amounts.grand_total) == (charged, 11_000 if charged else 0, total)


def test_before_2025_every_code_is_on_the_full_price():
    for code in ("01", "04"):
        amounts = compute_vat(date(2024, 6, 1), code, [Line("x", Decimal(1), 100_000)])
        assert (amounts.dpp_other, amounts.rate_percent, amounts.ppn) == (None, 11, 11_000)


def test_without_invoice_tax_nothing_is_computed():
    amounts = compute_vat(date(2026, 1, 1), "04", [Line("x", Decimal(1), 100_000)], tax_enabled=False)
    assert (amounts.dpp, amounts.ppn, amounts.grand_total) == (100_000, 0, 100_000)


def test_new_invoices_dated_2025_or_later_default_to_04():
    from efaktur.vat import default_transaction_code

    assert default_transaction_code(date(2025, 1, 1)) == "04"
    assert default_transaction_code(date(2024, 12, 31)) == "01"
