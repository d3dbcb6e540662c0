"""Customers: kept once, found as the clerk types on New Invoice, filling the buyer's fields; one NPWP
under two names is warned about; Duplicate starts a new invoice from an old one."""
import json
import re

import pytest

from efaktur.customers.models import Customer
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.rules.identity import format_npwp
from tests.conftest import HTMX, make_invoice
from tests.test_invoices import GOOD, post_invoice

CUSTOMER = {
    "customer_name": "PT Sinar Abadi",
    "npwp_name": "PT Sinar Abadi Tbk",
    "buyer_document": "tin",
    "npwp": "01.234.567.8-901.000",
    "buyer_country": "IDN",
    "buyer_branch_code": "000001",
    "address": "Jl. Thamrin 5, Jakarta",
    "customer_email": "finance@sinar.co.id",
    "customer_language": "en",
}


def add_customer(client, **changes):
    data = {k: v for k, v in {**CUSTOMER, **changes}.items() if v is not None}
    return client.post("/customers/new", data=data, headers=HTMX)


def customers(app):
    with app.app_context():
        return db.session.scalars(db.select(Customer).order_by(Customer.id)).all()


def test_a_customer_added_is_listed_with_its_npwp_as_djp_writes_it(admin_client, app):
    response = add_customer(admin_client)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "customersChanged" in response.headers["HX-Trigger"]
    (customer,) = customers(app)
    assert (customer.name, customer.npwp, customer.npwp16, customer.buyer_branch_code, customer.email,
            customer.email_language) == ("PT Sinar Abadi", "012345678901000", "0012345678901000", "000001",
                                         "finance@sinar.co.id", "en")
    page = admin_client.get("/customers/").get_data(as_text=True)
    assert "PT Sinar Abadi" in page and "0012 3456 7890 1000" in page and "finance@sinar.co.id" in page


def test_staff_keep_customers_too(staff_client, app):
    assert add_customer(staff_client).status_code == 200
    assert staff_client.get("/customers/").status_code == 200


@pytest.mark.parametrize("field, value, message", [
    ("customer_name", "  ", "Enter the customer"),
    ("npwp", "12345", "NPWP is 15 or 16 digits"),
    ("customer_email", "not an address", "e-mail"),
    ("buyer_branch_code", "12", "6 digits"),
])
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_kept(admin_client, app, field, value, message):
    response = add_customer(admin_client, **{field: value})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body and message.lower() in body.lower()
    assert customers(app) == []


def test_two_customers_of_one_name_whatever_its_letter_case_are_refused(admin_client, app):
    assert add_customer(admin_client).status_code == 200
    response = add_customer(admin_client, customer_name="pt sinar abadi", npwp="")
    assert response.status_code == 422
    assert "A customer named PT Sinar Abadi exists already" in response.get_data(as_text=True)
    assert len(customers(app)) == 1


@pytest.mark.parametrize("first, second", [
    ("Ĥalo Ĝroup", "ĥALO ĝROUP"),  # SQLite's lower() knows only A-Z
    ("Café Ñusa", "CAFE\u0301 N\u0303USA"),  # a composed letter and the same letter decomposed
    ("Straße Jaya", "STRASSE JAYA"),
])
def test_one_name_in_any_letter_case_or_unicode_spelling_is_one_customer(admin_client, app, first, second):
    assert add_customer(admin_client, customer_name=first, npwp="").status_code == 200
    response = add_customer(admin_client, customer_name=second, npwp="")
    assert response.status_code == 422
    assert f"A customer named {first} exists already" in response.get_data(as_text=True)
    assert len(customers(app)) == 1
    found = admin_client.get("/customers/suggest", query_string={"customer_q": second.split()[0]}, headers=HTMX)
    assert first in found.get_data(as_text=True)


def test_editing_a_customer_keeps_the_invoices_made_before_as_they_were(admin_client, app):
    add_customer(admin_client)
    (customer,) = customers(app)
    assert post_invoice(admin_client, customer_id=str(customer.id)).status_code == 200
    form = admin_client.get(f"/customers/{customer.id}/edit", headers=HTMX).get_data(as_text=True)
    assert 'value="PT Sinar Abadi"' in form and 'name="revision" type="hidden" value="0"' in form
    response = admin_client.post(f"/customers/{customer.id}/edit", headers=HTMX,
                                 data={**CUSTOMER, "address": "Jl. Baru 9, Bandung", "revision": "0"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert customers(app)[0].address == "Jl. Baru 9, Bandung"
    with app.app_context():
        invoice = db.session.scalars(db.select(Invoice)).one()
        assert (invoice.customer_id, invoice.address) == (customer.id, "Jl. Thamrin 5, Jakarta")


def test_an_edit_from_a_form_opened_before_another_save_is_refused(admin_client, app):
    add_customer(admin_client)
    (customer,) = customers(app)
    first = admin_client.post(f"/customers/{customer.id}/edit", headers=HTMX,
                              data={**CUSTOMER, "address": "One", "revision": "0"})
    assert first.status_code == 200
    second = admin_client.post(f"/customers/{customer.id}/edit", headers=HTMX,
                               data={**CUSTOMER, "address": "Two", "revision": "0"})
    assert second.status_code == 422 and 'id="stale-edit"' in second.get_data(as_text=True)
    assert customers(app)[0].address == "One"


def _fills(body):
    return [json.loads(match.replace("&#39;", "'")) for match in re.findall(r"data-fill='([^']*)'", body)]


def test_typing_on_new_invoice_finds_customers_by_name_or_npwp_and_offers_their_fields(admin_client, app):
    add_customer(admin_client)
    add_customer(admin_client, customer_name="CV Abadi Jaya", npwp_name="", npwp="0023456789012000")
    add_customer(admin_client, customer_name="Toko Lain", npwp_name="", npwp="")
    found = _fills(admin_client.get("/customers/suggest?customer_q=abadi", headers=HTMX).get_data(as_text=True))
    assert [fill["customer_name"] for fill in found] == ["CV Abadi Jaya", "PT Sinar Abadi"]
    starts_first = _fills(admin_client.get("/customers/suggest?customer_q=pt", headers=HTMX).get_data(as_text=True))
    assert starts_first[0]["customer_name"] == "PT Sinar Abadi"
    (by_npwp,) = _fills(admin_client.get("/customers/suggest?customer_q=0023.4567", headers=HTMX).get_data(as_text=True))
    assert by_npwp["customer_name"] == "CV Abadi Jaya"
    assert found[1] == {"customer_name": "PT Sinar Abadi", "npwp_name": "PT Sinar Abadi Tbk", "buyer_document": "tin",
                        "npwp": "012345678901000", "buyer_id_number": "", "buyer_country": "IDN",
                        "buyer_branch_code": "000001", "address": "Jl. Thamrin 5, Jakarta",
                        "customer_email": "finance@sinar.co.id", "customer_language": "en",
                        "customer_id": str(customers(app)[0].id)}
    nothing = admin_client.get("/customers/suggest?customer_q=zzz", headers=HTMX).get_data(as_text=True)
    assert "No customer matches zzz" in nothing and "data-fill" not in nothing


def test_the_search_takes_like_wildcards_as_text(admin_client, app):
    add_customer(admin_client, customer_name="PT 100% Jaya", npwp="")
    add_customer(admin_client, customer_name="PT Seratus", npwp="")
    found = _fills(admin_client.get("/customers/suggest?customer_q=%25", headers=HTMX).get_data(as_text=True))
    assert [fill["customer_name"] for fill in found] == ["PT 100% Jaya"]
    page = admin_client.get("/customers/?q=_").get_data(as_text=True)
    assert "No customer matches _" in page


def test_a_buyer_typed_on_new_invoice_can_be_kept_as_a_customer(admin_client, app):
    response = post_invoice(admin_client, save_customer="y", customer_email="ap@sinar.co.id")
    assert response.status_code == 200, response.get_data(as_text=True)
    (customer,) = customers(app)
    assert (customer.name, customer.npwp, customer.email) == ("PT Sinar Abadi", "012345678901000", "ap@sinar.co.id")
    with app.app_context():
        assert db.session.scalars(db.select(Invoice.customer_id)).one() == customer.id
    again = post_invoice(admin_client, save_customer="y")
    assert again.status_code == 422
    body = again.get_data(as_text=True)
    assert 'id="save_customer-error"' in body and "choose it from the suggestions" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 1  # nothing half-written


def test_new_invoice_from_the_customers_page_comes_filled(admin_client, app):
    add_customer(admin_client)
    (customer,) = customers(app)
    form = admin_client.get(f"/invoices/new?customer={customer.id}", headers=HTMX).get_data(as_text=True)
    assert 'value="PT Sinar Abadi Tbk"' in form and 'value="finance@sinar.co.id"' in form
    assert f'name="customer_id" type="hidden" value="{customer.id}"' in form
    assert admin_client.get("/invoices/new?customer=99999", headers=HTMX).status_code == 200
    assert admin_client.get("/invoices/new?customer=x%00", headers=HTMX).status_code == 200


def test_an_invoice_naming_a_removed_customer_is_saved_without_one(admin_client, app):
    assert post_invoice(admin_client, customer_id="424242").status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(Invoice.customer_id)).one() is None


def test_one_npwp_under_two_names_is_warned_about_on_the_customer_and_on_the_invoice(admin_client, app):
    add_customer(admin_client)
    second = add_customer(admin_client, customer_name="PT Lain Sekali", npwp_name="", npwp="0012345678901000")
    assert second.status_code == 200
    assert "also kept for PT Sinar Abadi Tbk" in second.get_data(as_text=True)
    # Another spelling of the same name is not a second taxpayer.
    same = add_customer(admin_client, customer_name="Sinar", npwp_name="PT. SINAR ABADI TBK", npwp="012345678901000")
    assert "also kept for PT Lain Sekali." in same.get_data(as_text=True)  # but not for PT Sinar Abadi Tbk
    preview = admin_client.post("/invoices/amounts", headers=HTMX,
                                data={**GOOD, "npwp_name": "", "customer_name": "PT Ketiga"}).get_data(as_text=True)
    assert 'id="preview-npwp-warning"' in preview and "PT Lain Sekali" in preview
    invoice_id = make_invoice(app, customer_name="PT Ketiga", npwp_name="", npwp="012345678901000")
    detail = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="detail-npwp-warning"' in detail


def test_an_npwp_looks_the_same_whether_typed_with_15_or_16_digits():
    assert format_npwp("012345678901000") == format_npwp("0012345678901000") == "0012 3456 7890 1000"
    assert format_npwp("3201234567890001") == "3201 2345 6789 0001"


def test_duplicate_starts_a_new_invoice_from_an_old_one(admin_client, app):
    source = make_invoice(app, invoice_date="2026-03-02", due_date="2026-04-01", code="04",
                          customer_name="PT Asal", customer_email="a@asal.co.id")
    detail = admin_client.get(f"/invoices/{source}").get_data(as_text=True)
    assert f'/invoices/new?from={source}' in detail and "Duplicate" in detail
    form = admin_client.get(f"/invoices/new?from={source}", headers=HTMX).get_data(as_text=True)
    assert 'value="PT Asal"' in form and 'value="a@asal.co.id"' in form and 'value="Consulting"' in form
    assert 'name="number" placeholder="Left empty: generated" type="text" value=""' in form
    # Today's date (the clock of the tests), the same 30 days to pay.
    with app.test_request_context():
        from datetime import timedelta

        from efaktur.app_clock import local_today
        today = local_today()
    assert f'name="invoice_date" required type="date" value="{today.isoformat()}"' in form
    assert f'name="due_date" required type="date" value="{(today + timedelta(days=30)).isoformat()}"' in form
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 1


# ---- the API: the same customers ---------------------------------------------------------------

def test_the_api_keeps_lists_and_reads_customers(app):
    from tests.test_api import make_token

    headers, _ = make_token(app)
    client = app.test_client()
    made = client.post("/api/v1/customers", headers=headers, json={
        "name": "PT Sinar Abadi", "npwp": "01.234.567.8-901.000", "email": "finance@sinar.co.id", "branch_code": "000001"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["name"], body["npwp"], body["branch_code"], body["id_type"]) == (
        "PT Sinar Abadi", "012345678901000", "000001", "tin")
    assert client.get(f"/api/v1/customers/{body['id']}", headers=headers).get_json()["email"] == "finance@sinar.co.id"
    again = client.post("/api/v1/customers", headers=headers, json={"name": "pt sinar abadi"})
    assert again.status_code == 409
    assert again.get_json()["error"]["customer_id"] == body["id"]
    made = client.post("/api/v1/customers", headers=headers, json={"name": "\u00a0Ĥalo Ĵaya"})
    again = client.post("/api/v1/customers", headers=headers, json={"name": "ĥalo ĵaya"})
    assert again.status_code == 409 and again.get_json()["error"]["customer_id"] == made.get_json()["id"]
    bad = client.post("/api/v1/customers", headers=headers, json={"name": "X", "npwp": "123"})
    assert bad.status_code == 422 and "npwp" in bad.get_json()["error"]["fields"]
    for name in ("CV Dua", "CV Tiga"):
        client.post("/api/v1/customers", headers=headers, json={"name": name})
    first = client.get("/api/v1/customers?limit=2", headers=headers).get_json()
    assert [c["name"] for c in first["items"]] == ["PT Sinar Abadi", "Ĥalo Ĵaya"]
    rest = client.get(f"/api/v1/customers?limit=2&after={first['next_cursor']}", headers=headers).get_json()
    assert [c["name"] for c in rest["items"]] == ["CV Dua", "CV Tiga"] and rest["next_cursor"] is None
    searched = client.get("/api/v1/customers?q=tiga", headers=headers).get_json()
    assert [c["name"] for c in searched["items"]] == ["CV Tiga"]
    assert client.get("/api/v1/customers/999", headers=headers).status_code == 404
    assert len(customers(app)) == 4


def test_an_api_invoice_takes_its_buyer_from_a_customer_by_id(app):
    from tests.test_api import BODY, make_token

    headers, _ = make_token(app)
    client = app.test_client()
    customer = client.post("/api/v1/customers", headers=headers, json={
        "name": "PT Sinar Abadi", "npwp_name": "PT Sinar Abadi Tbk", "npwp": "0012345678901000",
        "address": "Jl. Thamrin 5", "email": "ap@sinar.co.id", "language": "en"}).get_json()
    body = {key: value for key, value in BODY.items() if key != "customer"}
    made = client.post("/api/v1/invoices", headers=headers, json={**body, "customer_id": customer["id"]})
    assert made.status_code == 201, made.get_json()
    buyer = made.get_json()["customer"]
    assert (buyer["id"], buyer["name"], buyer["npwp_name"], buyer["npwp"], buyer["email"], buyer["language"]) == (
        customer["id"], "PT Sinar Abadi", "PT Sinar Abadi Tbk", "0012345678901000", "ap@sinar.co.id", "en")
    both = client.post("/api/v1/invoices", headers=headers, json={**BODY, "customer_id": customer["id"]})
    assert both.status_code == 422 and "customer_id" in both.get_json()["error"]["fields"]
    neither = client.post("/api/v1/invoices", headers=headers, json=body)
    assert neither.status_code == 422 and "customer" in neither.get_json()["error"]["fields"]
    unknown = client.post("/api/v1/invoices", headers=headers, json={**body, "customer_id": 4242})
    assert unknown.status_code == 422 and "no customer 4242" in unknown.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 1


def test_a_search_holding_control_characters_searches_for_the_rest(admin_client, app):
    add_customer(admin_client)
    found = _fills(admin_client.get("/customers/suggest?customer_q=si%00nar", headers=HTMX).get_data(as_text=True))
    assert [fill["customer_name"] for fill in found] == ["PT Sinar Abadi"]
    assert "PT Sinar Abadi" in admin_client.get("/customers/?q=%00sinar").get_data(as_text=True)
