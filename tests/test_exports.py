"""The Export CSV tab: listing a period, refusals, both downloads, the Exported marks, Generate from here."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import event

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.services import DraftLine
from efaktur.rules.ids import compact_ids
from tests.conftest import HTMX, add_range, generate, make_invoice
from tests.test_formats import SCHEMA


@pytest.fixture
def range_2026(app):
    return add_range(app, 2026, "000-26.00000001", "000-26.00001000")


def numbered(app, count=1, **fields):
    ids = [make_invoice(app, invoice_date=fields.pop("invoice_date", "2026-06-10"), **fields) for _ in range(count)]
    generate(app, ids)
    return ids


def listed(client, query="period=2026-06"):
    response = client.get(f"/export/?{query}", headers={**HTMX, "HX-Target": "export-list"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def export(client, fmt, ids=(), **form):
    """Download a file, reading it to the end as a browser would (the marks follow the last byte)."""
    data = {"format": fmt, **form}
    if ids:
        data["invoice_ids"] = [str(i) for i in ids]
    response = client.post("/export/download", data=data, headers=HTMX)
    response.get_data()
    return response


def exported_at(app, invoice_id):
    with app.app_context():
        return db.session.get(Invoice, invoice_id).exported_at


def test_the_tab_lists_the_period_with_the_columns_users_know(admin_client, app, range_2026):
    (june,) = numbered(app, number="INV-JUNE")
    make_invoice(app, invoice_date="2026-06-11", number="INV-NOTSET")
    make_invoice(app, invoice_date="2026-06-12", number="INV-NOTAX", tax=False)
    make_invoice(app, invoice_date="2026-06-13", number="INV-CANCELLED", status="cancelled")
    make_invoice(app, invoice_date="2026-07-01", number="INV-JULY")
    page = admin_client.get("/export/?period=2026-06").get_data(as_text=True)
    for label in ("E-Faktur No", "Export CSV", "E-Faktur No", "Invoice No", "Due Date", "Customer Name", "NPWP Name",
                  "NPWP", "Invoice Status", "Export Status", "Period", "Show", "Generate E-Faktur No", "Export XML"):
        assert label in page, label
    assert "INV-JUNE" in page and "010.000-26.00000001" in page
    assert "INV-NOTSET" in page and "(Not Set)" in page
    for absent in ("INV-NOTAX", "INV-CANCELLED", "INV-JULY"):
        assert absent not in page
    assert page.count("Not Exported</span>") == 2
    assert june


def test_the_period_defaults_to_this_month_and_bad_periods_are_answered(admin_client, app):
    make_invoice(app, invoice_date="2026-06-02", number="INV-THIS-MONTH")
    assert "INV-THIS-MONTH" in admin_client.get("/export/").get_data(as_text=True)  # the tests' today: 15 June 2026
    for bad in ("garbage", "2026-13", "9999-12", "0000-01", "2026-06-01' OR 1=1", "%00"):
        response = admin_client.get(f"/export/?period={bad}")
        assert response.status_code == 200
        assert "Choose a month" in response.get_data(as_text=True)


def test_export_status_filter(admin_client, app, range_2026, company):
    first, second = numbered(app, 2)
    assert export(admin_client, "csv", [first]).status_code == 200
    only_exported = listed(admin_client, "period=2026-06&export_status=exported")
    not_exported = listed(admin_client, "period=2026-06&export_status=not_exported")
    assert f"export-row-{first}" in only_exported and f"export-row-{second}" not in only_exported
    assert f"export-row-{second}" in not_exported and f"export-row-{first}" not in not_exported


def test_export_csv_downloads_the_file_and_marks_the_rows_exported(admin_client, app, range_2026, company):
    ids = numbered(app, 2)
    response = admin_client.post("/export/download", data={"format": "csv", "invoice_ids": [str(i) for i in ids]})
    assert response.status_code == 200
    assert response.is_streamed  # a generator: the file is never built whole in memory
    assert all(exported_at(app, i) is None for i in ids)  # not before the last byte
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="PT-Maju-Jaya_2026-06_e-Faktur-CSV.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [row[0] for row in rows] == ["FK", "LT", "OF", "FK", "OF", "FK", "OF"]
    assert [row[3] for row in rows if row[0] == "FK"][1:] == ["0002600000001", "0002600000002"]
    assert all(exported_at(app, i) is not None for i in ids)
    page = listed(admin_client)
    assert page.count('<span class="badge on">Exported</span>') == 2
    with app.app_context():
        entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "export.csv")).one()
        assert entry.actor == "admin@example.com"
        assert "Exported 2 invoices of June 2026 as e-Faktur CSV" in entry.summary
        assert "T-" in entry.summary


def coretax_invoices(app, count=1, **fields):
    """Invoices for Coretax: no range number (DJP numbers them when it approves them)."""
    return [make_invoice(app, invoice_date=fields.pop("invoice_date", "2026-06-10"), **fields) for _ in range(count)]


def test_export_xml_is_valid_against_the_schema_and_marks_too(admin_client, app, range_2026, company):
    ids = coretax_invoices(app, 3, customer_email="tax@maju.co.id")
    response = export(admin_client, "xml", ids)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"].endswith('_2026-06_Coretax-XML.xml"')
    doc = etree.fromstring(response.get_data())
    SCHEMA.assertValid(doc)
    assert doc.findtext("TIN") == "0012345678901000"
    assert len(doc.find("ListOfTaxInvoice")) == 3
    assert doc.findtext("ListOfTaxInvoice/TaxInvoice/BuyerEmail") == "tax@maju.co.id"
    assert all(exported_at(app, i) is not None for i in ids)


def test_exporting_again_is_allowed_and_gives_the_same_data(admin_client, app, range_2026, company):
    ids = numbered(app, 2)
    first = export(admin_client, "csv", ids).get_data()
    again = export(admin_client, "csv", ids).get_data()
    assert first == again


def test_invoices_without_a_number_are_refused_by_name_and_nothing_is_marked(admin_client, app, range_2026, company):
    (with_number,) = numbered(app)
    without = make_invoice(app, invoice_date="2026-06-11", number="INV-WAITING")
    response = export(admin_client, "csv", [with_number, without])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1 invoice has no E-Faktur No (INV-WAITING)" in body and "generate their numbers first" in body
    assert exported_at(app, with_number) is None
    assert export(admin_client, "xml", [without]).status_code == 200  # Coretax numbers it


def test_each_invoice_goes_one_way_by_its_number(admin_client, app, range_2026, company):
    """A range number goes to the desktop CSV only; without one, to the Coretax XML only (never both: the same
    invoice reported twice)."""
    (with_number,) = numbered(app, number="INV-DESKTOP")
    (coretax,) = coretax_invoices(app, number="INV-CORETAX")
    response = export(admin_client, "xml", [with_number, coretax])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1 invoice holds an E-Faktur No from an NSFP range, so it goes to desktop e-Faktur as CSV" in body
    assert "(INV-DESKTOP)" in body and "export them as CSV" in body
    assert exported_at(app, coretax) is None
    assert "1 invoice has no E-Faktur No (INV-CORETAX)" in export(admin_client, "csv", [coretax]).get_data(as_text=True)


def test_a_company_npwp_is_required_and_the_message_says_where(admin_client, app, range_2026):
    ids = numbered(app)
    response = export(admin_client, "csv", ids)
    assert response.status_code == 422
    assert "Billing Settings" in response.get_data(as_text=True)


def test_code_10_goes_to_coretax_only(admin_client, app, range_2026, company):
    coretax = make_invoice(app, code="10", number="INV-CORETAX")
    csv_response = export(admin_client, "csv", [coretax])
    assert csv_response.status_code == 422
    assert "code 10, which exists only in Coretax" in csv_response.get_data(as_text=True)
    xml_response = export(admin_client, "xml", [coretax])
    assert xml_response.status_code == 200
    assert etree.fromstring(xml_response.get_data()).findtext("ListOfTaxInvoice/TaxInvoice/TrxCode") == "10"
    page = listed(admin_client)
    assert 'data-file="xml"' in page and "Coretax XML" in page


def test_coretax_takes_no_invoice_dated_before_2025(admin_client, app, company):
    add_range(app, 2024, "000-24.00000001", "000-24.00000010")
    ids = numbered(app, invoice_date="2024-12-30")
    response = export(admin_client, "xml", ids)
    assert response.status_code == 422
    assert "dated before 2025" in response.get_data(as_text=True)
    assert export(admin_client, "csv", ids).status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"invoice_ids": ["999999"]},
        {"invoice_ids": ["2147483648"]},
        {"invoice_ids": ["9223372036854775808"]},
        {"invoice_ids": ["abc"]},
        {"invoice_ids": ["1" * 5000]},
        {"scope": "period", "period": "garbage"},
        {},
    ],
)
def test_bad_selections_are_refused_not_500(admin_client, app, company, form):
    for fmt in ("csv", "xml", "pdf"):
        response = admin_client.post("/export/download", data={"format": fmt, **form}, headers=HTMX)
        assert response.status_code == 422, (fmt, form)


def test_all_of_the_period_across_pages(admin_client, app, range_2026, company):
    ids = numbered(app, 60)
    make_invoice(app, invoice_date="2026-07-01")  # another period: never included
    page = admin_client.get("/export/?period=2026-06").get_data(as_text=True)
    assert "Page 1 of 2" in page and "Tick all 60 invoices of June 2026" in page
    response = export(admin_client, "csv", scope="period", period="2026-06")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert sum(1 for row in rows if row[0] == "FK") == 61  # the header line and 60 invoices
    assert all(exported_at(app, i) is not None for i in ids)
    # With a filter, "all" means all of the period that match it.
    new_one = numbered(app, invoice_date="2026-06-20")[0]
    response = export(admin_client, "csv", scope="period", period="2026-06", export_status="not_exported")
    assert sum(1 for row in csv.reader(io.StringIO(response.get_data(as_text=True))) if row[0] == "FK") == 2
    assert exported_at(app, new_one) is not None


def test_ticking_all_of_the_period_refuses_when_some_have_no_number(admin_client, app, range_2026, company):
    numbered(app, 2)
    make_invoice(app, invoice_date="2026-06-11", number="INV-WAITING")
    response = export(admin_client, "csv", scope="period", period="2026-06")
    assert response.status_code == 422
    assert "INV-WAITING" in response.get_data(as_text=True)


def test_editing_an_exported_invoice_makes_it_not_exported(admin_client, app, range_2026, company):
    (invoice_id,) = numbered(app)
    export(admin_client, "csv", [invoice_id])
    assert exported_at(app, invoice_id) is not None
    from efaktur.invoices.services import update_invoice
    from tests.test_invoice_edit import draft_of

    with app.test_request_context():
        update_invoice(invoice_id, draft_of(app, invoice_id, customer_name="PT Baru"))
    assert exported_at(app, invoice_id) is None
    assert "Not Exported" in listed(admin_client)


def test_an_invoice_edited_while_its_file_is_written_stays_not_exported(app, range_2026, company):
    from efaktur.exports.queries import Selection
    from efaktur.exports.services import plan_export, stream_export
    from efaktur.invoices.services import update_invoice
    from tests.test_invoice_edit import draft_of

    first, second = numbered(app, 2)
    with app.test_request_context():
        stream = stream_export(plan_export("csv", Selection.of_ids([first, second])))
        text = next(stream)  # a small file: every row is read and written by now
        update_invoice(second, draft_of(app, second, customer_name="PT Changed Meanwhile"))
        rest = list(stream)  # the end of the file: the marks
    assert "PT Changed Meanwhile" not in text and rest == []
    assert exported_at(app, first) is not None
    assert exported_at(app, second) is None
    with app.app_context():
        summary = db.session.scalars(db.select(ActivityEntry.summary).where(ActivityEntry.action == "export.csv")).one()
    assert "1 changed while the file was written and stay Not Exported" in summary


def test_a_download_broken_off_marks_nothing(app, range_2026, company):
    from efaktur.exports.queries import Selection
    from efaktur.exports.services import plan_export, stream_export

    ids = coretax_invoices(app, 3)
    with app.test_request_context():
        stream = stream_export(plan_export("xml", Selection.of_ids(ids)))
        next(stream)
        stream.close()  # the client went away
    assert all(exported_at(app, i) is None for i in ids)


def test_marking_is_one_statement_whatever_the_count(admin_client, app, range_2026, company):
    ids = numbered(app, 40)
    updates = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE INVOICE"):
            updates.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert export(admin_client, "csv", ids).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(updates) == 1
    assert all(exported_at(app, i) is not None for i in ids)


def test_staff_export_too(staff_client, app, range_2026, company):
    ids = numbered(app)
    assert export(staff_client, "csv", ids).status_code == 200


def test_cancelled_number_means_not_exported(admin_client, app, range_2026, company):
    from efaktur.invoices.services import change_status
    from efaktur.numbers.ledger import cancel_number

    (invoice_id,) = numbered(app)
    export(admin_client, "csv", [invoice_id])
    with app.test_request_context():
        change_status(invoice_id, "cancelled")
        cancel_number(invoice_id)
    assert exported_at(app, invoice_id) is None


def test_generate_from_the_export_tab_numbers_the_not_set_ones(admin_client, app, range_2026):
    from efaktur.settings.models import ThresholdAlert
    from tests.conftest import set_threshold

    (held,) = numbered(app)
    waiting = [make_invoice(app, invoice_date="2026-06-11") for _ in range(2)]
    set_threshold(app, 10_000, emails=["finance@example.com"])
    confirm = admin_client.post("/export/generate/confirm", data={"scope": "period", "period": "2026-06"}, headers=HTMX)
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Generate E-Faktur No for 2 invoices?" in body and 'action="/invoices/generate"' in body
    assert f'value="{compact_ids(waiting)}"' in body
    assert "1 of the selected invoices already holds a number" in body
    # The same plan as the Invoices page's dialog: the years, what is available and what is left.
    assert 'id="generate-years"' in body and "2 numbers from 2026:" in body
    done = admin_client.post("/invoices/generate", data={"invoice_ids": f"{waiting[0]},{waiting[1]}"}, headers=HTMX)
    assert "2 E-Faktur numbers generated" in done.get_data(as_text=True)
    page = listed(admin_client)
    assert "010.000-26.00000002" in page and "010.000-26.00000003" in page and "(Not Set)" not in page
    with app.app_context():  # the same threshold recheck as the Invoices page
        assert db.session.scalar(db.select(db.func.count(ThresholdAlert.id))) == 1
    assert held


def test_generate_from_the_tab_when_nothing_waits(admin_client, app, range_2026):
    ids = numbered(app)
    response = admin_client.post("/export/generate/confirm", data={"invoice_ids": [str(i) for i in ids]}, headers=HTMX)
    assert response.status_code == 422
    assert "(Not Set)" in response.get_data(as_text=True)


def test_nik_buyer_and_lines_reach_the_files(admin_client, app, range_2026, company):
    lines = [DraftLine("Jasa konsultasi", Decimal(2), 1_500_000, kind="B", goods_code="000000", unit="UM.0030"),
             DraftLine("Laptop", Decimal("1.5"), 100_001, kind="A", goods_code="847130", unit="UM.0018")]
    invoice_id = make_invoice(app, code="04", lines=lines, buyer_document="nik", buyer_document_number="3171012345678901",
                              npwp="", npwp_name="", customer_name="Budi Santoso")
    generate(app, [invoice_id])
    rows = list(csv.reader(io.StringIO(export(admin_client, "csv", [invoice_id]).get_data(as_text=True))))
    fk, of1, of2 = rows[3:]
    assert fk[7:9] == ["3171012345678901", "Budi Santoso"]  # e-Faktur 4.0: the NIK in the NPWP column
    assert fk[10:12] == ["2887501", "346500"]
    assert (of1[1], of2[1]) == ("", "847130")
    twin = make_invoice(app, code="04", lines=lines, buyer_document="nik", buyer_document_number="3171012345678901",
                        npwp="", npwp_name="", customer_name="Budi Santoso")  # the same, for Coretax (no range number)
    doc = etree.fromstring(export(admin_client, "xml", [twin]).get_data())
    SCHEMA.assertValid(doc)
    goods = doc.find("ListOfTaxInvoice/TaxInvoice/ListOfGoodService")
    assert [(g.findtext("Opt"), g.findtext("Unit"), g.findtext("Code")) for g in goods] == [
        ("B", "UM.0030", "000000"), ("A", "UM.0018", "847130")
    ]
    assert doc.findtext("ListOfTaxInvoice/TaxInvoice/BuyerDocument") == "National ID"
    assert date(2026, 6, 1) <= date.fromisoformat(doc.findtext("ListOfTaxInvoice/TaxInvoice/TaxInvoiceDate"))


def test_an_invoice_with_a_coretax_number_is_in_coretax_already(admin_client, app, company):
    from efaktur.invoices.coretax import record_coretax_number

    invoice_id = make_invoice(app, code="04", number="INV-IN-CORETAX")
    with app.test_request_context():
        record_coretax_number(invoice_id, "04002600000000077")
    response = export(admin_client, "xml", [invoice_id])
    assert response.status_code == 422
    assert "1 invoice holds a Coretax number, so it is in Coretax already (INV-IN-CORETAX)" in response.get_data(as_text=True)
    page = listed(admin_client)
    assert "04002600000000077" in page and "(Not Set)" not in page
    confirm = admin_client.post("/export/generate/confirm", data={"invoice_ids": str(invoice_id)}, headers=HTMX)
    assert confirm.status_code == 422


def test_the_tab_shows_the_periods_totals_the_invoice_date_and_the_file_each_row_went_out_in(admin_client, app,
                                                                                                  range_2026, company):
    from decimal import Decimal

    from efaktur.invoices.services import DraftLine

    first, second = numbered(app, count=2, code="04", lines=[DraftLine("Audit", Decimal(1), 1_000_001)])
    facility = numbered(app, code="07", invoice_date="2026-06-20", lines=[DraftLine("Ekspor", Decimal(1), 2_000_000)])
    make_invoice(app, invoice_date="2026-06-21", tax=False)  # no invoice tax: not on the tab, not in the totals
    page = listed(admin_client)
    # DPP 1,000,001 + 1,000,001 + 2,000,000; PPN 12% of 11/12: 110,000.11 rounded down to 110,000 per invoice;
    # the 07 invoice's 220,000 is computed and not charged.
    assert 'id="period-dpp">Rp 4,000,002.00<' in page
    assert 'id="period-ppn">Rp 220,000<' in page and 'id="period-ppn-not-charged">Rp 220,000<' in page
    assert 'data-col="invoice-date">10 Jun 2026<' in page and 'data-col="invoice-date">20 Jun 2026<' in page
    assert export(admin_client, "csv", [first]).status_code == 200
    page = listed(admin_client)
    row = page.split(f'id="export-row-{first}"')[1].split("</tr>")[0]
    assert 'data-col="exported-file">' in row and ".csv</span>" in row
    assert 'data-col="exported-file"' not in page.split(f'id="export-row-{second}"')[1].split("</tr>")[0]
    assert facility
