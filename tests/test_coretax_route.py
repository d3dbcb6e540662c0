"""Which way each invoice goes (point 1): range-numbered to the desktop CSV, the rest to the Coretax XML; the
company's Reporting route on Billing Settings; a Coretax-only company never asked for a range or a Generate;
the XML in parts of at most 1,000 invoices; the API's coretax_status."""
import html
import io
import re
import zipfile

import pytest
from lxml import etree

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from tests.conftest import HTMX, add_range, generate, make_invoice, set_company, set_route
from tests.coretax_files import list_row, output_list_xlsx
from tests.test_exports import export, listed
from tests.test_formats import SCHEMA


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def both(app):
    """A company on both routes: one invoice numbered from a range, one not."""
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    ranged = make_invoice(app, code="04", number="INV-RANGE", invoice_date="2026-06-10")
    generate(app, [ranged])
    plain = make_invoice(app, code="04", number="INV-PLAIN", invoice_date="2026-06-11")
    return ranged, plain


def test_each_invoice_goes_one_way_and_the_wrong_file_is_refused_by_name(admin_client, app, both):
    ranged, plain = both
    xml = export(admin_client, "xml", [ranged, plain])
    assert xml.status_code == 422
    said = text(xml)
    assert "INV-RANGE" in said and "holds an E-Faktur No from an NSFP range, so it goes to desktop e-Faktur as CSV" in said
    assert "INV-PLAIN" not in said
    csv_response = export(admin_client, "csv", [ranged, plain])
    assert csv_response.status_code == 422 and "INV-PLAIN" in text(csv_response)
    assert export(admin_client, "xml", [plain]).status_code == 200
    assert export(admin_client, "csv", [ranged]).status_code == 200
    page = listed(admin_client)
    assert f'id="export-row-{ranged}"' in page
    row_of = {n: page.split(f'id="export-row-{n}"')[1].split("</tr>")[0] for n in both}
    assert 'data-file="csv"' in row_of[ranged] and 'data-file="in_coretax"' not in row_of[ranged]
    assert 'data-file="xml_or_csv"' in row_of[plain] or 'data-file="xml"' in row_of[plain]


def test_the_api_refuses_a_range_numbered_invoice_in_the_xml_with_409(app, both):
    from tests.test_api import make_token

    headers, _ = make_token(app)
    client = app.test_client()
    response = client.post("/api/v1/exports/xml", json={"invoice_ids": [both[0]]}, headers=headers)
    assert response.status_code == 409
    assert "INV-RANGE" in response.get_json()["error"]["message"]
    assert "NSFP range" in response.get_json()["error"]["message"]


def test_billing_settings_say_which_route_the_company_uses(admin_client, app):
    page = admin_client.get("/settings/billing").get_data(as_text=True)
    assert 'id="route-card"' in page
    (both_choice,) = re.findall(r'<input[^>]*value="both"[^>]*>', page)
    assert "checked" in both_choice
    response = admin_client.post("/settings/route", data={"route": "coretax"}, headers=HTMX)
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    with app.app_context():
        from efaktur.settings.services import current_settings

        assert current_settings().route == "coretax"
        (entry,) = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "company.route"))
    assert entry.summary == "Reporting route changed from Coretax and e-Faktur desktop to Coretax."
    bad = admin_client.post("/settings/route", data={"route": "fax"}, headers=HTMX)
    assert bad.status_code == 422 and "Choose one of the routes." in bad.get_data(as_text=True)
    # The company form saved after it is not stale: the route has no revision of its own.
    company = admin_client.post("/settings/company", headers=HTMX, data={
        "company_name": "PT A", "company_npwp": "012345678901000", "business_location_code": "000000", "revision": "0"})
    assert company.status_code == 200, company.get_data(as_text=True)


def test_staff_cannot_change_the_route(staff_client):
    assert staff_client.post("/settings/route", data={"route": "coretax"}, headers=HTMX).status_code == 403


@pytest.fixture
def coretax_company(app):
    set_company(app)
    set_route(app, "coretax")
    return [make_invoice(app, code="04", number=f"INV-{n}", invoice_date="2026-06-10") for n in range(1, 8)]


def test_a_coretax_only_company_is_never_asked_for_a_range_or_a_generate(admin_client, app, coretax_company):
    invoices_page = admin_client.get("/invoices/").get_data(as_text=True)
    assert 'id="generate-button"' not in invoices_page and 'name="invoice_ids"' not in invoices_page
    assert "Waiting to be exported" in invoices_page and "(Not Set)" not in invoices_page
    detail = admin_client.get(f"/invoices/{coretax_company[0]}").get_data(as_text=True)
    assert "Generate E-Faktur No" not in detail and "E-Faktur No history" not in detail
    assert 'id="coretax-card"' in detail
    assert 'id="export-generate"' not in listed(admin_client)
    numbers = admin_client.get("/numbers/").get_data(as_text=True)
    assert "+ Tax Number" not in numbers and "Setting Threshold" not in numbers
    assert 'id="coretax-state"' in numbers and 'id="threshold-not-applied"' in numbers
    assert "The threshold alert does not apply" in html.unescape(numbers)
    threshold = admin_client.get("/settings/threshold", headers=HTMX).get_data(as_text=True)
    assert 'id="threshold-not-applied"' in threshold
    # Generate itself refuses, on every way in.
    for url in ("/invoices/generate/confirm", "/invoices/generate", "/export/generate/confirm"):
        response = admin_client.post(url, data={"invoice_ids": str(coretax_company[0])}, headers=HTMX)
        assert response.status_code == 422 and "reports through Coretax" in text(response), url
    with app.app_context():
        assert db.session.get(Invoice, coretax_company[0]).exported_at is None


def test_the_api_generate_is_refused_for_a_coretax_only_company(app, coretax_company):
    from tests.test_api import make_token

    headers, _ = make_token(app)
    response = app.test_client().post(f"/api/v1/invoices/{coretax_company[0]}/efaktur-number", headers=headers)
    assert response.status_code == 409 and "reports through Coretax" in response.get_json()["error"]["message"]


def test_the_threshold_never_warns_or_mails_a_coretax_only_company(admin_client, app, coretax_company):
    from efaktur.settings.alerts import recheck_after_generate, threshold_warning
    from efaktur.settings.services import save_threshold

    with app.test_request_context():
        save_threshold(5, True)
        assert threshold_warning() is None
        assert recheck_after_generate() is None
    assert 'id="threshold-warning"' not in admin_client.get("/invoices/").get_data(as_text=True)


def test_the_efaktur_no_page_counts_where_this_years_invoices_stand(admin_client, app, coretax_company):
    one, two, three, four, five, six, seven = coretax_company
    make_invoice(app, code="04", number="INV-2025", invoice_date="2025-06-10")  # another year: not counted
    export(admin_client, "xml", [two, three, four, five, six, seven])
    rows = [list_row("INV-3", "04002600000000003"), list_row("INV-4", "04002600000000004"),
            list_row("INV-5", "04012600000000005"),  # a replacement (no original held: recorded as it is)
            list_row("INV-6", "04002600000000006", status="CANCELED"), list_row("INV-7", "", status="REJECTED")]
    admin_client.post("/files/coretax-list", data={"file": (io.BytesIO(output_list_xlsx(rows)), "l.xlsx")},
                      headers=HTMX, content_type="multipart/form-data")
    page = admin_client.get("/numbers/").get_data(as_text=True)

    def count(bucket):
        return page.split(f'id="coretax-count-{bucket}">')[1].split("<")[0]

    assert [count(b) for b in ("waiting_export", "exported", "approved", "replaced", "cancelled", "rejected")] == \
        ["1", "1", "2", "1", "1", "1"]
    # Each count opens the Invoices list with exactly those invoices.
    approved = admin_client.get("/invoices/?coretax=approved&year=2026").get_data(as_text=True)
    assert "INV-3" in approved and "INV-4" in approved and "INV-5" not in approved and "INV-1<" not in approved
    waiting = admin_client.get("/invoices/?coretax=waiting_export&year=2026").get_data(as_text=True)
    assert "INV-1" in waiting and "INV-2025" not in waiting and "INV-2<" not in waiting


def test_a_desktop_only_company_keeps_the_desktop_way_and_exports_no_xml(admin_client, app, both):
    set_route(app, "desktop")
    page = listed(admin_client)
    assert 'value="xml"' not in page and 'id="export-generate"' in page
    refused = export(admin_client, "xml", [both[1]])
    assert refused.status_code == 422 and "reports through e-Faktur desktop" in text(refused)
    assert 'id="generate-button"' in admin_client.get("/invoices/").get_data(as_text=True)
    assert "Import Coretax List" not in admin_client.get("/files/").get_data(as_text=True)


def test_more_than_1000_invoices_download_as_a_zip_of_valid_parts(admin_client, app):
    """1,001 invoices: two files, of 1,000 and 1, each a TaxInvoiceBulk on its own; in the API too."""
    set_company(app)
    first = make_invoice(app, code="04", number="INV-0001", invoice_date="2026-06-10")
    with app.app_context():  # 1,000 more like it, inserted as rows (the service would take a while)
        from efaktur.invoices.models import InvoiceLine

        invoice_table, line_table = Invoice.__table__, InvoiceLine.__table__
        head = dict(db.session.execute(invoice_table.select().where(invoice_table.c.id == first)).mappings().one())
        line = dict(db.session.execute(line_table.select().where(line_table.c.invoice_id == first)).mappings().one())
        for n in range(2, 1002):
            invoice_id = db.session.execute(invoice_table.insert().values(
                {**{k: v for k, v in head.items() if k != "id"}, "number": f"INV-{n:04d}"})).inserted_primary_key[0]
            db.session.execute(line_table.insert().values({**{k: v for k, v in line.items() if k != "id"},
                                                           "invoice_id": invoice_id}))
        db.session.commit()
    response = export(admin_client, "xml", scope="period", period="2026-06")
    assert response.status_code == 200, text(response)
    assert response.mimetype == "application/zip"
    assert 'filename="PT-Maju-Jaya_2026-06_Coretax-XML.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.namelist() == ["PT-Maju-Jaya_2026-06_Coretax-XML-part-1-of-2.xml",
                                  "PT-Maju-Jaya_2026-06_Coretax-XML-part-2-of-2.xml"]
    counts = []
    for name in archive.namelist():
        document = etree.fromstring(archive.read(name))
        SCHEMA.assertValid(document)
        counts.append(len(document.findall("ListOfTaxInvoice/TaxInvoice")))
    assert counts == [1000, 1]
    refs = [r.text for name in archive.namelist() for r in etree.fromstring(archive.read(name)).iter("RefDesc")]
    assert len(refs) == len(set(refs)) == 1001
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Invoice).where(Invoice.exported_at.is_(None))) == 0
    from tests.test_api import make_token

    headers, _ = make_token(app)
    api = app.test_client().post("/api/v1/exports/xml", json={"month": "2026-06"}, headers=headers)
    assert api.status_code == 200 and api.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(api.get_data())).namelist()) == 2


def test_exactly_1000_invoices_are_one_xml_file(admin_client, app, monkeypatch):
    from efaktur.exports import services

    set_company(app)
    ids = [make_invoice(app, code="04", invoice_date="2026-06-10") for _ in range(3)]
    monkeypatch.setattr(services, "XML_PART_SIZE", 3)
    response = export(admin_client, "xml", ids)
    assert response.mimetype == "application/xml"
    monkeypatch.setattr(services, "XML_PART_SIZE", 2)
    assert export(admin_client, "xml", ids).mimetype == "application/zip"


def test_the_api_carries_coretax_status_filters_on_it_and_records_a_number(app):
    from tests.test_api import make_token

    set_company(app)
    one = make_invoice(app, code="04", number="INV-1")
    two = make_invoice(app, code="04", number="INV-2")
    headers, _ = make_token(app)
    client = app.test_client()
    recorded = client.post(f"/api/v1/invoices/{one}/coretax-number", headers=headers,
                           json={"number": "04002600000000001", "status": "APPROVED"})
    assert recorded.status_code == 200, recorded.get_data(as_text=True)
    assert (recorded.get_json()["coretax_number"], recorded.get_json()["coretax_status"]) == ("04002600000000001", "approved")
    draft = client.post(f"/api/v1/invoices/{two}/coretax-number", headers=headers, json={"status": "CREATED"})
    assert draft.get_json()["coretax_status"] == "created" and draft.get_json()["coretax_number"] is None
    taken = client.post(f"/api/v1/invoices/{two}/coretax-number", headers=headers, json={"number": "04002600000000001"})
    assert taken.status_code == 409 and "belongs to invoice INV-1" in taken.get_json()["error"]["message"]
    no_number = client.post(f"/api/v1/invoices/{two}/coretax-number", headers=headers, json={"status": "APPROVED"})
    assert no_number.status_code == 422 and "number" in no_number.get_json()["error"]["fields"]
    listing = client.get("/api/v1/invoices?coretax_status=approved", headers=headers).get_json()
    assert [i["number"] for i in listing["items"]] == ["INV-1"]
    none = client.get("/api/v1/invoices?coretax_status=none", headers=headers).get_json()
    assert "INV-1" not in [i["number"] for i in none["items"]]
    assert client.get("/api/v1/invoices?coretax_status=lost", headers=headers).status_code == 422
    cancelled = client.post(f"/api/v1/invoices/{one}/coretax-number", headers=headers,
                            json={"number": "04002600000000001", "status": "CANCELED"})
    assert cancelled.get_json()["coretax_status"] == "cancelled"


def test_cancel_efaktur_no_stays_a_range_number_action(admin_client, app):
    """A Coretax number is never returned to a pool: the invoice page offers no Cancel E-Faktur No for it."""
    set_company(app)
    invoice_id = make_invoice(app, code="04", number="INV-CT")
    admin_client.post(f"/invoices/{invoice_id}/coretax-number", data={"coretax_number": "04002600000000001"}, headers=HTMX)
    admin_client.post(f"/invoices/{invoice_id}/status", data={"status": "cancelled"}, headers=HTMX)
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Cancel E-Faktur No" not in page
    refused = admin_client.post(f"/invoices/{invoice_id}/cancel-number", headers=HTMX)
    assert refused.status_code in (404, 405, 422)
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).coretax_number == "04002600000000001"


def test_on_both_routes_the_coretax_counts_show_once_coretax_has_something_of_the_year(admin_client, app, both):
    assert 'id="coretax-state"' not in admin_client.get("/numbers/").get_data(as_text=True)
    export(admin_client, "xml", [both[1]])
    page = admin_client.get("/numbers/").get_data(as_text=True)
    assert 'id="coretax-state"' in page and 'id="coretax-count-exported">1<' in page
    assert 'id="number-table"' in page  # the ranges stay
