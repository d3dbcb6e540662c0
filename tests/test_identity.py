"""Parsers of identifiers: NPWP, NIK, passport, other ID, location code, country; record ids."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from efaktur.rules.identity import (
    IdentityError,
    npwp16,
    parse_buyer_identity,
    parse_country,
    parse_location_code,
    parse_nik,
    parse_npwp,
    parse_passport,
)
from efaktur.rules.ids import MAX_ID, IdsError, compact_ids, parse_id, parse_ids


@pytest.mark.parametrize(
    "text, digits",
    [("01.234.567.8-901.000", "012345678901000"), ("012345678901000", "012345678901000"),
     ("0123 4567 8901 2345", "0123456789012345"), ("", ""), (None, "")],
)
def test_npwp_accepts_15_or_16_digits_with_punctuation(text, digits):
    assert parse_npwp(text) == digits


@pytest.mark.parametrize("text", ["12345", "01.234.567.8-901.00X", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥", "0" * 15, "1" * 17])
def test_npwp_refusals(text):
    with pytest.raises(IdentityError):
        parse_npwp(text)


def test_npwp16_puts_a_zero_before_15_digits():
    assert npwp16("012345678901000") == "0012345678901000"
    assert npwp16("1234567890123456") == "1234567890123456"


def test_nik_passport_and_location_code():
    assert parse_nik("3171 0123 4567 8901") == "3171012345678901"
    with pytest.raises(IdentityError, match="16 digits"):
        parse_nik("12345")
    assert parse_passport(" a1234567 ") == "A1234567"
    with pytest.raises(IdentityError):
        parse_passport("A1<script>")
    assert parse_location_code("") == "000000"
    assert parse_location_code("000123") == "000123"
    with pytest.raises(IdentityError, match="6 digits"):
        parse_location_code("12")


def test_buyer_identity_names_the_field_in_error():
    assert parse_buyer_identity("nik", "", "3171012345678901").number == "3171012345678901"
    assert parse_buyer_identity("tin", "01.234.567.8-901.000", "ignored").npwp == "012345678901000"
    with pytest.raises(IdentityError) as error:
        parse_buyer_identity("nik", "", "")
    assert error.value.field == "buyer_id_number"
    with pytest.raises(IdentityError) as error:
        parse_buyer_identity("tin", "123", "")
    assert error.value.field == "npwp"
    with pytest.raises(IdentityError) as error:
        parse_buyer_identity("fingerprint", "", "")
    assert error.value.field == "buyer_document"


def test_country_is_an_iso_alpha3_code():
    assert parse_country("") == "IDN"
    assert parse_country("sgp") == "SGP"
    with pytest.raises(IdentityError):
        parse_country("Indonesia")


@pytest.mark.parametrize("text, value", [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID)])
def test_ids_that_can_name_a_record(text, value):
    assert parse_id(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "1.0", "1e3", "٣", str(MAX_ID + 1), "9223372036854775808", "9" * 5000, "", None])
def test_ids_that_cannot(text):
    assert parse_id(text) is None


def test_id_lists_take_commas_and_refuse_junk_and_excess():
    assert parse_ids(["3", "1,2", " 2 ", ""], limit=10) == [1, 2, 3]
    with pytest.raises(IdsError, match="not understood"):
        parse_ids(["1", "x"], limit=10)
    with pytest.raises(IdsError, match="At most 3"):
        parse_ids(["1,2,3,4"], limit=3)


@given(st.sets(st.integers(1, 400), max_size=120))
def test_runs_of_ids_read_back_as_the_ids(ids):
    assert parse_ids([compact_ids(ids)], limit=400) == sorted(ids)


def test_runs_of_ids_are_short_and_bounded():
    assert compact_ids([7, 1, 2, 3, 9, 10]) == "1-3,7,9-10"
    assert len(compact_ids(range(1, 100_001))) == len("1-100000")
    assert parse_ids(["5-7", "7"], limit=4) == [5, 6, 7]
    for junk in ("3-1", "1-", "-5", "1-2-3", "1-x", "0-4", f"1-{MAX_ID + 1}"):
        with pytest.raises(IdsError, match="not understood"):
            parse_ids([junk], limit=10)
    with pytest.raises(IdsError, match="At most 10"):  # a run over the limit, however long, is refused at once
        parse_ids([f"1-{MAX_ID}"], limit=10)
    with pytest.raises(IdsError, match="At most 10"):  # so is the same run again and again
        parse_ids(["1-6"] * 1000, limit=10)
