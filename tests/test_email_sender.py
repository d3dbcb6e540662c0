"""Billing Settings: who the e-mails come from, where customers' replies go, and "at most one alert a day"."""
import pytest

from efaktur.extensions import db, mail
from efaktur.settings.models import CompanySettings, ThresholdAlert
from tests.conftest import HTMX, add_range, make_invoice, set_threshold
from tests.test_alerts import TWO, logged_in, post_generate, sending_app


def settings_row(app):
    """The settings as saved (the defaults while the row does not exist yet)."""
    with app.app_context():
        from efaktur.settings.services import current_settings

        return db.session.get(CompanySettings, 1) or current_settings()


def test_the_sender_is_saved_and_shown(admin_client, app):
    page = admin_client.get("/settings/billing").get_data(as_text=True)
    assert 'id="sender-card"' in page and "Sender name" in page and "Reply-To" in page
    response = admin_client.post("/settings/sender", headers=HTMX, data={
        "sender_name": "PT Maju Jaya Finance", "sender_email": "Finance@Maju.co.id", "reply_to": "ap@maju.co.id"})
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    row = settings_row(app)
    assert (row.sender_name, row.sender_email, row.reply_to) == ("PT Maju Jaya Finance", "Finance@maju.co.id",
                                                                 "ap@maju.co.id")
    assert 'value="PT Maju Jaya Finance"' in admin_client.get("/settings/billing").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("sender_email", "not an address"), ("reply_to", "a@b@c"),
                                          ("sender_name", "Finance\nBcc: victim@example.com"), ("sender_name", "x" * 101)])
def test_a_bad_sender_is_refused_on_its_field_and_nothing_changes(admin_client, app, field, value):
    data = {"sender_name": "Finance", "sender_email": "finance@maju.co.id", "reply_to": "", field: value}
    response = admin_client.post("/settings/sender", headers=HTMX, data=data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert (settings_row(app).sender_email, settings_row(app).sender_name) == ("", "")


def test_staff_cannot_set_the_sender(staff_client, app):
    assert staff_client.post("/settings/sender", headers=HTMX, data={"sender_email": "x@y.co.id"}).status_code == 403


def test_the_test_e_mail_and_the_threshold_e_mail_come_from_the_sender(tmp_path, smtp_server):
    app = sending_app(tmp_path, smtp_server.port)
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 4, emails=TWO[:1])
    client = logged_in(app)
    client.post("/settings/sender", headers=HTMX, data={
        "sender_name": "PT Maju Jaya Finance", "sender_email": "finance@maju.co.id", "reply_to": "ap@maju.co.id"})
    client.post("/settings/test-email", headers=HTMX)
    post_generate(client, [make_invoice(app)])
    (_, test), (_, alert) = smtp_server.parsed()
    assert test["From"] == "PT Maju Jaya Finance <finance@maju.co.id>" and test["Reply-To"] == "ap@maju.co.id"
    assert alert["From"] == "PT Maju Jaya Finance <finance@maju.co.id>"


def test_a_sender_name_alone_goes_with_the_servers_address(app, admin_client):
    admin_client.post("/settings/sender", headers=HTMX, data={"sender_name": "Finance", "sender_email": ""})
    with app.test_request_context():
        from efaktur.settings.services import current_settings, sender_of

        assert sender_of(current_settings()) == ("Finance", app.config["MAIL_DEFAULT_SENDER"])


def test_at_most_one_alert_a_day_when_chosen(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 4, emails=TWO)
    response = admin_client.post("/settings/notification-language", headers=HTMX,
                                 data={"notification_language": "en", "alert_frequency": "daily"})
    assert response.status_code == 200 and settings_row(app).alert_frequency == "daily"
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app)])  # 4 left: the day's alert
        post_generate(admin_client, [make_invoice(app)])  # 3 left: not again today
    assert len(outbox) == 2  # one message to each of the two addresses, once
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ThresholdAlert.id))) == 1
    # The next day it may go out again.
    app.config["EFAKTUR_FIXED_NOW"] = "2026-06-16T09:00:00+07:00"
    with mail.record_messages() as outbox:
        post_generate(admin_client, [make_invoice(app)])
    assert len(outbox) == 2


def test_the_guides_rule_stays_the_default(admin_client, app):
    assert settings_row(app).alert_frequency == "each"
    bad = admin_client.post("/settings/notification-language", headers=HTMX,
                            data={"notification_language": "en", "alert_frequency": "hourly"})
    assert bad.status_code == 422 and settings_row(app).alert_frequency == "each"


# ---- the e-mail parser says what is wrong in its own words (email-validator's are English only) ----------

@pytest.mark.parametrize("text, words", [
    ("finance.company.co.id", "has an @ between the name and the domain"),
    ("a@b@company.co.id", "has one @ only"),
    ("@company.co.id", "Type the name before the @"),
    ("finance@", "Type the domain after the @"),
    ("finance@company", "The part after the @ (company) is not a domain"),
    ("fin ance@company.co.id", "The part before the @ (fin ance) has characters"),
])
def test_a_refused_address_is_explained_in_the_apps_words(text, words):
    from efaktur.rules.emails import EmailError, parse_email

    with pytest.raises(EmailError) as refused:
        parse_email(text)
    assert words in str(refused.value)
    assert "sign" not in str(refused.value)  # nothing of the library's "@-sign"


def test_a_refused_address_reads_in_indonesian_on_an_indonesian_form(admin_client):
    response = admin_client.post("/customers/new", headers={**HTMX, "Accept-Language": "id"},
                                 data={"customer_name": "PT A", "buyer_document": "tin", "buyer_country": "IDN",
                                       "buyer_branch_code": "000000", "customer_email": "finance@company",
                                       "customer_language": "id"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "bukan domain" in body and "is not a domain" not in body
