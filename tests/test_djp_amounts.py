"""DJP's amounts through the whole app: the form (discount, quantities by language, live totals, the
facility of 07/08, the buyer), the invoice page, the lists, the API and both files show the same figures."""
import csv
import html
import io
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.services import DraftLine
from tests.conftest import HTMX, add_range, generate, make_invoice
from tests.test_formats import SCHEMA

ID = {"Accept-Language": "id"}

FORM = {
    "number": "", "customer_name": "PT Sinar", "npwp_name": "PT Sinar", "buyer_document": "tin",
    "npwp": "01.234.567.8-901.000", "buyer_country": "IDN", "buyer_branch_code": "", "address": "Jl. Thamrin 5",
    "customer_email": "", "customer_language": "en", "invoice_date": "2026-06-10", "due_date": "2026-07-10",
    "tax_enabled": "y", "transaction_code": "04",
    "lines-0-item": "Audit", "lines-0-kind": "B", "lines-0-goods_code": "", "lines-0-unit": "UM.0018",
    "lines-0-quantity": "1", "lines-0-unit_price": "100000", "lines-0-discount": "",
    "lines-1-item": "Audit", "lines-1-kind": "B", "lines-1-goods_code": "", "lines-1-unit": "UM.0018",
    "lines-1-quantity": "1", "lines-1-unit_price": "100000", "lines-1-discount": "",
}


@pytest.fixture
def company(app):
    from efaktur.settings.services import save_company

    with app.test_request_context():
        save_company("PT Maju Jaya", "012345678901000", "Jl. Gatot Subroto 1, Jakarta", "000000")


ONE_LINE = {k: v for k, v in FORM.items() if not k.startswith("lines-1-")}


def post(client, headers=HTMX, form=FORM, **changes):
    data = {k: v for k, v in {**form, **changes}.items() if v is not None}
    return client.post("/invoices/new", data=data, headers=headers)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def the_invoice(app, number=None) -> Invoice:
    with app.app_context():
        query = db.select(Invoice).order_by(Invoice.id.desc())
        if number:
            query = query.where(Invoice.number == number)
        invoice = db.session.scalars(query).first()
        assert invoice.lines is not None  # loaded before the session closes
        return invoice


def download(client, fmt, ids):
    response = client.post("/export/download", data={"format": fmt, "invoice_ids": [str(i) for i in ids]}, headers=HTMX)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_data()


# ---- the form --------------------------------------------------------------------------------------

def test_two_lines_of_100000_at_code_04_are_22000_everywhere(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    assert post(admin_client).status_code == 200
    invoice = the_invoice(app)
    assert (invoice.dpp_cents, invoice.dpp_other_cents, invoice.ppn, invoice.grand_total_cents) == (
        20_000_000, 18_333_334, 22_000, 22_200_000)
    generate(app, [invoice.id])
    page = admin_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'id="detail-dpp">Rp 200,000.00<' in page and 'id="detail-dpp-other">Rp 183,333.34<' in page
    assert 'id="detail-ppn">Rp 22,000' in page and 'id="detail-total">Rp 222,000.00<' in page
    assert page.count(">91,666.67</td>") == 2 and page.count(">11,000.00</td>") == 2  # each line on its own
    listed = admin_client.get("/invoices/", headers={**HTMX, "HX-Target": "invoice-list"}).get_data(as_text=True)
    assert ">200,000.00</td>" in listed and ">22,000</td>" in listed and ">222,000.00</td>" in listed
    exports = admin_client.get("/export/?period=2026-06", headers={**HTMX, "HX-Target": "export-list"}).get_data(as_text=True)
    assert 'data-col="dpp">200,000.00<' in exports and 'data-col="dpp-other">183,333.34<' in exports
    assert ">22,000" in exports
    fk = list(csv.reader(io.StringIO(download(admin_client, "csv", [invoice.id]).decode())))[3]
    assert (fk[10], fk[11]) == ("183333", "22000")
    assert post(admin_client, number="INV-CORETAX").status_code == 200  # the same for Coretax: no range number
    doc = etree.fromstring(download(admin_client, "xml", [the_invoice(app, "INV-CORETAX").id]))
    assert [g.findtext("VAT") for g in doc.iter("GoodService")] == ["11000.00", "11000.00"]


def test_a_discount_comes_off_the_line(admin_client, app):
    assert post(admin_client, form=ONE_LINE, **{"lines-0-discount": "10.000"}).status_code == 200
    invoice = the_invoice(app)
    (line,) = invoice.lines
    assert (line.unit_price, line.discount, line.tax_base_cents, line.other_tax_base_cents, line.vat_cents) == (
        100_000, 10_000, 9_000_000, 8_250_000, 990_000)
    page = admin_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'id="detail-selling-price">Rp 100,000.00<' in page and 'id="detail-discount">Rp 10,000.00<' in page
    assert 'id="detail-dpp">Rp 90,000.00<' in page and 'id="detail-ppn">Rp 9,900' in page


@pytest.mark.parametrize("discount, message", [("100.001", "cannot be more than the unit price x quantity"),
                                               ("-5", "cannot be negative"), ("1,5", "whole rupiah"),
                                               ("9" * 30, "too large")])
def test_a_bad_discount_is_refused_on_its_field(admin_client, app, discount, message):
    response = post(admin_client, **{"lines-0-discount": discount})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body.split('id="lines-0-discount-error"')[1][:300]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 0


def test_a_decimal_quantity_gives_cents(admin_client, app):
    assert post(admin_client, form=ONE_LINE, transaction_code="01", invoice_date="2024-06-10", due_date="2024-06-10",
                **{"lines-0-quantity": "1.5", "lines-0-unit_price": "33333"}).status_code == 200
    assert the_invoice(app).dpp_cents == 4_999_950  # 49,999.50, not 50,000


def test_quantities_are_read_by_the_interfaces_language(admin_client, app):
    admin_client.post("/language", data={"language": "id"})
    one = {"form": ONE_LINE}
    response = post(admin_client, **{**one, "lines-0-quantity": "1,555", "lines-0-unit_price": "350.000"})
    assert response.status_code == 422
    assert "tiga desimal" in response.get_data(as_text=True)
    assert post(admin_client, number="ID-1", **{**one, "lines-0-quantity": "1,5"}).status_code == 200
    assert the_invoice(app, "ID-1").lines[0].quantity == Decimal("1.5")
    assert post(admin_client, number="ID-2", **{**one, "lines-0-quantity": "1.555"}).status_code == 200
    assert the_invoice(app, "ID-2").lines[0].quantity == Decimal(1555)
    # Shown back the Indonesian way: 1,5 on the page and in the Edit form.
    invoice_id = the_invoice(app, "ID-1").id
    assert ">1,5</td>" in admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'value="1,5"' in admin_client.get(f"/invoices/{invoice_id}/edit", headers=HTMX).get_data(as_text=True)
    admin_client.post("/language", data={"language": "en"})
    assert post(admin_client, number="EN-1", **{**one, "lines-0-quantity": "1,555"}).status_code == 200
    assert the_invoice(app, "EN-1").lines[0].quantity == Decimal(1555)
    response = post(admin_client, number="EN-2", **{**one, "lines-0-quantity": "1.555"})
    assert response.status_code == 422 and "three decimals" in response.get_data(as_text=True)


def test_the_form_shows_the_amounts_as_the_lines_are_typed(admin_client):
    body = admin_client.get("/invoices/new", headers=HTMX).get_data(as_text=True)
    assert 'hx-post="/invoices/amounts"' in body and 'id="preview-empty"' in body
    response = admin_client.post("/invoices/amounts", data=FORM, headers=HTMX)
    assert response.status_code == 200
    preview = response.get_data(as_text=True)
    assert 'id="preview-dpp">Rp 200,000.00<' in preview and 'id="preview-dpp-other">Rp 183,333.34<' in preview
    assert 'id="preview-ppn">Rp 22,000' in preview and 'id="preview-total">Rp 222,000.00<' in preview
    half_typed = admin_client.post("/invoices/amounts", data={**FORM, "lines-1-quantity": "abc"}, headers=HTMX)
    assert 'id="preview-dpp">Rp 100,000.00<' in half_typed.get_data(as_text=True)
    assert "Line 2 is not counted" in half_typed.get_data(as_text=True)
    with_code_07 = admin_client.post("/invoices/amounts", data={**FORM, "transaction_code": "07"}, headers=HTMX)
    assert "PPN not collected 12%" in with_code_07.get_data(as_text=True)
    assert 'id="preview-total">Rp 200,000.00<' in with_code_07.get_data(as_text=True)


def test_the_form_warns_of_a_domestic_buyer_without_npwp_or_nik(admin_client, app):
    preview = admin_client.post("/invoices/amounts", data={**FORM, "npwp": ""}, headers=HTMX).get_data(as_text=True)
    assert "A buyer in Indonesia needs an NPWP, or the NIK" in preview
    foreign = admin_client.post("/invoices/amounts", data={**FORM, "npwp": "", "buyer_country": "SGP"}, headers=HTMX)
    assert "needs an NPWP" not in foreign.get_data(as_text=True)
    nik = admin_client.post("/invoices/amounts", data={**FORM, "npwp": "", "buyer_document": "nik",
                                                       "buyer_id_number": "3171012345678901"}, headers=HTMX)
    assert "needs an NPWP" not in nik.get_data(as_text=True)
    assert post(admin_client, npwp="").status_code == 200  # saved, and said again on its page
    page = admin_client.get(f"/invoices/{the_invoice(app).id}").get_data(as_text=True)
    assert 'id="detail-buyer-warning"' in page


def test_the_buyer_branch_code(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    assert post(admin_client, buyer_branch_code="12345").status_code == 422
    assert post(admin_client, buyer_branch_code="000123").status_code == 200
    invoice = the_invoice(app)
    assert invoice.buyer_branch_code == "000123"
    doc = etree.fromstring(download(admin_client, "xml", [invoice.id]))
    assert doc.findtext("ListOfTaxInvoice/TaxInvoice/BuyerIDTKU") == "0012345678901000000123"


# ---- codes 07 and 08 -----------------------------------------------------------------------------

def test_codes_07_and_08_need_their_facility_and_stamp(admin_client, app):
    response = post(admin_client, transaction_code="07")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "needs its facility (Keterangan Tambahan)" in body.split('id="add_info_07-error"')[1][:300]
    response = post(admin_client, transaction_code="08", add_info_08="TD.00503")
    assert "needs its stamp (Cap Fasilitas)" in response.get_data(as_text=True).split('id="facility_stamp_08-error"')[1][:300]
    response = post(admin_client, transaction_code="08", add_info_08="TD.00531", facility_stamp_08="TD.01101")
    assert "not in DJP's list of facilities for code 08" in text(response)
    assert post(admin_client, transaction_code="08", add_info_08="TD.00503", facility_stamp_08="TD.01103",
                custom_doc="SKB-1", custom_doc_period="13/2026").status_code == 422
    assert post(admin_client, transaction_code="08", add_info_08="TD.00503", facility_stamp_08="TD.01103",
                custom_doc="SKB-1", custom_doc_period="06/2026").status_code == 200
    invoice = the_invoice(app)
    assert invoice.facility == invoice.facility.__class__("TD.00503", "TD.01103", "SKB-1", "062026")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 1


def test_the_facility_is_dropped_with_the_code(admin_client, app):
    assert post(admin_client, transaction_code="04", add_info_07="TD.00502", facility_stamp_07="TD.01102").status_code == 200
    assert the_invoice(app).facility_add_info == ""


def test_djps_lists_show_with_their_descriptions_in_both_languages(admin_client):
    english = admin_client.get("/invoices/new", headers=HTMX).get_data(as_text=True)
    assert "TD.00501 - for a free trade zone" in english and "TD.01104 - (no stamp)" in english
    assert "TD.00531 - delivery of landed houses and apartment units" in english  # DJP's January 2026 addition
    admin_client.post("/language", data={"language": "id"})
    indonesian = admin_client.get("/invoices/new", headers=HTMX).get_data(as_text=True)
    assert "TD.00501 - untuk Kawasan Bebas" in indonesian and "TD.00501 - untuk BKP dan JKP Tertentu" in indonesian
    assert "TD.01131 - PPN DITANGGUNG PEMERINTAH BERDASARKAN PMK NOMOR 90 TAHUN 2025" in indonesian
    assert "Unit Hunian" in indonesian and "Metrik Ton (UM.0001)" in indonesian and "Roll (UM.0039)" in indonesian


# ---- the files refuse what DJP refuses -------------------------------------------------------------

def test_a_domestic_buyer_without_npwp_or_nik_is_refused_at_export_by_name(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    ids = [make_invoice(app, number="INV-NOID", npwp="", code="04"),
           make_invoice(app, number="INV-PASS", npwp="", buyer_document="passport", buyer_document_number="A1234567"),
           make_invoice(app, number="INV-ABROAD", npwp="", buyer_country="SGP")]
    generate(app, ids)
    for fmt in ("csv", "xml"):
        response = admin_client.post("/export/download", data={"format": fmt, "invoice_ids": [str(i) for i in ids]},
                                     headers=HTMX)
        body = text(response)
        assert response.status_code == 422
        assert "2 invoices have a buyer in Indonesia with neither NPWP nor NIK (INV-NOID, INV-PASS)" in body
        assert "fill in the buyer's NPWP, or the NIK of a person without NPWP" in body
    fk = list(csv.reader(io.StringIO(download(admin_client, "csv", ids[2:]).decode())))[3]
    assert fk[7] == "000000000000000"  # NPWP 000: a foreign buyer only


def test_code_07_dated_2025_or_later_is_refused_for_the_desktop_file(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice_id = make_invoice(app, number="INV-07", code="07")
    generate(app, [invoice_id])
    response = admin_client.post("/export/download", data={"format": "csv", "invoice_ids": str(invoice_id)}, headers=HTMX)
    assert response.status_code == 422
    assert "desktop e-Faktur may not report (KEP-54/PJ/2025)" in response.get_data(as_text=True)
    coretax_07 = make_invoice(app, number="INV-07-CT", code="07")  # as it should be: for Coretax, no range number
    node = etree.fromstring(download(admin_client, "xml", [coretax_07])).find("ListOfTaxInvoice/TaxInvoice")
    assert (node.findtext("AddInfo"), node.findtext("FacilityStamp")) == ("TD.00502", "TD.01102")


def test_code_07_before_2025_writes_its_desktop_facility_number(admin_client, app, company):
    add_range(app, 2024, "000-24.00000001", "000-24.00000010")
    invoice_id = make_invoice(app, number="INV-07-2024", code="07", invoice_date="2024-11-04")
    generate(app, [invoice_id])
    fk = list(csv.reader(io.StringIO(download(admin_client, "csv", [invoice_id]).decode())))[3]
    assert (fk[1], fk[13]) == ("07", "2")


def test_an_old_07_without_its_facility_is_refused_by_name(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice_id = make_invoice(app, number="INV-OLD-07", code="07")
    generate(app, [invoice_id])
    with app.app_context():  # as an invoice saved before the facility was asked for
        db.session.get(Invoice, invoice_id).facility_add_info = ""
        db.session.commit()
    response = admin_client.post("/export/download", data={"format": "xml", "invoice_ids": str(invoice_id)}, headers=HTMX)
    assert response.status_code == 422
    assert "1 invoice has code 07 or 08 without its facility and stamp (INV-OLD-07)" in response.get_data(as_text=True)


def test_the_xml_of_a_real_invoice_passes_the_schema(admin_client, app, company):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice_id = make_invoice(app, code="08", lines=[DraftLine("Air bersih", Decimal("2.5"), 33_333, 333),
                                                     DraftLine("Pipa", Decimal(3), 10_001)])
    doc = etree.fromstring(download(admin_client, "xml", [invoice_id]))
    SCHEMA.assertValid(doc)
    goods = list(doc.iter("GoodService"))
    assert [(g.findtext("Price"), g.findtext("TotalDiscount"), g.findtext("TaxBase")) for g in goods] == [
        ("33333.00", "333.00", "82999.50"), ("10001.00", "0.00", "30003.00")]


# ---- the API -------------------------------------------------------------------------------------

@pytest.fixture
def api(app):
    from efaktur.api.tokens import create_token

    with app.test_request_context():
        _, secret = create_token("Shop", False, None, "test", date(2026, 6, 15))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    class Api:
        def post(self, path, body):
            return client.post(f"/api/v1{path}", json=body, headers=headers)

    return Api()


API_BODY = {"customer": {"name": "PT Pembeli", "npwp": "012345678901000"}, "invoice_date": "2026-06-10",
            "due_date": "2026-06-10", "lines": [{"item": "Audit", "quantity": 1, "unit_price": 100_000}]}


def test_the_api_takes_a_discount_and_refuses_one_above_the_price(api):
    body = {**API_BODY, "lines": [{"item": "Audit", "quantity": 1, "unit_price": 100_000, "discount": 10_000}]}
    invoice = api.post("/invoices", body).get_json()
    assert invoice["lines"][0]["discount"] == 10_000
    assert (invoice["amounts"]["dpp"], invoice["amounts"]["dpp_other"], invoice["amounts"]["ppn"]) == (
        "90000.00", "82500.00", 9_900)
    too_much = {**API_BODY, "lines": [{"item": "Audit", "quantity": 1, "unit_price": 100, "discount": 101}]}
    response = api.post("/invoices", too_much)
    assert response.status_code == 422
    assert "discount" in response.get_json()["error"]["fields"]["lines.0.discount"].lower()


def test_the_api_refuses_an_ambiguous_quantity_string(api):
    body = {**API_BODY, "lines": [{"item": "Audit", "quantity": "1.000", "unit_price": 100_000}]}
    response = api.post("/invoices", body)
    assert response.status_code == 422
    assert "Send the quantity as a JSON number" in response.get_json()["error"]["message"]
    ok = {**API_BODY, "lines": [{"item": "Audit", "quantity": 1000, "unit_price": 100}]}
    assert api.post("/invoices", ok).get_json()["lines"][0]["quantity"] == "1000"


def test_the_api_needs_the_facility_for_07_and_08_and_carries_the_branch(api):
    response = api.post("/invoices", {**API_BODY, "transaction_code": "07"})
    assert response.status_code == 422 and "facility" in str(response.get_json()["error"]["fields"])
    body = {**API_BODY, "transaction_code": "07", "facility": {"add_info": "TD.00502", "stamp": "TD.01102"},
            "customer": {**API_BODY["customer"], "branch_code": "000123"}}
    invoice = api.post("/invoices", body).get_json()
    assert invoice["facility"] == {"add_info": "TD.00502", "stamp": "TD.01102", "document": "", "document_period": ""}
    assert invoice["customer"]["branch_code"] == "000123"
    assert invoice["amounts"]["vat_charged"] is False and invoice["amounts"]["total"] == "100000.00"


def test_the_exports_sql_checks_agree_with_the_pure_rules(app):
    """buyer_unidentified_sql and lacks_facility_sql say what identity.lacks_domestic_identity and the facility
    rule say, for every combination (the export checks its invoices in SQL with them)."""
    import itertools

    from efaktur.exports.queries import Selection, buyer_unidentified_sql, lacks_facility_sql
    from efaktur.rules.facilities import needs_facility
    from efaktur.rules.identity import lacks_domestic_identity

    combos = list(itertools.product(["tin", "nik", "passport", "other"], ["", "012345678901000"], ["IDN", "SGP"],
                                    ["04", "07", "08"], ["", "TD.00502"], ["", "TD.01102"]))
    with app.app_context():
        ids = []
        for n, (document, npwp, country, code, add_info, stamp) in enumerate(combos):
            invoice = Invoice(number=f"C-{n}", customer_name="x", invoice_date=date(2026, 6, 1), due_date=date(2026, 6, 1),
                              buyer_document=document, npwp=npwp, buyer_country=country, transaction_code=code,
                              facility_add_info=add_info, facility_stamp=stamp, status="unpaid", tax_enabled=True)
            db.session.add(invoice)
            db.session.flush()
            ids.append(invoice.id)
        db.session.commit()
        selection = Selection.of_ids(ids)
        unidentified = set(selection.invoice_ids(buyer_unidentified_sql()))
        lacking = set(selection.invoice_ids(lacks_facility_sql()))
    for invoice_id, (document, npwp, country, code, add_info, stamp) in zip(ids, combos):
        assert (invoice_id in unidentified) == lacks_domestic_identity(document, npwp, country)
        assert (invoice_id in lacking) == (needs_facility(code) and not (add_info and stamp))
