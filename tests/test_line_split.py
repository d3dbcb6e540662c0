"""Sharing an invoice's tax base and VAT over its lines: the lines add up to the totals, exactly."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from efaktur.vat import Line, compute_vat, share_exactly, split_over_lines


def test_shares_follow_the_weights_and_add_up():
    assert share_exactly(100, [1, 1, 1]) == [34, 33, 33]
    assert share_exactly(91_667, [100_000]) == [91_667]
    assert share_exactly(0, [0, 0]) == [0, 0]
    assert share_exactly(10, [0, 5]) == [0, 10]


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**13),
    weights=st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=100).filter(lambda w: sum(w) > 0),
)
def test_every_share_is_within_a_rupiah_of_its_exact_value(total, weights):
    shares = share_exactly(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights):
        exact = Fraction(total * weight, sum(weights))
        assert share >= 0 and abs(share - exact) < 1


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
def test_lines_add_up_to_the_invoice_totals(lines, day, code):
    amounts = compute_vat(day, code, lines)
    taxes = split_over_lines([line.total for line in lines], amounts.tax_base, amounts.ppn)
    assert sum(t.tax_base for t in taxes) == amounts.dpp
    assert sum(t.other_tax_base for t in taxes) == amounts.tax_base
    assert sum(t.vat for t in taxes) == amounts.ppn
    assert all(t.other_tax_base >= 0 and t.vat >= 0 for t in taxes)
