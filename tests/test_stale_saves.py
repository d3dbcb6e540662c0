"""No lost updates: a form carries the revision it was opened at; a Save after someone else's is refused with
who and when, nothing is written, and the form is kept (a second Save then replaces theirs on purpose)."""
import re

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.numbers.models import NumberRange
from efaktur.settings.models import CompanySettings
from tests.conftest import ADMIN_EMAIL, HTMX, PASSWORD, STAFF_EMAIL, add_range, make_invoice


def logged_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def revision_of(client, url) -> str:
    html = client.get(url, headers=HTMX).get_data(as_text=True)
    return re.search(r'name="revision" type="hidden" value="(\d+)"', html).group(1)


INVOICE = {
    "number": "INV-STALE", "customer_name": "PT Awal", "npwp_name": "PT Awal", "buyer_document": "tin",
    "npwp": "012345678901000", "buyer_country": "IDN", "address": "Jl. Sudirman 1, Jakarta", "customer_email": "",
    "customer_language": "en", "invoice_date": "2026-06-01", "due_date": "2026-06-01", "tax_enabled": "y",
    "transaction_code": "01", "lines-0-item": "Consulting", "lines-0-kind": "A", "lines-0-goods_code": "000000",
    "lines-0-unit": "UM.0018", "lines-0-quantity": "1", "lines-0-unit_price": "1000000",
}


def test_a_stale_invoice_edit_is_refused_and_the_form_kept(app):
    invoice_id = make_invoice(app, number="INV-STALE", customer_name="PT Awal")
    sari, budi = logged_in(app, ADMIN_EMAIL), logged_in(app, STAFF_EMAIL)
    assert revision_of(sari, f"/invoices/{invoice_id}/edit") == revision_of(budi, f"/invoices/{invoice_id}/edit") == "0"
    sari_form = budi_form = {**INVOICE, "revision": "0"}
    first = sari.post(f"/invoices/{invoice_id}/edit", data={**sari_form, "address": "Jl. Sari 1"}, headers=HTMX)
    assert first.status_code == 200, first.get_data(as_text=True)[:400]
    second = budi.post(f"/invoices/{invoice_id}/edit", data={**budi_form, "customer_name": "PT Budi"}, headers=HTMX)
    body = second.get_data(as_text=True)
    assert second.status_code == 422
    assert f"Invoice INV-STALE was changed by {ADMIN_EMAIL} at" in body and "your changes are not saved yet" in body
    assert 'value="PT Budi"' in body  # the typing is kept
    assert 'name="revision" type="hidden" value="1"' in body  # now at the revision that refused it
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.customer_name, invoice.address, invoice.revision) == ("PT Awal", "Jl. Sari 1", 1)
    # Saving again is a choice made knowing of Sari's save: it goes through.
    again = budi.post(f"/invoices/{invoice_id}/edit", data={**budi_form, "customer_name": "PT Budi", "revision": "1"},
                      headers=HTMX)
    assert again.status_code == 200
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.customer_name, invoice.revision, invoice.edited_by) == ("PT Budi", 2, STAFF_EMAIL)


def test_a_stale_range_edit_is_refused(app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    sari, other = logged_in(app, ADMIN_EMAIL), logged_in(app, ADMIN_EMAIL)
    assert revision_of(sari, f"/numbers/{range_id}/edit") == revision_of(other, f"/numbers/{range_id}/edit") == "0"
    sari_form = other_form = {"year": "2026", "start_number": "000-26.00000001", "revision": "0"}
    assert sari.post(f"/numbers/{range_id}/edit", data={**sari_form, "end_number": "000-26.00000200"},
                     headers=HTMX).status_code == 200
    stale = other.post(f"/numbers/{range_id}/edit", data={**other_form, "end_number": "000-26.00000150"}, headers=HTMX)
    assert stale.status_code == 422 and "The range 000-26.00000001 was changed by" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(NumberRange, range_id).end_number == 2600000200


def test_a_stale_threshold_or_company_save_is_refused(app):
    sari, other = logged_in(app, ADMIN_EMAIL), logged_in(app, ADMIN_EMAIL)
    assert revision_of(sari, "/settings/threshold") == revision_of(other, "/settings/threshold") == "0"
    sari_form = other_form = {"revision": "0"}
    assert sari.post("/settings/threshold", data={**sari_form, "threshold_limit": "30", "active": "y"},
                     headers=HTMX).status_code == 200
    stale = other.post("/settings/threshold", data={**other_form, "threshold_limit": "4", "active": "y"}, headers=HTMX)
    assert stale.status_code == 422 and "Billing Settings was changed by" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CompanySettings, 1).threshold_limit == 30
    company = {"company_name": "PT Maju", "company_npwp": "012345678901000", "company_address": "",
               "business_location_code": "000000", "revision": "0"}
    response = other.post("/settings/company", data=company, headers=HTMX)
    assert response.status_code == 422 and "was changed by" in response.get_data(as_text=True)
    assert other.post("/settings/company", data={**company, "revision": "1"}, headers=HTMX).status_code == 200


def test_the_api_and_the_shell_are_not_checked(app):
    """They send whole values, not a form opened earlier: no revision, no refusal."""
    from efaktur.settings.services import save_threshold

    with app.test_request_context():
        save_threshold(5, True)
        save_threshold(6, True)
        assert db.session.get(CompanySettings, 1).revision == 2
