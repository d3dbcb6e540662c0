"""Number parsing, formatting and the rules of a range on its own: pure functions."""
import pytest

from efaktur.rules.nsfp import (
    MAX_RANGE_SIZE,
    NsfpError,
    check_range,
    format_efaktur_no,
    format_nsfp,
    nsfp_digits,
    parse_nsfp,
    ranges_overlap,
)


@pytest.mark.parametrize(
    "text",
    ["000-26.00000001", "0002600000001", " 000-26.00000001 ", "000-2600000001", "00026.00000001"],
)
def test_parse_accepts_with_or_without_punctuation(text):
    assert parse_nsfp(text) == 2600000001


def test_parse_keeps_a_nonzero_prefix():
    assert parse_nsfp("123-26.12345678") == 1232612345678
    assert format_nsfp(1232612345678) == "123-26.12345678"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "Enter a number"),
        ("   ", "Enter a number"),
        ("000-26.0000001", "13 digits"),
        ("000-26.000000001", "13 digits"),
        ("000-26.0000000a", "digits 0-9"),
        ("٠٠٠٢٦٠٠٠٠٠٠٠١", "digits 0-9"),  # Arabic-Indic digits are not accepted
        ("000/26/00000001", "digits 0-9"),
        ("000 26 00000001", "digits 0-9"),
        ("-0002600000001", "Write the number as"),
        ("0002-6.00000001", "Write the number as"),
    ],
)
def test_parse_rejects_with_a_reason(text, reason):
    with pytest.raises(NsfpError, match=reason):
        parse_nsfp(text)


def test_format_always_uses_the_display_form():
    assert format_nsfp(2600000001) == "000-26.00000001"
    assert nsfp_digits(2600000001) == "0002600000001"


def test_efaktur_no_is_code_status_and_nsfp():
    assert format_efaktur_no("01", "0", 2600000001) == "010.000-26.00000001"
    assert format_efaktur_no("07", "1", 1232612345678) == "071.123-26.12345678"
    with pytest.raises(ValueError):
        format_efaktur_no("10", "0", 1)
    with pytest.raises(ValueError):
        format_efaktur_no("01", "2", 1)


def n(text):
    return parse_nsfp(text)


def test_a_good_range_passes():
    assert check_range(2026, n("000-26.00000001"), n("000-26.00000100")).ok


def test_single_number_range_is_allowed():
    assert check_range(2026, n("000-26.00000005"), n("000-26.00000005")).ok


def test_year_digits_must_match_year_period():
    verdict = check_range(2025, n("000-26.00000001"), n("000-26.00000100"))
    assert "Year Period 2025" in verdict.errors["start_number"]


def test_start_and_end_must_share_prefix_and_year():
    assert "same prefix" in check_range(2026, n("000-26.00000001"), n("001-26.00000100")).errors["end_number"]
    assert "same prefix" in check_range(2026, n("000-26.00000001"), n("000-27.00000100")).errors["end_number"]


def test_end_before_start_is_refused():
    assert "before the Start" in check_range(2026, n("000-26.00000100"), n("000-26.00000001")).errors["end_number"]


def test_range_size_limit():
    start = n("000-26.00000001")
    assert check_range(2026, start, start + MAX_RANGE_SIZE - 1).ok
    assert "at most 1,000,000" in check_range(2026, start, start + MAX_RANGE_SIZE).errors["end_number"]


def test_overlap():
    assert ranges_overlap(1, 10, 10, 20)
    assert ranges_overlap(5, 6, 1, 10)
    assert not ranges_overlap(1, 10, 11, 20)
