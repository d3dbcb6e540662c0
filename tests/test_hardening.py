"""Every request answered properly: bad bodies, sizes, hosts, e-mail addresses, redirects, caching, files."""
import os
import stat

import pytest

from efaktur import create_app
from efaktur.config import InsecureConfigError
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.settings.models import ThresholdAlert
from tests.conftest import (
    ADMIN_EMAIL,
    HTMX,
    PASSWORD,
    STAFF_EMAIL,
    SmtpSink,
    add_range,
    base_config,
    mail_config,
    make_invoice,
    set_threshold,
)


def count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# ---- 5. no 500 for bad input ----------------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    ["/invoices/new", "/numbers/new", "/settings/threshold", "/settings/recipients", "/export/download", "/login",
     "/invoices/generate", "/files/send", "/users/new"],
)
def test_json_bodies_on_form_views_are_415(admin_client, app, url):
    before = count(app, Invoice)
    response = admin_client.post(url, json={"customer_name": "PT JSON", "lines": []})
    assert response.status_code == 415
    assert "takes forms only" in response.get_data(as_text=True)
    assert count(app, Invoice) == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("customer_name", "PT \x00 Nul", "control characters"),
        ("npwp_name", "PT \u202e Mirror", "text-direction"),
        ("address", "Jl. \x07 Bell", "control characters"),
        ("lines-0-item", "Jasa\x00", "control characters"),
        ("lines-0-unit_price", "9" * 4000, "too large"),
        ("lines-0-quantity", "9" * 4000, "too large"),
    ],
)
def test_control_characters_and_endless_digits_are_refused_on_the_field(admin_client, app, field, value, message):
    from tests.test_invoices import GOOD

    response = admin_client.post("/invoices/new", data={**GOOD, field: value}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body.split(f'id="{field}-error"')[1][:300]
    assert count(app, Invoice) == 0


def test_endless_digits_in_the_threshold_are_a_field_error(admin_client):
    response = admin_client.post("/settings/threshold", data={"threshold_limit": "9" * 5000, "active": "y"}, headers=HTMX)
    assert response.status_code == 422 and "at most 1,000,000,000" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["q=%00", "q=50%25", "q=" + "9" * 5000, "month=9999-12", "page=99999999999999999999",
                                   "status=%00"])
def test_list_queries_never_fail(admin_client, query):
    assert admin_client.get(f"/invoices/?{query}").status_code == 200


def test_login_with_a_nul_in_the_address_is_a_field_error(client):
    response = client.post("/login", data={"email": "admin\x00@example.com", "password": "x"})
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)


def test_search_takes_percent_and_underscore_literally(admin_client, app):
    make_invoice(app, number="INV-50PCT", customer_name="PT Lima Puluh")
    make_invoice(app, number="INV_UNDER", customer_name="PT Garis")
    make_invoice(app, number="INV-OTHER", customer_name="PT 50% Diskon")

    def found(q):
        body = admin_client.get("/invoices/", query_string={"q": q}, headers={**HTMX, "HX-Target": "invoice-list"})
        return sorted(n for n in ("INV-50PCT", "INV_UNDER", "INV-OTHER") if f">{n}<" in body.get_data(as_text=True))

    assert found("50%") == ["INV-OTHER"]
    assert found("_") == ["INV_UNDER"]
    assert found("%") == ["INV-OTHER"]


# ---- 6. request sizes --------------------------------------------------------------------------

def test_a_request_body_over_the_limit_is_413_with_a_message(admin_client):
    response = admin_client.post("/invoices/new", data={"customer_name": "x" * (5 * 2**20)}, headers=HTMX)
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_generate_confirmation_applies_the_batch_limit(admin_client):
    ids = ",".join(str(i) for i in range(1, 100_002))  # one by one: 688 kB, under the form limit
    response = admin_client.post("/invoices/generate/confirm", data={"invoice_ids": ids}, headers=HTMX)
    assert response.status_code == 422 and "At most 100,000 invoices at once" in response.get_data(as_text=True)
    response = admin_client.post("/invoices/generate/confirm", data={"invoice_ids": "1-100001"}, headers=HTMX)
    assert response.status_code == 422 and "At most 100,000 invoices at once" in response.get_data(as_text=True)


# ---- 7. the public URL and trusted hosts --------------------------------------------------------

def test_the_email_link_never_comes_from_the_host_header(app):
    from efaktur.extensions import mail

    app.config.update(EFAKTUR_PUBLIC_URL="https://efaktur.example.co.id", TRUSTED_HOSTS=["efaktur.example.co.id", "evil.example"])
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    set_threshold(app, 5, emails=["finance@example.com"])
    invoice = make_invoice(app)
    client = app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}, base_url="https://evil.example")
    with mail.record_messages() as outbox:
        client.post("/invoices/generate", data={"invoice_ids": str(invoice)}, headers=HTMX, base_url="https://evil.example")
    (message,) = outbox
    assert "https://efaktur.example.co.id/numbers/" in message.body and "evil.example" not in message.body + message.html


def test_unknown_hosts_are_refused():
    app = create_app({**base_config("sqlite://", "/tmp"), "EFAKTUR_PUBLIC_URL": "https://efaktur.example.co.id"})
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "efaktur.example.co.id", "localhost"]
    client = app.test_client()
    assert client.get("/health", base_url="https://efaktur.example.co.id").status_code == 200
    assert client.get("/health", base_url="https://evil.example").status_code == 400


def test_a_mail_server_without_a_public_url_refuses_to_start():
    config = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "MAIL_SERVER": "smtp.example.com"}
    with pytest.raises(InsecureConfigError, match="EFAKTUR_PUBLIC_URL"):
        create_app(config)
    create_app({**config, "EFAKTUR_PUBLIC_URL": "https://efaktur.example.co.id"})


# ---- 8. threshold e-mails: one bad address fails alone ---------------------------------------

def test_a_non_ascii_local_part_is_refused_unless_the_server_takes_smtputf8(admin_client, app):
    response = admin_client.post("/settings/recipients", data={"email": "bü@example.com"}, headers=HTMX)
    assert response.status_code == 422 and "outside A-Z before the @" in response.get_data(as_text=True)
    app.config["EFAKTUR_SMTPUTF8"] = True
    assert admin_client.post("/settings/recipients", data={"email": "bü@example.com"}, headers=HTMX).status_code == 200
    assert admin_client.post("/settings/recipients", data={"email": "budi@bücher.example"}, headers=HTMX).status_code == 200


def test_one_refused_address_fails_alone_and_staff_see_a_plain_sentence(app):
    from efaktur.extensions import mail

    with SmtpSink(refuse_recipient=lambda address: address.startswith("gone@")) as sink:
        app.config.update(mail_config(sink.port))
        mail.init_app(app)
        add_range(app, 2026, "000-26.00000001", "000-26.00000003")
        set_threshold(app, 5, emails=["finance@example.com", "gone@example.com", "boss@example.com"])
        staff = app.test_client()
        staff.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD})
        body = staff.post("/invoices/generate", data={"invoice_ids": str(make_invoice(app))}, headers=HTMX).get_data(as_text=True)
        assert "an admin can see why on Billing Settings" in body and "Recipient address rejected" not in body
        assert sorted(r for envelope in sink.messages for r in envelope.rcpt_tos) == ["boss@example.com", "finance@example.com"]
        admin = app.test_client()
        admin.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
        body = admin.post("/invoices/generate", data={"invoice_ids": str(make_invoice(app))}, headers=HTMX).get_data(as_text=True)
        assert "gone@example.com: SMTPRecipientsRefused" in body
    with app.app_context():
        outcomes = [a.outcome for a in db.session.scalars(db.select(ThresholdAlert).order_by(ThresholdAlert.id))]
    assert outcomes == ["partial", "partial"]
    assert "Partly sent" in admin.get("/settings/billing").get_data(as_text=True)


# ---- 10. the smaller ones ---------------------------------------------------------------------

def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "private.sqlite"
    app = create_app(base_config(f"sqlite:///{path}", str(tmp_path)))
    with app.app_context():
        db.create_all()
        db.session.execute(db.text("SELECT 1"))
    for name in ("private.sqlite", "private.sqlite-wal", "private.sqlite-shm"):
        if (tmp_path / name).exists():
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    with app.app_context():
        db.engine.dispose()


def test_after_a_plain_form_the_redirect_stays_on_this_site(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(app)
    response = admin_client.post("/invoices/generate", data={"invoice_ids": str(invoice)},
                                 headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303 and response.headers["Location"] == "/invoices/"
    invoice = make_invoice(app)
    response = admin_client.post("/invoices/generate", data={"invoice_ids": str(invoice)},
                                 headers={"Referer": "http://localhost/invoices/?month=2026-06"})
    assert response.headers["Location"] == "/invoices/?month=2026-06"


def test_405_answers_carry_allow(admin_client):
    response = admin_client.delete("/invoices/new")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_logged_in_pages_are_not_cached(admin_client, client):
    assert admin_client.get("/invoices/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in admin_client.get("/static/app.css").headers.get("Cache-Control", "")


def test_the_login_page_for_anonymous_users_may_be_cached(app):
    assert "no-store" not in app.test_client().get("/login").headers.get("Cache-Control", "")
