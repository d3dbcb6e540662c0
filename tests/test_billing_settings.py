"""Billing Settings: company details and the threshold e-mail recipients."""
import pytest

from efaktur.extensions import db
from efaktur.settings.models import CompanySettings, NotificationRecipient
from tests.conftest import HTMX


def listed(app):
    with app.app_context():
        return sorted(db.session.scalars(db.select(NotificationRecipient.email)))


def add(client, email):
    return client.post("/settings/recipients", data={"email": email}, headers=HTMX)


def test_page_has_the_parts(admin_client):
    body = admin_client.get("/settings/billing").get_data(as_text=True)
    for text in ("Billing Settings", "Company Name", "Company NPWP", "Notification Email", "value=\"Add\"", "Recent threshold alerts"):
        assert text in body


def test_add_and_remove_addresses(admin_client, app):
    response = add(admin_client, "finance@example.com")
    assert response.status_code == 200 and "finance@example.com" in response.get_data(as_text=True)
    add(admin_client, "Boss@Example.com")
    assert listed(app) == ["Boss@example.com", "finance@example.com"]
    with app.app_context():
        boss = db.session.scalar(db.select(NotificationRecipient.id).where(NotificationRecipient.email_key == "boss@example.com"))
    response = admin_client.post(f"/settings/recipients/{boss}/delete", headers=HTMX)
    assert response.status_code == 200 and "Boss@example.com" not in response.get_data(as_text=True)
    assert listed(app) == ["finance@example.com"]


@pytest.mark.parametrize("duplicate", ["finance@example.com", "FINANCE@example.com", "Finance@Example.COM", " finance@example.com "])
def test_the_same_address_in_any_letter_case_is_refused(admin_client, app, duplicate):
    add(admin_client, "finance@example.com")
    response = add(admin_client, duplicate)
    assert response.status_code == 422
    assert "on the list already" in response.get_data(as_text=True)
    assert listed(app) == ["finance@example.com"]


@pytest.mark.parametrize("bad", ["", "not-an-email", "a@b", "x@example..com", "<script>@x.com"])
def test_invalid_addresses_are_refused_on_the_field(admin_client, app, bad):
    response = add(admin_client, bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in body
    assert "<script>@" not in body
    assert listed(app) == []


def test_company_details(admin_client, app):
    response = admin_client.post(
        "/settings/company", data={"company_name": "PT Contoh", "company_npwp": "01.234.567.8-901.000"}, headers=HTMX
    )
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(CompanySettings, 1)
        assert (row.company_name, row.company_npwp) == ("PT Contoh", "012345678901000")
    bad = admin_client.post("/settings/company", data={"company_name": "", "company_npwp": "12"}, headers=HTMX)
    assert bad.status_code == 422
    assert 'id="company_name-error"' in bad.get_data(as_text=True) and 'id="company_npwp-error"' in bad.get_data(as_text=True)


def test_staff_cannot_see_or_change_billing_settings(staff_client, app):
    assert staff_client.get("/settings/billing").status_code == 403
    assert add(staff_client, "x@example.com").status_code == 403
    assert staff_client.post("/settings/company", data={"company_name": "X"}).status_code == 403
    assert listed(app) == []
    assert "Billing Settings" not in staff_client.get("/numbers/").get_data(as_text=True)


def test_removing_an_unknown_address_changes_nothing(admin_client, app):
    add(admin_client, "finance@example.com")
    assert admin_client.post("/settings/recipients/999/delete", headers=HTMX).status_code == 200
    assert listed(app) == ["finance@example.com"]
