"""Hardening, second round: the last 500s, cells a spreadsheet would run, one-time secrets kept out of the session
cookie, names from uploads shown as text, a send dialog that ends, less for a read-only token, the API's quantities,
and a warning when the app is reached around its proxy."""
import csv
import io
import os

import pytest

from efaktur import create_app
from efaktur.activity.models import ActivityEntry
from efaktur.config import InsecureConfigError
from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from tests.conftest import HTMX, SmtpSink, add_range, base_config, generate, mail_config, make_invoice, set_company
from tests.test_api import make_token
from tests.test_files import desktop_name, pdf, upload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- 6. the last 500s ----------------------------------------------------------------------------

API_POSTS = ["/api/v1/invoices", "/api/v1/efaktur-numbers", "/api/v1/exports/csv", "/api/v1/exports/xml",
             "/api/v1/invoices/1/status"]
BAD_BODIES = {
    "nested": "[" * 50_000 + "]" * 50_000,
    "nested objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "5000 digits": '{"invoice_ids": [' + "9" * 5000 + "]}",
    "a huge fraction": '{"lines": [{"quantity": 1.' + "0" * 5000 + "1}]}",
    "NaN": '{"invoice_ids": [NaN]}',
    "not UTF-8": b'{"name": "\xff\xfe"}',
}


@pytest.mark.parametrize("body", BAD_BODIES, ids=list(BAD_BODIES))
def test_unreadable_json_on_every_api_post_is_a_400(app, body):
    headers, _ = make_token(app)
    client = app.test_client()
    for path in API_POSTS:
        response = client.post(path, data=BAD_BODIES[body], headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.status_code)
        assert response.is_json and response.get_json()["error"]["code"] == "bad_request"


def test_the_activity_filters_take_any_date_with_a_field_message(admin_client):
    for query in ("from=0001-01-01", "to=9999-12-31", "from=1999-12-31&to=2100-01-01"):
        page = admin_client.get(f"/activity/?{query}")
        assert page.status_code == 200
        assert "is not a date between 2000 and 2099; it was left out." in page.get_data(as_text=True)
        assert admin_client.get(f"/activity/export.csv?{query}").status_code == 200


@pytest.mark.parametrize("value", ["1234567890123456789012345678901234567890", '{"a": 1}', "[1, 2]", "true"])
def test_a_secret_key_read_as_json_is_refused_with_the_reason(value, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", value)
    with pytest.raises(InsecureConfigError, match="read as JSON"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(InsecureConfigError, match="read as JSON"):  # in a debug or test set-up too
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


# ---- 7. what a person opens in a spreadsheet -------------------------------------------------------

def test_the_activity_csv_never_starts_a_cell_with_a_formula(app, admin_client):
    from efaktur.activity.services import activity_rows
    from efaktur.auth.services import create_user

    with app.test_request_context():
        create_user("=cmd|calc!A1@example.com", "staff", "pass-word-123")  # a valid address that starts like a formula
        shared, each = activity_rows(
            "invoice.created", "Created invoice %(number)s for %(customer)s (DPP %(dpp)s, PPN %(ppn)s).",
            [("invoice:1", {"number": "INV-1", "customer": "x", "dpp": 1, "ppn": 0})], actor=(None, "=cmd|calc!a1@example.com"))
        row = shared | {name: values[0] for name, values in each.items()}
        row["summary"] = "@SUM(1+1) typed as a summary"
        db.session.execute(db.insert(ActivityEntry), [row])
        db.session.commit()
    lines = list(csv.reader(io.StringIO(admin_client.get("/activity/export.csv").get_data(as_text=True))))[1:]
    cells = [cell for row in lines for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=cmd|calc!a1@example.com" in cells and "'@SUM(1+1) typed as a summary" in cells  # opened as text


@pytest.mark.parametrize("field", ["customer_name", "npwp_name", "address", "lines-0-item"])
@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(1)"])
def test_what_the_desktop_file_carries_cannot_start_like_a_formula(admin_client, app, field, value):
    form = {"customer_name": "PT Aman", "npwp_name": "", "npwp": "012345678901000", "buyer_document": "tin",
            "buyer_country": "IDN", "address": "Jl. 1", "customer_language": "en", "invoice_date": "2026-06-10",
            "due_date": "2026-06-10", "tax_enabled": "y", "transaction_code": "04", "lines-0-item": "Jasa",
            "lines-0-kind": "B", "lines-0-unit": "UM.0018", "lines-0-quantity": "1", "lines-0-unit_price": "1000"}
    response = admin_client.post("/invoices/new", data={**form, field: value}, headers=HTMX)
    assert response.status_code == 422
    assert "not = + - or @" in response.get_data(as_text=True).split(f'id="{field}-error"')[1][:300]


def test_the_api_refuses_a_formula_in_what_the_desktop_file_carries(app):
    headers, _ = make_token(app)
    body = {"customer": {"name": "=1+1", "npwp": "012345678901000"}, "invoice_date": "2026-06-10",
            "due_date": "2026-06-10", "lines": [{"item": "Jasa", "quantity": 1, "unit_price": 1000}]}
    response = app.test_client().post("/api/v1/invoices", json=body, headers=headers)
    assert response.status_code == 422 and "customer.name" in response.get_json()["error"]["fields"]


# ---- 8. smaller ones ---------------------------------------------------------------------------------

def test_one_time_secrets_are_shown_on_the_page_not_kept_in_the_session(app, admin_client):
    response = admin_client.post("/api-tokens/new", data={"name": "No JS shop"})  # a plain form post
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="shown-token"' in body
    secret = body.split('id="shown-token">')[1].split("<")[0]
    assert secret.startswith("efk_")
    with admin_client.session_transaction() as session:
        assert secret not in str(dict(session))
    assert response.headers["Cache-Control"] == "no-store"
    added = admin_client.post("/users/new", data={"email": "baru@example.com", "role": "staff", "password": ""})
    password = added.get_data(as_text=True).split('id="shown-password">')[1].split("<")[0]
    with admin_client.session_transaction() as session:
        assert password and password not in str(dict(session))


def test_names_from_an_upload_reach_the_log_as_plain_text(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    generate(app, [make_invoice(app)])
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil\u202efdp.exe\x07.pdf", pdf("x"))
    upload(admin_client, ("batch\u202e\x1b[31m.zip", buffer.getvalue()))
    with app.app_context():
        summary, params = db.session.execute(db.select(ActivityEntry.summary, ActivityEntry.params)
                                             .where(ActivityEntry.action == "files.uploaded")).one()
    for text in (summary, params):
        assert "\u202e" not in text and "\x1b" not in text and "\x07" not in text and "\\u202e" not in text


def test_a_file_replaced_while_it_waits_does_not_keep_the_send_dialog_waiting(admin_client, app):
    set_company(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice_id = make_invoice(app, customer_email="tax@customer.co.id")
    generate(app, [invoice_id])
    name = desktop_name("0100002600000001")
    upload(admin_client, (name, pdf("first")))
    with app.app_context():
        (first,) = db.session.scalars(db.select(EfakturFile.id))
    upload(admin_client, (name, pdf("second")))  # the first is replaced while still Ready to Send
    with SmtpSink() as sink:
        app.config.update(mail_config(sink.port))
        from efaktur.extensions import mail

        mail.init_app(app)
        response = admin_client.post("/files/send/next", data={"file_ids": str(first)}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert 'hx-post="/files/send/next"' not in body  # done: it does not ask again
    assert "1 file was not sent: a newer file of its invoice was uploaded meanwhile." in body


def test_make_run_starts_gunicorn_without_a_control_socket():
    with open(os.path.join(ROOT, "Makefile")) as makefile:
        run = makefile.read().split("\nrun: admin\n")[1].split("\n\n")[0]
    assert "--no-control-socket" in run


# ---- 9. quantities through the API -----------------------------------------------------------------

@pytest.mark.parametrize("quantity, message", [('"1.000"', "JSON number"), ('"2,500"', "JSON number"),
                                               ("1.0000000000000001", "more than two decimals"),
                                               ("1.005", "more than two decimals")])
def test_an_api_quantity_is_refused_rather_than_guessed(app, quantity, message):
    """The quantity as the billing system wrote it in its JSON (a float would have lost the 1e-16 already)."""
    headers, _ = make_token(app)
    body = ('{"customer": {"name": "PT Pembeli", "npwp": "012345678901000"}, "invoice_date": "2026-06-10",'
            ' "due_date": "2026-06-10", "lines": [{"item": "Audit", "quantity": %s, "unit_price": 1000}]}' % quantity)
    response = app.test_client().post("/api/v1/invoices", data=body,
                                      headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422 and message in response.get_json()["error"]["message"]


# ---- 10. reached around the proxy ----------------------------------------------------------------------

def test_a_request_around_the_proxy_is_warned_about(database_uri, backend, tmp_path, caplog):
    app = create_app({**base_config(database_uri, str(tmp_path)), "EFAKTUR_PROXY_HOPS": 1})
    if backend == "postgres":  # the SQLite copy holds the schema and the accounts already (tests/conftest.py)
        from tests.conftest import _truncate_all, seed_users

        with app.app_context():
            _truncate_all(db.engine)
            seed_users()
    from efaktur.operations import proxy

    proxy._state.update(noted_at=0.0, logged=False, unnoted=0)
    client = app.test_client()
    via_proxy = {"X-Forwarded-For": "203.0.113.5"}
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"}, headers=via_proxy)
    assert "proxy-bypassed" not in client.get("/operations/", headers=via_proxy).get_data(as_text=True)
    with caplog.at_level("WARNING"):
        client.get("/operations/", environ_base={"REMOTE_ADDR": "198.51.100.77"})  # no X-Forwarded-For: around it
    assert "without X-Forwarded-For" in caplog.text
    page = client.get("/operations/", headers=via_proxy).get_data(as_text=True)
    assert 'id="proxy-bypassed"' in page and "198.51.100.77" in page
    status = client.get("/operations/status.json", headers=via_proxy).get_json()
    assert status["proxy"]["hops"] == 1 and status["proxy"]["bypassed"]["address"] == "198.51.100.77"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
