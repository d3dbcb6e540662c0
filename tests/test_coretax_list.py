"""Import Coretax List: Coretax's output-tax list (xlsx or CSV, Indonesian or English headers) brings each
invoice DJP's number and state, row by row, by the rules of invoices/coretax.py."""
import io
import json
import threading
import zipfile

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.files.models import CoretaxImport
from efaktur.formats.coretax_list import ListLimits, ListRefused, read_list
from efaktur.invoices.models import CoretaxEvent, Invoice
from tests.conftest import HTMX, add_range, generate, make_invoice, set_company
from tests.coretax_files import (
    list_row,
    output_list_csv,
    output_list_xlsx,
    zipped,
)

N1, N2, N3 = "04002600000000001", "04002600000000002", "04002600000000003"


def rows_of(data: bytes, name="list.xlsx", limits=None):
    return list(read_list(name, io.BytesIO(data), limits or ListLimits()))


def import_list(client, data: bytes, name="Pajak Keluaran Juni 2026.xlsx", headers=HTMX):
    return client.post("/files/coretax-list", data={"file": (io.BytesIO(data), name)}, headers=headers,
                       content_type="multipart/form-data")


def state(app, invoice_id):
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        return invoice.coretax_number, invoice.coretax_status


def outcomes(app):
    """The outcomes of the last import, by row."""
    with app.app_context():
        stored = db.session.scalars(db.select(CoretaxImport).order_by(CoretaxImport.id.desc())).first()
        return {row: (kind, message) for row, _, _, _, kind, _, _, message in json.loads(stored.outcomes)}


@pytest.fixture
def invoices(app):
    """Three invoices of June 2026 at code 04, exported as XML (no range number), the company set up."""
    set_company(app)
    return [make_invoice(app, code="04", number=f"INV-{n}") for n in (1, 2, 3)]


# ---- reading the file ------------------------------------------------------------------------------

@pytest.mark.parametrize("english", [False, True])
def test_the_list_is_read_by_its_headers_in_either_language(english):
    data = output_list_xlsx([list_row("INV-1", N1), list_row("inv-2", "", status="CREATED"),
                             list_row("INV-3", N3, status="CANCELLED")], english=english)
    rows = rows_of(data)
    assert [(r.row, r.reference, r.number, r.status, r.code) for r in rows] == [
        (2, "INV-1", N1, "APPROVED", "04"), (3, "inv-2", "", "CREATED", "04"), (4, "INV-3", N3, "CANCELED", "04")]
    assert all(r.problem is None for r in rows)
    assert rows[0].invoice_date.isoformat() == "2026-06-01"


def test_headers_are_found_below_title_rows_in_any_order_and_case():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Daftar Pajak Keluaran", "PT Maju Jaya"])
    sheet.append([])
    sheet.append(["STATUS FAKTUR", "referensi", "Perekam", "Nomor  Faktur Pajak", "Kode Transaksi",
                  "Tanggal Faktur Pajak"])
    sheet.append(["APPROVED", "INV-1", "Budi", N1, "TD.00304", "2026-06-01T10:00:00+07:00"])
    sheet.append(["APPROVED", "INV-2", "Budi", N2, "04 - DPP Nilai Lain", "01/06/2026"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = rows_of(buffer.getvalue())
    assert [(r.row, r.reference, r.number, r.code, str(r.invoice_date)) for r in rows] == [
        (4, "INV-1", N1, "04", "2026-06-01"), (5, "INV-2", N2, "04", "2026-06-01")]


def test_the_csv_of_the_bulk_download_is_read_too_also_inside_its_zip():
    csv_data = output_list_csv([list_row("INV-1", N1), list_row("INV-2", N2)], english=True, delimiter=";")
    assert [r.number for r in rows_of(csv_data, "pajak-keluaran.csv")] == [N1, N2]
    assert [r.number for r in rows_of(zipped([("pajak-keluaran.csv", csv_data)]), "bulk.zip")] == [N1, N2]


def test_a_number_saved_as_a_number_or_broken_is_that_rows_problem_only():
    data = output_list_xlsx([list_row("INV-1", N1), list_row("INV-2", N2)], number_as_number=True)
    rows = rows_of(data)
    assert all("saved as a number" in r.problem for r in rows)
    rows = rows_of(output_list_xlsx([list_row("INV-1", "0400260000001"), list_row("INV-2", N2, status="SIGNED"),
                                     list_row("INV-3", "", status="APPROVED"), list_row("INV-4", N1)]))
    assert "not a 17-digit Coretax number" in rows[0].problem
    assert "its status SIGNED is not one Coretax writes" in rows[1].problem
    assert "a row with status APPROVED needs its Nomor Faktur Pajak" in rows[2].problem
    assert rows[3].problem is None


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 20_000_000 + b">")
    return buffer.getvalue()


def _broken_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("faktur.pdf", b"%PDF-1.4 not a list at all\x00\x01", "neither an .xlsx workbook nor a CSV"),
    ("list.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "encrypted"),
    ("list.xlsx", _broken_xlsx(), "cannot be read"),
    ("list.xlsx", b"PK\x03\x04 truncated", "cannot be read as a workbook"),
    ("list.xlsx", _bomb(), "zip bomb"),
    ("list.xlsx", b"", "empty"),
])
def test_a_file_that_is_no_list_is_refused_whole_with_a_reason(name, data, message):
    with pytest.raises(ListRefused) as refused:
        rows_of(data, name)
    assert message in str(refused.value)


def test_a_sheet_without_the_headers_says_which_are_missing():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Referensi", "Nama Pembeli", "Tanggal Faktur Pajak"])
    workbook.active.append(["INV-1", "PT A", "2026-06-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ListRefused) as refused:
        rows_of(buffer.getvalue())
    assert "Nomor Faktur Pajak / TaxInvoiceNumber" in str(refused.value)
    assert "Status Faktur / TaxInvoiceStatus" in str(refused.value)
    assert "Referensi" not in str(refused.value).split("column")[1].split(":")[0]


def test_formulas_and_too_many_rows_are_refused_whole():
    with pytest.raises(ListRefused, match="holds a formula"):
        rows_of(output_list_xlsx([list_row("INV-1", N1)], formula='=HYPERLINK("http://x","y")'))
    data = output_list_xlsx([list_row(f"INV-{n}", f"040026{n:011d}") for n in range(1, 6)])
    assert len(rows_of(data, limits=ListLimits(max_rows=5))) == 5
    with pytest.raises(ListRefused, match="more than 4 rows"):
        rows_of(data, limits=ListLimits(max_rows=4))


# ---- importing it ----------------------------------------------------------------------------------

def test_every_status_finds_its_invoice_and_each_row_says_what_became_of_it(admin_client, app, invoices):
    more = [make_invoice(app, code="04", number=f"INV-{n}") for n in (4, 5, 6)]
    rows = [
        list_row("INV-1", N1),  # approved
        list_row("inv-2", "", status="CREATED"),  # a draft: no number yet (the reference in another case)
        list_row("INV-3", N3, status="CANCELED"),
        list_row("INV-4", "04002600000000004", status="WAITING_FOR_CANCELLATION"),
        list_row("INV-5", "04002600000000005", status="REJECTED"),
        list_row("INV-6", "04002600000000006", status="WAITING_FOR_AMENDMENT"),
    ]
    response = import_list(admin_client, output_list_xlsx(rows))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "filesChanged" in response.headers["HX-Trigger"] and "invoicesChanged" in response.headers["HX-Trigger"]
    assert state(app, invoices[0]) == (N1, "approved")
    assert state(app, invoices[1]) == (None, "created")
    assert state(app, invoices[2]) == (N3, "cancelled")
    assert [state(app, i)[1] for i in more] == ["waiting_cancellation", "rejected", "waiting_amendment"]
    kinds = {row: kind for row, (kind, _) in outcomes(app).items()}
    assert kinds == {2: "recorded", 3: "recorded", 4: "cancelled", 5: "recorded", 6: "recorded", 7: "recorded"}
    assert 'id="list-import-counts"' in body and "INV-1" in body and N1 in body
    with app.app_context():
        (entry,) = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "coretax.list_imported"))
    assert entry.summary == ("Imported Coretax's list Pajak Keluaran Juni 2026.xlsx, 6 rows: 5 recorded, 0 replaced, "
                             "1 cancelled, 0 unchanged, 0 not applied.")


def test_the_same_file_twice_changes_nothing_and_says_so(admin_client, app, invoices):
    data = output_list_xlsx([list_row("INV-1", N1), list_row("INV-2", N2)])
    import_list(admin_client, data)
    with app.app_context():
        events = db.session.scalar(db.select(db.func.count()).select_from(CoretaxEvent))
    body = import_list(admin_client, data).get_data(as_text=True)
    assert "Nothing changed: this file was imported before" in body
    assert {kind for kind, _ in outcomes(app).values()} == {"unchanged"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CoretaxEvent)) == events


def test_a_replacement_takes_the_place_of_its_original_in_either_order(admin_client, app, invoices):
    original, replacement = N1, "04012600000000001"
    # The original is amended (its reference blank, as Coretax writes it), the replacement approved.
    import_list(admin_client, output_list_xlsx([list_row("INV-1", original)]))
    import_list(admin_client, output_list_xlsx([list_row("", original, status="AMENDED"),
                                                list_row("INV-1", replacement)]))
    assert state(app, invoices[0]) == (replacement, "approved")
    assert [kind for kind, _ in outcomes(app).values()] == ["recorded", "replaced"]
    # The other order, and the replacement found by its serial with no reference at all.
    import_list(admin_client, output_list_xlsx([list_row("INV-2", N2)]))
    import_list(admin_client, output_list_xlsx([list_row("", "04012600000000002"), list_row("", N2, status="AMENDED")]))
    assert state(app, invoices[1]) == ("04012600000000002", "approved")
    assert [kind for kind, _ in outcomes(app).values()] == ["replaced", "unchanged"]
    page = admin_client.get(f"/invoices/{invoices[1]}").get_data(as_text=True)
    assert "Replacement" in page and 'id="coretax-history"' in page and N2 in page
    assert admin_client.get("/invoices?coretax=replaced").status_code in (200, 308)


def test_rows_that_do_not_fit_are_not_applied_and_say_why_while_the_others_are(admin_client, app, invoices):
    ranged = make_invoice(app, code="04", number="INV-RANGE")
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    generate(app, [ranged])
    import_list(admin_client, output_list_xlsx([list_row("INV-1", N1)]))
    rows = [
        list_row("INV-404", "04002600000000009"),  # no such invoice
        list_row("INV-2", N1),  # N1 is INV-1's
        list_row("INV-2", "01002600000000002", code="01"),  # code 01; INV-2 has 04
        list_row("INV-2", "04002500000000002", date="2025-12-30"),  # another year
        list_row("INV-1", "04002600000000007"),  # a second approved number for INV-1
        list_row("", "04002600000000008", buyer="PT Tanpa Referensi"),  # blank reference, unknown number
        list_row("INV-RANGE", "04002600000000010"),  # numbered from a range: desktop
        list_row("INV-3", N3),  # fine
        list_row("INV-2", "", status="CREATED"),  # fine: a draft (its number not yet given)
        list_row("INV-2", "04 002600000000002x"),  # unreadable number
    ]
    body = import_list(admin_client, output_list_xlsx(rows)).get_data(as_text=True)
    said = outcomes(app)
    assert said[2] == ("not_applied", "No invoice has the reference INV-404.")
    assert said[3][0] == "not_applied" and "belongs to invoice INV-1" in said[3][1]
    assert said[4][0] == "not_applied" and "transaction code 01" in said[4][1]
    assert said[5][0] == "not_applied" and "dated 2025" in said[5][1]
    assert said[6][0] == "not_applied" and "a second number (04002600000000007, APPROVED) is not taken" in said[6][1]
    assert said[7][0] == "not_applied" and "match it by hand (buyer PT Tanpa Referensi" in said[7][1]
    assert said[8][0] == "not_applied" and "numbered from an NSFP range" in said[8][1]
    assert said[9][0] == "recorded" and said[10][0] == "recorded"
    assert said[11][0] == "not_applied" and "not a 17-digit Coretax number" in said[11][1]
    assert state(app, invoices[0]) == (N1, "approved")
    assert state(app, invoices[1]) == (None, "created")
    assert state(app, invoices[2]) == (N3, "approved")
    # Not applied rows come first in the table.
    assert body.index('data-row="2"') < body.index('data-row="9"')


def test_a_waiting_or_cancelled_row_of_another_number_never_overwrites_an_approved_one(admin_client, app, invoices):
    import_list(admin_client, output_list_xlsx([list_row("INV-1", N1)]))
    import_list(admin_client, output_list_xlsx([list_row("INV-1", "04002600000000011", status="CANCELED"),
                                                list_row("INV-1", "04002600000000012", status="WAITING_FOR_AMENDMENT"),
                                                list_row("INV-1", "", status="CREATED")]))
    assert state(app, invoices[0]) == (N1, "approved")
    assert [kind for kind, _ in outcomes(app).values()] == ["not_applied", "not_applied", "unchanged"]


def test_an_approved_number_then_cancelled_in_coretax_shows_cancelled(admin_client, app, invoices):
    import_list(admin_client, output_list_xlsx([list_row("INV-1", N1)]))
    import_list(admin_client, output_list_xlsx([list_row("INV-1", N1, status="CANCELED")]))
    assert state(app, invoices[0]) == (N1, "cancelled")
    assert "Cancelled in Coretax" in admin_client.get(f"/invoices/{invoices[0]}").get_data(as_text=True)


def test_a_refused_file_changes_nothing_and_the_form_says_why(admin_client, app, invoices):
    response = import_list(admin_client, b"Referensi,Nama Pembeli\nINV-1,PT A\n", name="list.csv")
    assert response.status_code == 422
    assert "Nomor Faktur Pajak / TaxInvoiceNumber" in response.get_data(as_text=True)
    assert import_list(admin_client, output_list_xlsx([list_row("INV-1", N1)], formula="=1+1")).status_code == 422
    assert state(app, invoices[0]) == (None, None)
    nothing = admin_client.post("/files/coretax-list", data={}, headers=HTMX, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Choose the list Coretax downloaded" in nothing.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CoretaxImport)) == 0


def test_the_row_limit_is_configurable_and_answered_with_a_message(admin_client, app, invoices):
    app.config["EFAKTUR_MAX_LIST_ROWS"] = 2
    response = import_list(admin_client, output_list_xlsx([list_row(f"INV-{n}", f"040026{n:011d}") for n in (1, 2, 3)]))
    assert response.status_code == 422 and "more than 2 rows" in response.get_data(as_text=True)
    assert state(app, invoices[0]) == (None, None)


def test_the_result_can_be_opened_again_paged_and_downloaded(admin_client, app, invoices):
    import_list(admin_client, output_list_xlsx([list_row("INV-1", N1), list_row("INV-404", N2)]))
    with app.app_context():
        import_id = db.session.scalar(db.select(CoretaxImport.id))
    page = admin_client.get(f"/files/coretax-list/{import_id}").get_data(as_text=True)
    assert "No invoice has the reference INV-404." in page and "<html" in page
    csv_text = admin_client.get(f"/files/coretax-list/{import_id}/outcomes.csv").get_data(as_text=True)
    assert "INV-404" in csv_text and "Not applied" in csv_text and "Recorded" in csv_text
    assert admin_client.get("/files/coretax-list/999").status_code == 404
    assert f"/files/coretax-list/{import_id}" in admin_client.get("/files/coretax-list", headers=HTMX).get_data(as_text=True)


def test_without_javascript_the_import_answers_with_a_page(admin_client, app, invoices):
    response = import_list(admin_client, output_list_xlsx([list_row("INV-1", N1)]), headers={})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body and "list-import-table" in body


def test_the_import_is_in_the_api_too(app, invoices):
    from tests.test_api import make_token

    headers, _ = make_token(app)
    client = app.test_client()
    response = client.post("/api/v1/coretax/output-list", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(output_list_xlsx([list_row("INV-1", N1),
                                                                       list_row("INV-404", N2)])), "list.xlsx")})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["counts"] == {"recorded": 1, "replaced": 0, "cancelled": 0, "unchanged": 0, "not_applied": 1}
    assert body["rows"][0] == {"row": 2, "reference": "INV-1", "number": N1, "status": "APPROVED",
                               "outcome": "recorded", "invoice_id": invoices[0], "invoice_number": "INV-1",
                               "message": "Invoice INV-1: 04002600000000001, Approved."}
    assert body["rows"][1]["outcome"] == "not_applied"
    refused = client.post("/api/v1/coretax/output-list", headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"nothing,here\n1,2\n"), "list.csv")})
    assert refused.status_code == 422 and "file" in refused.get_json()["error"]["fields"]
    missing = client.post("/api/v1/coretax/output-list", headers=headers, content_type="multipart/form-data", data={})
    assert missing.status_code == 422


def test_two_imports_at_once_end_as_one_after_the_other(app, invoices):
    """Two people import overlapping lists at the same moment (SQLite and PostgreSQL): every invoice ends as if
    the files had been imported one after the other, and no number goes to two invoices."""
    from tests.conftest import ADMIN_EMAIL, PASSWORD

    more = [make_invoice(app, code="04", number=f"INV-C{n}") for n in range(1, 41)]
    first = [list_row(f"INV-C{n}", f"040026{n:011d}") for n in range(1, 41)]
    second = [list_row(f"INV-C{n}", f"040026{n:011d}") for n in range(1, 41, 2)] + \
             [list_row("", f"040126{n:011d}") for n in range(2, 41, 2)]  # replacements of the even ones
    files = [output_list_xlsx(first), output_list_xlsx(second)]
    barrier = threading.Barrier(2)
    answers = []

    def press(data):
        client = app.test_client()
        client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
        barrier.wait()
        answers.append(import_list(client, data).status_code)

    threads = [threading.Thread(target=press, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    # Whichever came first, the end is the same: odd ones their number, even ones their number or its replacement
    # (a replacement before its original is not taken, as it would not be one after the other either).
    with app.app_context():
        numbers = {i.number: (i.coretax_number, i.coretax_status) for i in db.session.scalars(
            db.select(Invoice).where(Invoice.id.in_(more)))}
        for n in range(1, 41, 2):
            assert numbers[f"INV-C{n}"] == (f"040026{n:011d}", "approved")
        for n in range(2, 41, 2):
            assert numbers[f"INV-C{n}"][0] in (f"040026{n:011d}", f"040126{n:011d}")
        held = [i.coretax_number for i in db.session.scalars(db.select(Invoice).where(Invoice.coretax_number.is_not(None)))]
        assert len(held) == len(set(held)) == 40
    # Importing both again, one after the other, changes nothing more than the second one would.
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    import_list(client, files[0])
    import_list(client, files[1])
    with app.app_context():
        for n in range(2, 41, 2):
            assert db.session.get(Invoice, more[n - 1]).coretax_number == f"040126{n:011d}"
