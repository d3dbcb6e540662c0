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
    amounts = compute_vat(day, [Line("x", Decimal(1), 1_000_000)])
    assert (amounts.dpp, amounts.rate_percent, amounts.ppn, amounts.dpp_other) == (1_000_000, rate, ppn, dpp_other)


def test_line_totals_round_half_up_and_ppn_rounds_down():
    lines = [Line("a", Decimal("1.5"), 333), Line("b", Decimal("0.25"), 2)]  # 499.5 -> 500, 0.5 -> 1
    amounts = compute_vat(date(2024, 6, 1), lines)
    assert amounts.dpp == 501
    assert amounts.ppn == 55  # 55.11 rounded down


def test_2025_twelve_percent_on_eleven_twelfths():
    amounts = compute_vat(date(2026, 1, 5), [Line("x", Decimal(3), 1_234_567)])
    assert amounts.dpp == 3_703_701
    assert amounts.dpp_other == 3_395_059  # 3,703,701 * 11/12 = 3,395,059.25
    assert amounts.ppn == 407_407  # 12% of 3,395,059 = 407,407.08
