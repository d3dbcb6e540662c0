"""Import Invoices: our template or DJP's converter template, previewed with every problem by sheet, row and
column, then imported all or none, as the New Invoice form would have made each invoice."""
import hashlib
import html as html_module
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices import imports
from efaktur.invoices.models import Invoice, InvoiceLine
from tests.conftest import HTMX, readable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INVOICE_COLUMNS = ("number", "customer_name", "npwp_name", "npwp", "address", "customer_email", "customer_language",
                   "buyer_document", "buyer_document_number", "buyer_country", "buyer_branch_code", "invoice_date",
                   "due_date", "tax_enabled", "transaction_code", "facility_add_info", "facility_stamp", "custom_doc",
                   "custom_doc_period", "status", "dpp_cents", "dpp_other_cents", "vat_rate", "vat_cents",
                   "customer_id", "exported_at", "coretax_number")
LINE_COLUMNS = ("position", "item", "quantity", "unit_price", "discount", "tax_base_cents", "other_tax_base_cents",
                "vat_cents", "kind", "goods_code", "unit")


def template(client, language="en") -> bytes:
    response = client.get("/invoices/import/template.xlsx", headers={"Accept-Language": language})
    assert response.status_code == 200 and response.mimetype == XLSX
    return response.data


def filled(template_bytes: bytes, rows: list[dict], keep_example=False) -> bytes:
    """The template with `rows` (header -> value) below its header row, in place of the example."""
    workbook = load_workbook(io.BytesIO(template_bytes))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    if not keep_example:
        sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        unknown = set(row) - set(headers)
        assert not unknown, unknown
        sheet.append([row.get(header) for header in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def line(number="INV-A1", item="Jasa", price=100000, **values) -> dict:
    row = {"Invoice No": number, "Invoice Date": date(2026, 6, 15), "Customer Name": "PT Satu", "NPWP": "0012345678901000",
           "Item": item, "Unit Price": price}
    row.update(values)
    return row


def post(client, path, data: bytes, name="invoices.xlsx", **form):
    return client.post(path, data={"file": (io.BytesIO(data), name), **form}, headers=HTMX,
                       content_type="multipart/form-data")


def preview(client, data, name="invoices.xlsx"):
    return post(client, "/invoices/import/preview", data, name)


def do_import(client, data, name="invoices.xlsx", **form):
    """Import, as the page's button sends it: with the digest of the file its preview read."""
    form.setdefault("previewed", hashlib.sha256(data).hexdigest())
    return post(client, "/invoices/import", data, name, **form)


def count_invoices(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Invoice.id)))


def stored(app, number):
    with app.app_context():
        invoice = db.session.scalar(db.select(Invoice).where(Invoice.number == number))
        return ({name: getattr(invoice, name) for name in INVOICE_COLUMNS},
                [{name: getattr(line, name) for name in LINE_COLUMNS} for line in
                 sorted(invoice.lines, key=lambda line: line.position)])


def problems_of(html: str) -> list[tuple[str, str, str, str]]:
    """(sheet, row, column, problem) of the preview's table."""
    import re

    body = html.split('id="import-problems"', 1)[1] if 'id="import-problems"' in html else ""
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body)
    return [tuple(html_module.unescape(readable(cell)) for cell in row) for row in rows]


# ---- our template -----------------------------------------------------------------------------------

def test_the_template_downloaded_imports_back_unchanged(admin_client, app):
    data = template(admin_client)
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["Invoices", "Columns"]
    explained = list(workbook["Columns"].values)
    assert explained[0] == ("Column (English)", "Kolom (Bahasa Indonesia)", "What goes in it", "Isinya")
    assert ("Invoice No *", "No. Invoice *") == explained[1][:2] and explained[1][3]  # both languages, each explained
    workbook.close()

    shown = preview(admin_client, data)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert 'id="import-invoices">1<' in html and 'id="import-lines">2<' in html
    # 15,000,000 + 2 x 750,000 at code 04: DPP 16,500,000, PPN 12% of 11/12 = 1,815,000.
    assert "Rp 16,500,000.00" in html and "Rp 1,815,000" in html and "Rp 18,315,000.00" in html
    assert "Import 1 invoice" in html and not problems_of(html)
    assert count_invoices(app) == 0  # the preview writes nothing

    done = do_import(admin_client, data)
    assert done.status_code == 200 and "1 invoice imported" in done.get_data(as_text=True)
    invoice, lines = stored(app, "INV-2026-000101")
    assert invoice["customer_name"] == "PT Contoh Pelanggan" and invoice["npwp"] == "0012345678901000"
    assert invoice["invoice_date"] == date(2026, 6, 15) and invoice["due_date"] == date(2026, 7, 15)
    assert invoice["transaction_code"] == "04" and invoice["tax_enabled"] and invoice["status"] == "unpaid"
    assert [(line["item"], line["quantity"], line["unit_price"], line["kind"], line["unit"]) for line in lines] == [
        ("Jasa konsultasi Juni 2026", Decimal("1.00"), 15000000, "B", "UM.0030"),
        ("Biaya perjalanan", Decimal("2.00"), 750000, "B", "UM.0030")]
    with app.app_context():
        entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "invoice.imported")).one()
        assert "Imported 1 invoices with 2 lines from invoices.xlsx" in entry.summary


def test_an_imported_invoice_is_what_the_new_invoice_form_makes_of_the_same_values(admin_client, app):
    values = {"number": "INV-FORM-1", "customer_name": "CV Dua", "npwp_name": "CV Dua Sejahtera",
              "buyer_document": "tin", "npwp": "01.234.567.8-901.000", "buyer_country": "IDN",
              "buyer_branch_code": "000001", "address": "Jl. Dua", "customer_email": "a@dua.co.id",
              "customer_language": "en", "invoice_date": "2026-06-02", "due_date": "2026-06-30", "tax_enabled": "y",
              "transaction_code": "07", "add_info_07": "TD.00502", "facility_stamp_07": "TD.01102",
              "custom_doc": "PIB-1", "custom_doc_period": "062026",
              "lines-0-item": "Mesin", "lines-0-kind": "A", "lines-0-goods_code": "847100", "lines-0-unit": "UM.0018",
              "lines-0-quantity": "1.5", "lines-0-unit_price": "33333", "lines-0-discount": "1000",
              "lines-1-item": "Pasang", "lines-1-kind": "B", "lines-1-goods_code": "", "lines-1-unit": "UM.0030",
              "lines-1-quantity": "2", "lines-1-unit_price": "250000", "lines-1-discount": ""}
    assert admin_client.post("/invoices/new", data=values, headers=HTMX).status_code == 200
    data = filled(template(admin_client), [
        line("INV-FILE-1", "Mesin", 33333, **{"Customer Name": "CV Dua", "NPWP Name": "CV Dua Sejahtera",
             "Buyer ID": "NPWP", "NPWP": "01.234.567.8-901.000", "Country": "IDN", "Branch code (NITKU)": "000001",
             "Address": "Jl. Dua", "Customer Email": "a@dua.co.id", "E-mail Language": "en",
             "Invoice Date": date(2026, 6, 2), "Due Date": "2026-06-30", "Invoice Tax": "Yes",
             "Transaction Code": "07", "Keterangan Tambahan": "TD.00502", "Cap Fasilitas": "TD.01102",
             "Supporting document": "PIB-1", "Supporting document period": "062026", "Goods or Services": "A",
             "Code": "847100", "Unit": "UM.0018", "Quantity": 1.5, "Discount": 1000}),
        {"Item": "Pasang", "Goods or Services": "B", "Unit": "UM.0030", "Quantity": 2, "Unit Price": 250000},
    ])
    assert do_import(admin_client, data).status_code == 200
    form_invoice, form_lines = stored(app, "INV-FORM-1")
    file_invoice, file_lines = stored(app, "INV-FILE-1")
    form_invoice.pop("number"), file_invoice.pop("number")
    assert file_invoice == form_invoice
    assert file_lines == form_lines


def test_indonesian_headers_and_a_csv_of_the_same_layout_import_alike(client, auth, app):
    auth.login()
    data = template(client, "id")
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    headers = next(workbook.worksheets[0].values)
    workbook.close()
    assert headers[0] == "No. Invoice"
    assert preview(client, data).status_code == 200
    csv_text = "Invoice No;Invoice Date;Customer Name;NPWP;Item;Unit Price;Quantity\n" \
               "INV-C1;15/06/2026;PT Tiga;0012345678901000;Sewa;1.000.000;1\n" \
               ";;;;Listrik;250.000;2\n" \
               "INV-C2;2026-06-16;PT Empat;0012345678901001;Sewa;500000;1\n"
    shown = preview(client, csv_text.encode(), "juni.csv")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="import-invoices">2<' in html and 'id="import-lines">3<' in html, html
    assert do_import(client, csv_text.encode(), "juni.csv").status_code == 200
    assert count_invoices(app) == 2


# ---- DJP's converter template ---------------------------------------------------------------------

FAKTUR = ["Baris", "Tanggal Faktur", "Jenis Faktur", "Kode Transaksi", "Keterangan Tambahan", "Dokumen Pendukung",
          "Referensi", "Cap Fasilitas", "ID TKU Penjual", "NPWP/NIK Pembeli", "Jenis ID Pembeli", "Negara Pembeli",
          "Nomor Dokumen Pembeli", "Nama Pembeli", "Alamat Pembeli", "Email Pembeli", "ID TKU Pembeli"]
DETAIL = ["Baris", "Barang/Jasa", "Kode Barang Jasa", "Nama Barang/Jasa", "Nama Satuan Ukur", "Harga Satuan",
          "Jumlah Barang Jasa", "Total Diskon", "DPP", "DPP Nilai Lain", "Tarif PPN", "PPN", "Tarif PPnBM", "PPnBM"]
SELLER = "0012345678901000"


def djp_invoice(baris, reference, day="15/06/2026", code="04", buyer="0098765432109000", document="TIN",
                name="PT Pembeli", number="", add_info="", stamp="", nitku=None):
    return [baris, day, "Normal", code, add_info, "", reference, stamp, SELLER + "000000", buyer, document, "IDN",
            number, name, "Jl. Pembeli 1", "pembeli@example.com", nitku if nitku is not None else buyer + "000000"]


def djp_line(baris, name, price, quantity=1, discount=0, kind="A", unit="UM.0018", code="000000"):
    dpp = price * quantity - discount
    return [baris, kind, code, name, unit, price, quantity, discount, dpp, round(dpp * 11 / 12, 2), 12,
            round(dpp * 11 / 12 * 0.12, 2), 0, 0]


def djp_workbook(invoices, lines) -> bytes:
    workbook = Workbook()
    faktur = workbook.active
    faktur.title = "Faktur"
    faktur.append(["NPWP Penjual", None, SELLER])
    faktur.append([])
    faktur.append(FAKTUR)
    for row in invoices:
        faktur.append(row)
    faktur.append(["END"])
    detail = workbook.create_sheet("DetailFaktur")
    detail.append(DETAIL)
    for row in lines:
        detail.append(row)
    detail.append(["END"])
    workbook.create_sheet("REF")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_djp_converter_template_with_two_invoices_of_several_lines(admin_client, app):
    data = djp_workbook(
        [djp_invoice(1, "DJP-001"), djp_invoice(2, "DJP-002", day="16/06/2026", document="National ID",
                                                buyer="0000000000000000", number="3171234567890123", nitku="")],
        [djp_line(1, "Kertas A4", 50000, 10), djp_line(1, "Tinta", 120000, 2, discount=20000),
         djp_line(2, "Servis", 300000, 1, kind="B", unit="UM.0030"), djp_line(1, "Map", 5000, 20),
         djp_line(2, "Suku cadang", 150000, 3)])
    shown = preview(admin_client, data, "Sample Faktur PK Template.xlsx")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200, html
    assert "DJP's converter template" in html_module.unescape(html) and not problems_of(html)
    assert 'id="import-invoices">2<' in html and 'id="import-lines">5<' in html
    assert do_import(admin_client, data, "Sample Faktur PK Template.xlsx").status_code == 200
    first, first_lines = stored(app, "DJP-001")
    assert first["invoice_date"] == date(2026, 6, 15) == first["due_date"]
    assert first["npwp"] == "0098765432109000" and first["buyer_document"] == "tin"
    assert [(line["item"], line["quantity"], line["discount"]) for line in first_lines] == [
        ("Kertas A4", Decimal("10.00"), 0), ("Tinta", Decimal("2.00"), 20000), ("Map", Decimal("20.00"), 0)]
    # DPP 500,000 + 220,000 + 100,000 = 820,000; PPN 12% x 11/12 = 90,200.
    assert first["dpp_cents"] == 82_000_000 and first["vat_cents"] == 9_020_000
    second, second_lines = stored(app, "DJP-002")
    assert second["buyer_document"] == "nik" and second["buyer_document_number"] == "3171234567890123"
    assert second["npwp"] == "" and [line["item"] for line in second_lines] == ["Servis", "Suku cadang"]


# ---- every problem, by sheet, row and column ----------------------------------------------------------

@pytest.mark.parametrize("values, column, words", [
    ({"Unit Price": "12.5.0"}, "Unit Price", "uses . both between thousands and before decimals"),
    ({"Unit Price": 1500.5}, "Unit Price", "fraction of a rupiah"),
    ({"Unit Price": "seratus"}, "Unit Price", "Use digits"),
    ({"Quantity": "dua"}, "Quantity", "Use digits"),
    ({"Invoice Date": date(1999, 12, 31)}, "Invoice Date", "between 2000 and 2099"),
    ({"Invoice Date": "31/02/2026"}, "Invoice Date", "is not a date"),
    ({"NPWP": "12345"}, "NPWP", "15 or 16 digits"),
    ({"NPWP": 12345678901000}, "NPWP", "loses its leading zero"),
    ({"Buyer ID": "NIK", "NPWP": "", "ID Number": "31712345"}, "ID Number", "16 digits"),
    ({"Buyer ID": "NIK", "NPWP": "", "ID Number": 3171234567890123}, "ID Number", "saved as a number"),
    ({"Unit": "UM.0999"}, "Unit", "not one of DJP's unit codes"),
    ({"Transaction Code": "11"}, "Transaction Code", "not a transaction code"),
    ({"Transaction Code": "07"}, "Keterangan Tambahan", "needs its facility"),
    ({"Customer Email": "not-an-address"}, "Customer Email", ""),
    ({"Customer Name": "@PT Satu"}, "Customer Name", "not = + - or @"),
    ({"Discount": 200000}, "Discount", "cannot be more than"),
])
def test_each_problem_is_named_at_its_cell_and_nothing_is_written(admin_client, app, values, column, words):
    data = filled(template(admin_client), [line("INV-OK", "Baik"), line("INV-BAD", **values)])
    html = preview(admin_client, data).get_data(as_text=True)
    found = problems_of(html)
    assert any(sheet == "Invoices" and row == "3" and col == column and words in message
               for sheet, row, col, message in found), found
    assert "Import the 1 valid invoice only" in html and 'id="import-invoices">1<' in html
    refused = do_import(admin_client, data)
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#import-preview"
    assert "nothing was imported" in refused.get_data(as_text=True)
    assert count_invoices(app) == 0


def test_a_duplicate_number_in_the_file_or_in_the_app_and_an_orphan_detail_row(admin_client, app):
    data = filled(template(admin_client), [line("INV-1"), line("INV-2"), line("inv-1", "Lagi")])
    assert ("Invoices", "4", "Invoice No", "inv-1 is in the file twice (row 2 too)") in problems_of(
        preview(admin_client, data).get_data(as_text=True))
    orphan = djp_workbook([djp_invoice(1, "DJP-1")], [djp_line(1, "A", 1000), djp_line(7, "B", 2000)])
    assert ("DetailFaktur", "3", "Baris", "7 names no row of sheet Faktur") in problems_of(
        preview(admin_client, orphan).get_data(as_text=True))
    no_lines = djp_workbook([djp_invoice(1, "DJP-1"), djp_invoice(2, "DJP-2")], [djp_line(1, "A", 1000)])
    assert ("Faktur", "5", "", "has no line in DetailFaktur (no row with its Baris)") in problems_of(
        preview(admin_client, no_lines).get_data(as_text=True))
    from tests.conftest import set_company

    set_company(app, npwp="0099999999999000")  # the template's ID TKU Penjual is another company's
    other = problems_of(preview(admin_client, djp_workbook([djp_invoice(1, "DJP-S")], [djp_line(1, "A", 1000)])
                                ).get_data(as_text=True))
    assert other and other[0][:3] == ("Faktur", "4", "ID TKU Penjual") and "not this company's NPWP" in other[0][3]
    short = djp_workbook([djp_invoice(1, "DJP-T", nitku="0098765432109000")], [djp_line(1, "A", 1000)])
    assert any(row[:3] == ("Faktur", "4", "ID TKU Pembeli") and "22 digits" in row[3] for row in problems_of(
        preview(admin_client, short).get_data(as_text=True)))
    facility = djp_workbook([djp_invoice(1, "DJP-7", code="07")], [djp_line(1, "A", 1000)])
    assert any(row[:3] == ("Faktur", "4", "Keterangan Tambahan") for row in problems_of(
        preview(admin_client, facility).get_data(as_text=True)))


def test_reimporting_the_same_file_is_refused_naming_the_invoices_that_exist(admin_client, app):
    data = filled(template(admin_client), [line("INV-R1"), line("INV-R2")])
    assert do_import(admin_client, data).status_code == 200
    html = preview(admin_client, data).get_data(as_text=True)
    assert "The app holds these invoices already" in html and "INV-R1, INV-R2" in html
    refused = do_import(admin_client, data)
    assert refused.status_code == 422 and count_invoices(app) == 2
    assert "No invoice of the file can be imported" in refused.get_data(as_text=True)


def test_valid_only_imports_the_valid_invoices_and_names_the_others(admin_client, app):
    data = filled(template(admin_client), [line("INV-V1"), line("INV-V2", **{"Unit": "UM.9"}), line("INV-V3")])
    html = preview(admin_client, data).get_data(as_text=True)
    assert "Not importable: INV-V2." in html
    done = do_import(admin_client, data, valid_only="y")
    assert done.status_code == 200 and "2 invoices imported" in done.get_data(as_text=True)
    with app.app_context():
        assert sorted(db.session.scalars(db.select(Invoice.number))) == ["INV-V1", "INV-V3"]


def test_a_failure_on_the_last_invoice_leaves_nothing(admin_client, app, monkeypatch):
    data = filled(template(admin_client), [line(f"INV-T{n}") for n in range(1, 6)])
    made = []
    real = imports.insert_invoices

    def failing_last(drafts):
        made.extend(real(drafts[:-1]))  # every invoice but the last is written, then the last fails
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(imports, "insert_invoices", failing_last)
    with pytest.raises(RuntimeError):
        with app.test_request_context():
            from flask_login import login_user

            from efaktur.auth.models import User

            login_user(db.session.scalars(db.select(User)).first())
            imports.import_invoices("t.xlsx", io.BytesIO(data))
    assert len(made) == 4
    assert count_invoices(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(InvoiceLine.id))) == 0
        assert db.session.scalar(db.select(db.func.count(ActivityEntry.id)).where(
            ActivityEntry.action == "invoice.imported")) == 0


# ---- files refused whole ----------------------------------------------------------------------------

def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "\0" * (50 * 2**20))
    return out.getvalue()


def _with_formula(client) -> bytes:
    workbook = load_workbook(io.BytesIO(filled(template(client), [line("INV-F1", price=1000)])))
    workbook.worksheets[0]["Y2"] = "=1000*2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _with_merged_cells(client) -> bytes:
    workbook = load_workbook(io.BytesIO(filled(template(client), [line("INV-M1"), {"Item": "Dua", "Unit Price": 5}])))
    workbook.worksheets[0].merge_cells("D2:D3")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("make, name, words", [
    (lambda client: b"%PDF-1.4 not a sheet", "invoices.pdf", "neither an .xlsx workbook nor a CSV"),
    (lambda client: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "invoices.xlsx", "encrypted"),
    (lambda client: b"PK\x03\x04 truncated", "invoices.xlsx", "cannot be read as a workbook"),
    (lambda client: _bomb(), "invoices.xlsx", "zip bomb"),
    (_with_formula, "invoices.xlsx", "Cell Invoices!Y2 holds a formula (=1000*2)"),
    (_with_merged_cells, "invoices.xlsx", "Sheet Invoices has merged cells"),
    (lambda client: b"", "invoices.csv", "empty"),
    (lambda client: b"a,b\n1,2\n", "invoices.csv", "No header row with the template's columns"),
    (lambda client: filled(template(client), []), "invoices.xlsx", "holds no invoice"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_message_and_nothing_written(admin_client, app, make, name,
                                                                                 words):
    response = preview(admin_client, make(admin_client), name)
    assert response.status_code == 422
    assert words in html_module.unescape(readable(response.get_data(as_text=True)))
    assert do_import(admin_client, make(admin_client), name).status_code == 422
    assert count_invoices(app) == 0


def test_more_lines_than_the_limit_is_refused_with_the_limit(admin_client, app):
    app.config["EFAKTUR_IMPORT_MAX_LINES"] = 3
    data = filled(template(admin_client), [line("INV-L1"), {"Item": "b", "Unit Price": 1}, line("INV-L2"),
                                           line("INV-L3")])
    response = preview(admin_client, data)
    assert response.status_code == 422 and "more than 3 lines" in response.get_data(as_text=True)


def test_import_takes_only_the_file_that_was_previewed(admin_client, app):
    previewed = filled(template(admin_client), [line("INV-P1")])
    other = filled(template(admin_client), [line("INV-P2")])
    html = preview(admin_client, previewed).get_data(as_text=True)
    digest = hashlib.sha256(previewed).hexdigest()
    assert f'name="previewed" value="{digest}"' in html
    refused = do_import(admin_client, other, previewed=digest)  # another file chosen after the preview
    assert refused.status_code == 422 and "not the file that was previewed" in refused.get_data(as_text=True)
    assert do_import(admin_client, other, previewed="").status_code == 422
    assert count_invoices(app) == 0
    assert do_import(admin_client, previewed, previewed=digest).status_code == 200


def test_the_import_page_works_without_javascript(admin_client):
    page = admin_client.get("/invoices/import")
    assert page.status_code == 200 and "Download template" in page.get_data(as_text=True)
    missing = admin_client.post("/invoices/import/preview", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose the spreadsheet" in missing.get_data(as_text=True)


# ---- the API ------------------------------------------------------------------------------------------

def test_the_api_previews_with_dry_run_then_imports(app, admin_client):
    from tests.test_api import make_token

    api_token_header, _ = make_token(app)
    data = filled(template(admin_client), [line("INV-API1"), line("INV-API2", **{"NPWP": "123"})])
    client = app.test_client()

    def call(**form):
        return client.post("/api/v1/invoices/import", data={"file": (io.BytesIO(data), "api.xlsx"), **form},
                           headers=api_token_header, content_type="multipart/form-data")

    dry = call(dry_run="true")
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["dry_run"] and body["invoices"] == 1 and body["problem_count"] == 1 and body["rejected"] == ["INV-API2"]
    assert body["problems"][0]["row"] == 3 and body["problems"][0]["column"] == "NPWP"
    assert body["dpp"] == "100000.00" and body["ppn"] == 11000 and body["invoice_ids"] == []
    assert count_invoices(app) == 0
    assert call().status_code == 422 and count_invoices(app) == 0
    done = call(valid_only="true")
    assert done.status_code == 200 and done.get_json()["imported"] and len(done.get_json()["invoice_ids"]) == 1
    assert count_invoices(app) == 1


def test_the_problems_are_said_in_the_users_language(admin_client, app):
    data = filled(template(admin_client), [line("INV-ID1", **{"Unit": "UM.0999", "Invoice Date": "2026-13-01"})])
    response = admin_client.post("/invoices/import/preview", data={"file": (io.BytesIO(data), "x.xlsx")},
                                 headers={**HTMX, "Accept-Language": "id"}, content_type="multipart/form-data")
    found = problems_of(response.get_data(as_text=True))
    assert ("Invoices", "2", "Unit", "UM.0999 bukan kode satuan DJP (UM.0001 ... UM.0039)") in found, found
    assert any(column == "Invoice Date" and "bukan tanggal" in message for _, _, column, message in found), found


def _entity_bomb(client) -> bytes:
    """The template with its sheet's XML replaced by one declaring nested entities (a billion laughs)."""
    source = zipfile.ZipFile(io.BytesIO(template(client)))
    out = io.BytesIO()
    entities = '<!ENTITY a "ha">' + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                                           for p, c in zip("abcdefgh", "bcdefghi"))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = bomb.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    return out.getvalue()


def test_a_sheet_declaring_entities_is_refused_not_expanded(admin_client, app):
    response = preview(admin_client, _entity_bomb(admin_client))
    assert response.status_code == 422
    assert "cannot be read" in html_module.unescape(response.get_data(as_text=True))
    assert count_invoices(app) == 0
