"""The desktop import CSV and the Coretax XML, column by column and element by element. Pure."""
import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from efaktur.formats import coretax_xml, efaktur_csv
from efaktur.formats.records import ExportInvoice, ExportLine, Seller
from efaktur.rules.amounts import Line, compute_amounts
from efaktur.rules.facilities import NO_FACILITY, Facility
from efaktur.rules.identity import BuyerIdentity

SCHEMA = etree.XMLSchema(etree.parse(str(Path(coretax_xml.__file__).with_name(coretax_xml.SCHEMA_FILE))))
SELLER = Seller("012345678901000", "000000", "PT Penjual")
HEADERS = [
    ["FK", "KD_JENIS_TRANSAKSI", "FG_PENGGANTI", "NOMOR_FAKTUR", "MASA_PAJAK", "TAHUN_PAJAK", "TANGGAL_FAKTUR", "NPWP",
     "NAMA", "ALAMAT_LENGKAP", "JUMLAH_DPP", "JUMLAH_PPN", "JUMLAH_PPNBM", "ID_KETERANGAN_TAMBAHAN", "FG_UANG_MUKA",
     "UANG_MUKA_DPP", "UANG_MUKA_PPN", "UANG_MUKA_PPNBM", "REFERENSI", "KODE_DOKUMEN_PENDUKUNG"],
    ["LT", "NPWP", "NAMA", "JALAN", "BLOK", "NOMOR", "RT", "RW", "KECAMATAN", "KELURAHAN", "KABUPATEN", "PROPINSI",
     "KODE_POS", "NOMOR_TELEPON"],
    ["OF", "KODE_OBJEK", "NAMA", "HARGA_SATUAN", "JUMLAH_BARANG", "HARGA_TOTAL", "DISKON", "DPP", "PPN", "TARIF_PPNBM",
     "PPNBM"],
]


def invoice(lines=((Decimal(1), 100_000),), code="04", day=date(2026, 11, 3), buyer=None, nsfp=2600000001, status_digit="0",
            name="PT Pembeli", address="Jl. Thamrin 5\nJakarta", email="tax@pembeli.co.id", number="INV-2026-000001",
            country="IDN", branch="000000", facility=NO_FACILITY, tax=True):
    """An export record as the export reads it: the lines' figures by the amount model. A line is
    (quantity, price) or (quantity, price, discount)."""
    drafts = [Line(f"Item {i + 1}", line[0], line[1], line[2] if len(line) > 2 else 0) for i, line in enumerate(lines)]
    amounts = compute_amounts(day, code, drafts, tax)
    export_lines = tuple(
        ExportLine("A" if i % 2 == 0 else "B", "000000" if i else "123456", d.item, "UM.0018", d.unit_price, d.quantity,
                   d.discount, f.tax_base, f.other_tax_base, f.vat)
        for i, (d, f) in enumerate(zip(drafts, amounts.lines))
    )
    if facility is NO_FACILITY and code in ("07", "08"):
        facility = Facility("TD.00502", "TD.01102")
    return ExportInvoice(
        invoice_id=1, invoice_number=number, invoice_date=day, transaction_code=code, status_digit=status_digit,
        nsfp=nsfp, buyer=buyer or BuyerIdentity("tin", "012345678901001", ""), buyer_country=country, buyer_name=name,
        buyer_address=address, buyer_email=email, buyer_branch_code=branch, dpp=amounts.dpp,
        dpp_other=amounts.dpp_other, vat_rate=amounts.rate_percent, vat=amounts.vat, facility=facility,
        lines=export_lines,
    )


def csv_text(*invoices):
    return "".join(efaktur_csv.write_csv(invoices))


def csv_rows(*invoices):
    return list(csv.reader(io.StringIO(csv_text(*invoices))))


def xml_doc(*invoices, seller=SELLER):
    text = "".join(coretax_xml.write_xml(seller, invoices))
    return text, etree.fromstring(text.encode("utf-8"))


def test_csv_starts_with_the_three_header_lines_every_field_quoted_crlf():
    text = csv_text(invoice())
    assert csv_rows(invoice())[:3] == HEADERS
    first_line = text.split("\r\n")[0]
    assert first_line == ",".join(f'"{h}"' for h in HEADERS[0])
    assert all(line.startswith('"') and line.endswith('"') for line in text.split("\r\n") if line)


def test_csv_normal_invoice_every_fk_and_of_column():
    rows = csv_rows(invoice(lines=((Decimal(2), 1_500_000), (Decimal("1.5"), 100_001))))[3:]
    fk, of1, of2 = rows
    # Line 1: DPP 3,000,000.00, DPP Nilai Lain 2,750,000.00, VAT 330,000.00. Line 2: 1.5 x 100,001 = 150,001.50,
    # 11/12 = 137,501.375 -> 137,501.38, VAT 16,500.1656 -> 16,500.17. FK: DPP Nilai Lain 2,887,501.38 -> 2,887,501,
    # PPN 346,500.17 billed 346,500; the OF rows are the lines in whole rupiah and add up to FK.
    assert fk == ["FK", "04", "0", "0002600000001", "11", "2026", "3/11/2026", "012345678901001", "PT Pembeli",
                  "Jl. Thamrin 5 Jakarta", "2887501", "346500", "0", "", "0", "0", "0", "0", "INV-2026-000001", "0"]
    assert of1 == ["OF", "123456", "Item 1", "1500000", "2", "3000000", "0", "2750000", "330000", "0", "0"]
    assert of2 == ["OF", "", "Item 2", "100001", "1.5", "150002", "0", "137501", "16500", "0", "0"]
    assert int(of1[7]) + int(of2[7]) == int(fk[10]) and int(of1[8]) + int(of2[8]) == int(fk[11])


def test_csv_two_lines_of_100000_at_code_04_give_22000():
    fk, of1, of2 = csv_rows(invoice(lines=((Decimal(1), 100_000), (Decimal(1), 100_000))))[3:]
    assert (fk[10], fk[11]) == ("183333", "22000")
    assert (of1[7], of1[8], of2[7], of2[8]) == ("91667", "11000", "91666", "11000")


def test_csv_writes_the_discount_and_the_price_before_it():
    fk, of = csv_rows(invoice(lines=((Decimal(1), 100_000, 10_000),)))[3:]
    assert of[3:9] == ["100000", "1", "100000", "10000", "82500", "9900"]
    assert (fk[10], fk[11]) == ("82500", "9900")


def test_csv_nik_buyer_has_the_nik_in_the_npwp_column():
    nik = BuyerIdentity("nik", "", "3171012345678901")
    fk = csv_rows(invoice(buyer=nik, name="Budi Santoso"))[3]
    assert fk[7:9] == ["3171012345678901", "Budi Santoso"]


@pytest.mark.parametrize("buyer", [BuyerIdentity("tin", "", ""), BuyerIdentity("passport", "", "A1234567"),
                                   BuyerIdentity("other", "", "KITAS 99")])
def test_csv_foreign_buyer_without_npwp_or_nik_has_15_zeros(buyer):
    fk = csv_rows(invoice(buyer=buyer, name="Tokyo Trading", country="JPN"))[3]
    assert fk[7:9] == ["000000000000000", "Tokyo Trading"]


@pytest.mark.parametrize("buyer", [BuyerIdentity("tin", "", ""), BuyerIdentity("passport", "", "A1234567")])
def test_csv_and_xml_refuse_a_domestic_buyer_without_npwp_or_nik(buyer):
    with pytest.raises(ValueError):
        csv_text(invoice(buyer=buyer))
    with pytest.raises(ValueError):
        xml_doc(invoice(buyer=buyer))


def test_csv_code_07_carries_the_vat_that_is_not_charged_and_its_facility():
    fk, of = csv_rows(invoice(code="07", nsfp=2400000009, day=date(2024, 11, 3)))[3:]
    assert fk == ["FK", "07", "0", "0002400000009", "11", "2024", "3/11/2024", "012345678901001", "PT Pembeli",
                  "Jl. Thamrin 5 Jakarta", "100000", "11000", "0", "2", "0", "0", "0", "0", "INV-2026-000001", "0"]
    assert of == ["OF", "123456", "Item 1", "100000", "1", "100000", "0", "100000", "11000", "0", "0"]


def test_csv_code_08_writes_the_facility_number_without_its_leading_zero():
    fk = csv_rows(invoice(code="08", facility=Facility("TD.00510", "TD.01110")))[3]
    assert fk[13] == "10"


def test_csv_replacement_status_digit_and_older_dates_without_zero_padding():
    fk = csv_rows(invoice(status_digit="1", day=date(2024, 3, 5), code="01", nsfp=2400000123))[3]
    assert fk[1:7] == ["01", "1", "0002400000123", "3", "2024", "5/3/2024"]
    assert fk[10:12] == ["100000", "11000"]  # 2024: 11% of the full price


def test_csv_worked_example_of_the_reference():
    fk, of = csv_rows(invoice())[3:]
    assert (fk[10], fk[11]) == ("91667", "11000")
    assert (of[5], of[7], of[8]) == ("100000", "91667", "11000")


def test_csv_quotes_and_commas_inside_values_survive():
    rows = csv_rows(invoice(name='PT "A", B', address="Jl. 1, RT 2"))
    assert rows[3][8:10] == ['PT "A", B', "Jl. 1, RT 2"]


def test_csv_refuses_an_invoice_without_a_number():
    with pytest.raises(ValueError):
        csv_text(invoice(nsfp=None, status_digit=None))


def _el(node, name):
    return node.find(name).text or ""


def test_xml_worked_example_and_schema():
    text, doc = xml_doc(invoice())
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<TaxInvoiceBulk ')
    assert 'xsi:noNamespaceSchemaLocation="TaxInvoice.xsd"' in text
    SCHEMA.assertValid(doc)
    assert _el(doc, "TIN") == "0012345678901000"
    (tax_invoice,) = doc.find("ListOfTaxInvoice")
    (good,) = tax_invoice.find("ListOfGoodService")
    assert [(child.tag, child.text or "") for child in good] == [
        ("Opt", "A"), ("Code", "123456"), ("Name", "Item 1"), ("Unit", "UM.0018"), ("Price", "100000.00"), ("Qty", "1"),
        ("TotalDiscount", "0.00"), ("TaxBase", "100000.00"), ("OtherTaxBase", "91666.67"), ("VATRate", "12"),
        ("VAT", "11000.00"), ("STLGRate", "0"), ("STLG", "0.00"),
    ]


def _goods(doc):
    return [{child.tag: child.text or "" for child in good} for good in doc.iter("GoodService")]


def test_xml_two_lines_of_100000_at_code_04_are_11000_each():
    _, doc = xml_doc(invoice(lines=((Decimal(1), 100_000), (Decimal(1), 100_000))))
    SCHEMA.assertValid(doc)
    assert [(g["TaxBase"], g["OtherTaxBase"], g["VAT"]) for g in _goods(doc)] == [("100000.00", "91666.67", "11000.00")] * 2


def test_xml_discount_and_decimal_quantity_to_the_cent():
    _, doc = xml_doc(invoice(lines=((Decimal(1), 100_000, 10_000), (Decimal("1.5"), 33_333))))
    SCHEMA.assertValid(doc)
    first, second = _goods(doc)
    assert (first["Price"], first["TotalDiscount"], first["TaxBase"], first["OtherTaxBase"], first["VAT"]) == (
        "100000.00", "10000.00", "90000.00", "82500.00", "9900.00")
    assert (second["Qty"], second["TaxBase"]) == ("1.5", "49999.50")


@pytest.mark.parametrize("code, add_info, stamp", [("07", "TD.00502", "TD.01102"), ("08", "TD.00510", "TD.01110")])
def test_xml_codes_07_and_08_carry_their_facility(code, add_info, stamp):
    facility = Facility(add_info, stamp, "PEB-123/2026", "062026")
    _, doc = xml_doc(invoice(code=code, facility=facility))
    SCHEMA.assertValid(doc)
    node = doc.find("ListOfTaxInvoice/TaxInvoice")
    assert [_el(node, n) for n in ("AddInfo", "FacilityStamp", "CustomDoc", "CustomDocMonthYear")] == [
        add_info, stamp, "PEB-123/2026", "062026"]


def test_xml_other_codes_carry_no_facility():
    _, doc = xml_doc(invoice(code="04", facility=Facility("TD.00502", "TD.01102")))
    node = doc.find("ListOfTaxInvoice/TaxInvoice")
    assert [_el(node, n) for n in ("AddInfo", "FacilityStamp")] == ["", ""]


def test_xml_buyer_branch_goes_into_its_idtku():
    _, doc = xml_doc(invoice(branch="000123"))
    assert _el(doc.find("ListOfTaxInvoice/TaxInvoice"), "BuyerIDTKU") == "0012345678901001000123"


def test_xml_tax_invoice_elements_in_order():
    _, doc = xml_doc(invoice(address="Jl. Thamrin 5\nJakarta"))
    (tax_invoice,) = doc.find("ListOfTaxInvoice")
    assert [(child.tag, child.text or "") for child in tax_invoice][:-1] == [
        ("TaxInvoiceDate", "2026-11-03"), ("TaxInvoiceOpt", "Normal"), ("TrxCode", "04"), ("AddInfo", ""),
        ("CustomDoc", ""), ("CustomDocMonthYear", ""), ("RefDesc", "INV-2026-000001"), ("FacilityStamp", ""),
        ("SellerIDTKU", "0012345678901000000000"), ("BuyerTin", "0012345678901001"), ("BuyerDocument", "TIN"),
        ("BuyerCountry", "IDN"), ("BuyerDocumentNumber", ""), ("BuyerName", "PT Pembeli"),
        ("BuyerAdress", "Jl. Thamrin 5 Jakarta"), ("BuyerEmail", "tax@pembeli.co.id"),
        ("BuyerIDTKU", "0012345678901001000000"),
    ]
    assert tax_invoice[-1].tag == "ListOfGoodService"


def test_xml_empty_elements_are_self_closing():
    text, _ = xml_doc(invoice())
    for name in ("AddInfo", "CustomDoc", "CustomDocMonthYear", "FacilityStamp", "BuyerDocumentNumber"):
        assert f"<{name}/>" in text


@pytest.mark.parametrize(
    "buyer, tin, document, number, idtku",
    [
        (BuyerIdentity("nik", "", "3171012345678901"), "0" * 16, "National ID", "3171012345678901", "3171012345678901000000"),
        (BuyerIdentity("passport", "", "A1234567"), "0" * 16, "Passport", "A1234567", "0" * 22),
        (BuyerIdentity("other", "", "KITAS 99"), "0" * 16, "Other ID", "KITAS 99", "0" * 22),
        (BuyerIdentity("tin", "1234567890123456", ""), "1234567890123456", "TIN", "", "1234567890123456000000"),
    ],
)
def test_xml_buyer_identification(buyer, tin, document, number, idtku):
    _, doc = xml_doc(invoice(buyer=buyer, country="IDN" if buyer.document in ("nik", "tin") else "SGP"))
    SCHEMA.assertValid(doc)
    tax_invoice = doc.find("ListOfTaxInvoice/TaxInvoice")
    assert [_el(tax_invoice, n) for n in ("BuyerTin", "BuyerDocument", "BuyerDocumentNumber", "BuyerIDTKU")] == [
        tin, document, number, idtku
    ]


def test_xml_foreign_buyer_without_any_id_is_other_id():
    _, doc = xml_doc(invoice(buyer=BuyerIdentity("tin", "", ""), country="SGP"))
    tax_invoice = doc.find("ListOfTaxInvoice/TaxInvoice")
    assert [_el(tax_invoice, n) for n in ("BuyerTin", "BuyerDocument", "BuyerDocumentNumber", "BuyerCountry")] == [
        "0" * 16, "Other ID", "-", "SGP"]


def test_xml_seller_location_code_and_code_10_without_a_number():
    seller = Seller("1234567890123456", "000123", "PT Cabang")
    _, doc = xml_doc(invoice(code="10", nsfp=None, status_digit=None), seller=seller)
    SCHEMA.assertValid(doc)
    assert _el(doc, "TIN") == "1234567890123456"
    assert _el(doc.find("ListOfTaxInvoice/TaxInvoice"), "SellerIDTKU") == "1234567890123456000123"
    assert _el(doc.find("ListOfTaxInvoice/TaxInvoice"), "TrxCode") == "10"


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry():
    _, doc = xml_doc(invoice(name="PT <A> & \"B\"\x01"))
    SCHEMA.assertValid(doc)
    assert _el(doc.find("ListOfTaxInvoice/TaxInvoice"), "BuyerName") == 'PT <A> & "B" '


def test_a_schema_violation_is_caught():
    """The schema test can fail: an element out of order is rejected."""
    text, _ = xml_doc(invoice())
    swapped = text.replace("<TaxInvoiceOpt>Normal</TaxInvoiceOpt>\n      <TrxCode>04</TrxCode>",
                           "<TrxCode>04</TrxCode>\n      <TaxInvoiceOpt>Normal</TaxInvoiceOpt>")
    assert not SCHEMA.validate(etree.fromstring(swapped.encode()))


invoice_lines = st.lists(
    st.tuples(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5_000), places=2), st.integers(0, 10**9),
              st.integers(0, 10**6)).map(lambda t: (t[0], t[1], min(t[2], int(t[0] * t[1])))),
    min_size=1, max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    many=st.lists(
        st.tuples(invoice_lines, st.sampled_from(["01", "02", "03", "04", "05", "06", "07", "08", "09"]),
                  st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31))),
        min_size=1, max_size=5,
    )
)
def test_of_rows_and_good_services_add_up_to_the_invoice_totals(many):
    invoices = [invoice(lines=tuple(lines), code=code, day=day) for lines, code, day in many]
    rows = csv_rows(*invoices)[3:]
    fks = [i for i, row in enumerate(rows) if row[0] == "FK"]
    for inv, start, end in zip(invoices, fks, fks[1:] + [len(rows)]):
        fk, ofs = rows[start], rows[start + 1 : end]
        assert sum(int(of[7]) for of in ofs) == int(fk[10]) == (inv.tax_base * 2 + 100) // 200
        assert sum(int(of[8]) for of in ofs) == int(fk[11]) == inv.vat // 100  # FK's PPN is the invoice's PPN

    post_2025 = [inv for inv in invoices if inv.invoice_date >= date(2025, 1, 1)]
    if post_2025:
        _, doc = xml_doc(*post_2025)
        SCHEMA.assertValid(doc)
        for inv, node in zip(post_2025, doc.find("ListOfTaxInvoice")):
            goods = node.find("ListOfGoodService")
            rate = Decimal(_el(goods[0], "VATRate"))
            for g in goods:  # Coretax's check on every line: VAT = OtherTaxBase x rate, to the cent
                expected = (Decimal(_el(g, "OtherTaxBase")) * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
                assert Decimal(_el(g, "VAT")) == expected
            cents = [{name: int(Decimal(_el(g, name)) * 100) for name in ("TaxBase", "OtherTaxBase", "VAT")} for g in goods]
            assert sum(line["TaxBase"] for line in cents) == inv.dpp
            assert sum(line["OtherTaxBase"] for line in cents) == inv.tax_base
            assert sum(line["VAT"] for line in cents) == inv.vat


def test_writers_yield_pieces_not_one_string():
    invoices = [invoice(number=f"INV-{i}") for i in range(2_000)]
    csv_pieces = list(efaktur_csv.write_csv(iter(invoices)))
    xml_pieces = list(coretax_xml.write_xml(SELLER, iter(invoices)))
    assert len(csv_pieces) > 3 and len(xml_pieces) > 3
    assert max(len(p) for p in xml_pieces) < 80 * 1024
