"""DJP's facility lists for codes 07 and 08: versioned, paired by number, parsed strictly. Pure."""
import pytest

from efaktur.rules.facilities import (
    ADD_INFO,
    CURRENT_LIST,
    LIST_2025,
    LIST_SOURCES,
    STAMPS,
    FacilityError,
    add_info_choices,
    desktop_additional_info,
    facility_label,
    paired_stamp,
    parse_custom_doc_period,
    parse_facility,
    stamp_choices,
    text_of,
)


def test_the_current_list_is_djps_january_2026_one_with_its_source():
    assert CURRENT_LIST == "2026-01" and "v1.6" in LIST_SOURCES[CURRENT_LIST]
    assert (len(add_info_choices("07", "id")), len(stamp_choices("07", "id"))) == (31, 31)
    assert (len(add_info_choices("08", "id")), len(stamp_choices("08", "id"))) == (10, 10)
    # The 2025 launch list stops at 27 for code 07.
    assert (len(add_info_choices("07", "id", LIST_2025)), len(stamp_choices("07", "id", LIST_2025))) == (27, 27)


def test_a_code_means_different_things_under_07_and_08():
    assert ADD_INFO["07"]["TD.00501"].text == "untuk Kawasan Bebas"
    assert ADD_INFO["08"]["TD.00501"].text == "untuk BKP dan JKP Tertentu"


def test_texts_that_changed_keep_their_2025_wording():
    entry = ADD_INFO["07"]["TD.00513"]
    assert entry.text.endswith("Tahun Anggaran 2025") and text_of(entry, LIST_2025).endswith("Tahun Anggaran 2021")
    assert text_of(STAMPS["07"]["TD.01127"], LIST_2025) == "PPN ditanggung Pemerintah berdasarkan PMK Nomor 38 Tahun 2023"
    assert text_of(ADD_INFO["08"]["TD.00503"], LIST_2025) == ADD_INFO["08"]["TD.00503"].text


def test_the_purpose_and_the_stamp_are_the_right_way_round():
    """DJP's January 2026 template: purposes ("untuk ...") under Keterangan Tambahan, legal bases under Cap Fasilitas."""
    assert all(e.text.startswith(("untuk", "Penyerahan", "Insentif", "Kawasan", "PPN", "BKP")) for e in ADD_INFO["07"].values())
    assert STAMPS["07"]["TD.01105"].text == "(Tidak ada Cap)" and STAMPS["08"]["TD.01107"].text == "(tanpa cap)"
    assert "PP Nomor 71 Tahun 2012" in STAMPS["07"]["TD.01104"].text  # avtur's regulation, paired with TD.00504


def test_the_stamp_is_proposed_by_the_facilitys_number():
    assert paired_stamp("07", "TD.00502") == "TD.01102"
    assert paired_stamp("07", "TD.00531") == "TD.01131"
    assert paired_stamp("08", "TD.00531") is None  # 08 has no 31st


def test_the_desktop_number_is_nn_without_its_leading_zero():
    assert desktop_additional_info("07", "TD.00501") == "1"
    assert desktop_additional_info("08", "TD.00510") == "10"


def test_labels_in_both_languages():
    assert facility_label("07", "TD.00504", "id") == "TD.00504 - untuk Avtur"
    assert facility_label("07", "TD.00504", "en") == "TD.00504 - for aviation fuel (avtur)"
    assert facility_label("08", "TD.01104", "en") == "TD.01104 - (no stamp)"
    assert facility_label("08", "TD.09999", "en") == "TD.09999"  # unknown: shown as stored


def test_parse_facility():
    assert parse_facility("04", "TD.00501", "TD.01101").empty  # other codes carry none
    facility = parse_facility("07", " td.00502 ", "TD.01102", "PEB-1", "06/2026")
    assert (facility.add_info, facility.stamp, facility.custom_doc, facility.custom_doc_period) == (
        "TD.00502", "TD.01102", "PEB-1", "062026")
    for args, field in [(("07", "", "TD.01102"), "add_info"), (("07", "TD.00502", ""), "facility_stamp"),
                        (("08", "TD.00511", "TD.01101"), "add_info"), (("08", "TD.00501", "TD.01131"), "facility_stamp"),
                        (("07", "TD.00502", "TD.01102", "x" * 101), "custom_doc"),
                        (("07", "TD.00502", "TD.01102", "A\x00B"), "custom_doc")]:
        with pytest.raises(FacilityError) as error:
            parse_facility(*args)
        assert error.value.field == field, args


@pytest.mark.parametrize("text, value", [("062026", "062026"), ("06/2026", "062026"), ("2026-06", "062026"), ("", "")])
def test_the_supporting_documents_period(text, value):
    assert parse_custom_doc_period(text) == value


@pytest.mark.parametrize("text", ["132026", "06-26", "0620261", "abcdef", "061999"])
def test_a_bad_period_is_refused(text):
    with pytest.raises(FacilityError):
        parse_custom_doc_period(text)
