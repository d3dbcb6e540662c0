"""The one money parser: both writing styles, and every refusal the issue names."""
from decimal import Decimal

import pytest

from efaktur.rules.money import MAX_RUPIAH, MoneyError, format_quantity, parse_quantity, parse_rupiah


@pytest.mark.parametrize(
    "text", ["15000000", "15.000.000", "15,000,000", " 15000000 ", "Rp 15.000.000", "Rp15,000,000", "rp. 15.000.000"]
)
def test_fifteen_million_in_every_style(text):
    assert parse_rupiah(text) == 15_000_000


@pytest.mark.parametrize(
    "text, value",
    [("0", 0), ("007", 7), ("1.500", 1_500), ("1,500", 1_500), ("999", 999), ("1.500,00", 1_500), ("1,500.00", 1_500),
     ("1500,0", 1_500), (str(MAX_RUPIAH), MAX_RUPIAH)],
)
def test_other_accepted_amounts(text, value):
    assert parse_rupiah(text) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("1500,50", "whole rupiah"),  # never 150,050
        ("1500.50", "whole rupiah"),
        ("1.500,5", "whole rupiah"),
        ("1e3", "without an exponent"),
        ("1E3", "without an exponent"),
        ("1_000", "Use digits"),
        ("١٥٠٠", "digits 0-9"),  # Arabic-Indic digits, which int() would take
        ("１５００", "digits 0-9"),  # full-width digits
        ("-5", "cannot be negative"),
        ("15.000,000", "mixes . and ,"),
        ("1.000.00", "both between thousands and before decimals"),
        ("12.34.567", "not grouped in thousands"),
        ("1234.567", "not grouped in thousands"),
        ("0.500", "more than two decimals"),
        (".5", "digits on both sides"),
        ("5.", "digits on both sides"),
        ("1..000", "digits on both sides"),
        ("15 000", "Use digits"),
        ("", "Enter the amount"),
        ("   ", "Enter the amount"),
        ("Rp", "Enter the amount"),
        ("1" * 5000, "too large"),  # int() of 5,000 digits would raise
        (str(MAX_RUPIAH + 1), "at most"),
        ("1\x00", "Use digits"),
    ],
)
def test_refused_amounts_say_why(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_rupiah(text)


def test_refusal_names_the_field():
    with pytest.raises(MoneyError, match="unit price"):
        parse_rupiah("abc", "unit price")


@pytest.mark.parametrize(
    "text, value",
    [("2", "2"), ("1,5", "1.5"), ("1.5", "1.5"), ("0,25", "0.25"), ("0.01", "0.01"), ("1.000.000", "1000000"),
     ("1,000.5", "1000.5"), ("1.000,5", "1000.5"), ("1555", "1555")],
)
def test_quantities_take_at_most_two_decimals(text, value):
    for mark in (",", ".", None):  # none of these depends on the reader's convention
        assert parse_quantity(text, decimal_mark=mark) == Decimal(value)


@pytest.mark.parametrize(
    "text, message",
    [("0", "above 0"), ("0,00", "above 0"), ("0,1255", "more than two decimals"), ("-1", "negative"), ("1e2", "exponent"),
     ("2_0", "Use digits"), ("1000000001", "at most")],
)
def test_refused_quantities(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_quantity(text)


def test_one_separator_and_three_digits_is_read_by_the_readers_decimal_mark():
    # Indonesian: the comma marks decimals, so 1,555 has three decimals; the point groups thousands.
    with pytest.raises(MoneyError, match="three decimals"):
        parse_quantity("1,555", decimal_mark=",")
    assert parse_quantity("1.555", decimal_mark=",") == Decimal(1555)
    # English: the other way round.
    assert parse_quantity("1,555", decimal_mark=".") == Decimal(1555)
    with pytest.raises(MoneyError, match="three decimals"):
        parse_quantity("1.555", decimal_mark=".")


@pytest.mark.parametrize("text", ["1.000", "1,555", "0,125", "12.500"])
def test_without_a_convention_one_separator_and_three_digits_is_ambiguous(text):
    with pytest.raises(MoneyError, match="can mean"):
        parse_quantity(text)


@pytest.mark.parametrize("value, text", [(Decimal("2.00"), "2"), (Decimal("1.50"), "1.5"), (Decimal("0.25"), "0.25"), (Decimal("1000"), "1000")])
def test_quantities_are_written_without_trailing_zeros(value, text):
    assert format_quantity(value) == text
