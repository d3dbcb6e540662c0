"""The JSON API: tokens, every endpoint and its rules, errors, idempotency, the threshold e-mail."""
import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from efaktur.activity.models import ActivityEntry
from efaktur.api.models import ApiToken
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.numbers.models import NumberAssignment
from tests.conftest import HTMX, SmtpSink, add_range, generate, mail_config, make_invoice
from tests.test_formats import SCHEMA

TODAY = date(2026, 6, 15)  # the tests' today
BODY = {
    "customer": {"name": "PT Pembeli", "npwp": "01.234.567.8-901.000", "email": "tax@pembeli.co.id", "address": "Jl. 1"},
    "invoice_date": "2026-06-10",
    "due_date": "2026-07-10",
    "lines": [{"item": "Audit", "quantity": "1,5", "unit_price": "1.000.000"},
              {"item": "Travel", "quantity": 2, "unit_price": 250000, "kind": "B", "unit": "UM.0030"}],
}


def make_token(app, name="Online shop", read_only=False, expires_on=None):
    from efaktur.api.tokens import create_token

    with app.test_request_context():
        token, secret = create_token(name, read_only, expires_on, "test", TODAY)
        token_id = token.id
    return {"Authorization": f"Bearer {secret}"}, token_id


@pytest.fixture
def api(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    headers, _ = make_token(app)
    client = app.test_client()

    class Api:
        def get(self, path, **kwargs):
            return client.get(f"/api/v1{path}", headers={**headers, **kwargs.pop("headers", {})}, **kwargs)

        def post(self, path, json=None, **kwargs):
            return client.post(f"/api/v1{path}", json=json, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)

    return Api()


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


# ---- tokens -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, "Authorization: Bearer"),
        ({"Authorization": "Bearer efk_wrong"}, "not known"),
        ({"Authorization": "Basic YWRtaW46cGFzcw=="}, "Authorization: Bearer"),
        ({"Authorization": "Bearer "}, "Authorization: Bearer"),
    ],
)
def test_requests_without_a_good_token_are_401(app, headers, message):
    response = app.test_client().get("/api/v1/stock", headers=headers)
    assert response.status_code == 401 and response.is_json
    assert message in response.get_json()["error"]["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_are_401(app, admin_client):
    headers, token_id = make_token(app, "Old ERP")
    assert app.test_client().get("/api/v1/stock", headers=headers).status_code == 200
    admin_client.post(f"/api-tokens/{token_id}/revoke", headers=HTMX)
    response = app.test_client().get("/api/v1/stock", headers=headers)
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]["message"]
    expiring, token_id = make_token(app, "Trial", expires_on=TODAY)  # works through today
    assert app.test_client().get("/api/v1/stock", headers=expiring).status_code == 200
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        token.expires_on = TODAY - timedelta(days=1)  # yesterday was its last day
        db.session.commit()
    response = app.test_client().get("/api/v1/stock", headers=expiring)
    assert response.status_code == 401 and "expired" in response.get_json()["error"]["message"]


def test_a_read_only_token_reads_and_never_writes(app):
    headers, _ = make_token(app, "Reporting", read_only=True)
    client = app.test_client()
    assert client.get("/api/v1/stock", headers=headers).status_code == 200
    assert client.get("/api/v1/invoices", headers=headers).status_code == 200
    response = client.post("/api/v1/invoices", json=BODY, headers=headers)
    assert response.status_code == 403 and "read-only" in response.get_json()["error"]["message"]
    assert count(app, Invoice) == 0


def test_a_session_cookie_does_not_open_the_api(admin_client):
    response = admin_client.get("/api/v1/stock")
    assert response.status_code == 401
    response = admin_client.post("/api/v1/invoices", json=BODY)
    assert response.status_code == 401


def test_wrong_tokens_from_one_address_are_throttled(app):
    client = app.test_client()
    statuses = [client.get("/api/v1/stock", headers={"Authorization": f"Bearer efk_guess{i}"}).status_code for i in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429
    locked = client.get("/api/v1/stock", headers={"Authorization": "Bearer efk_guess"})
    assert locked.status_code == 429 and locked.is_json and "Retry-After" in locked.headers


def test_api_tokens_page(app, admin_client):
    page = admin_client.get("/api-tokens/").get_data(as_text=True)
    for label in ("API Tokens", "Create Token", "Name", "Access", "Last day", "Last used"):
        assert label in page
    response = admin_client.post("/api-tokens/new", data={"name": "Online shop", "read_only": "y", "expires_on": "2026-12-31"},
                                 headers=HTMX)
    secret = response.get_data(as_text=True).split('id="shown-token">')[1].split("<")[0]
    assert secret.startswith("efk_")
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.read_only and token.token_hash != secret and secret not in token.token_hash
    client = app.test_client()
    assert client.get("/api/v1/stock", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken.last_used_at)) is not None  # shown as Last used
    duplicate = admin_client.post("/api-tokens/new", data={"name": "Online shop"}, headers=HTMX)
    assert duplicate.status_code == 422 and "exists already" in duplicate.get_data(as_text=True)
    past = admin_client.post("/api-tokens/new", data={"name": "Late", "expires_on": "2026-01-01"}, headers=HTMX)
    assert past.status_code == 422 and "cannot be in the past" in past.get_data(as_text=True)
    with app.app_context():
        assert [e.action for e in db.session.scalars(db.select(ActivityEntry))] == ["token.created"]


def test_staff_cannot_manage_tokens(app, staff_client):
    assert staff_client.get("/api-tokens/").status_code == 403
    assert staff_client.post("/api-tokens/new", data={"name": "x"}).status_code == 403


def test_tokens_from_the_shell(app, runner):
    result = runner.invoke(args=["tokens", "create", "ERP", "--read-only"])
    secret = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and secret.startswith("efk_")
    assert app.test_client().get("/api/v1/stock", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert "ERP" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "revoke", "ERP"]).exit_code == 0
    assert app.test_client().get("/api/v1/stock", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert runner.invoke(args=["tokens", "create", ""]).exit_code != 0


# ---- invoices -------------------------------------------------------------------------------------

def test_create_an_invoice_with_amounts_in_either_style(api, app):
    response = api.post("/invoices", BODY)
    assert response.status_code == 201, response.get_json()
    invoice = response.get_json()
    assert invoice["number"] == "INV-2026-000001" and invoice["transaction_code"] == "04"
    # Line by line: 1,500,000.00 -> 1,375,000.00 -> 165,000.00; 500,000.00 -> 458,333.33 -> 55,000.00 (54,999.9996).
    assert invoice["amounts"] == {"selling_price": "2000000.00", "discount": 0, "dpp": "2000000.00",
                                  "dpp_other": "1833333.33", "vat_rate": 12, "vat": "220000.00", "ppn": 220_000,
                                  "vat_charged": True, "total": "2220000.00"}
    assert [(line["quantity"], line["unit_price"], line["tax_base"], line["other_tax_base"], line["vat"]) for line in invoice["lines"]] == [
        ("1.5", 1_000_000, "1500000.00", "1375000.00", "165000.00"), ("2", 250_000, "500000.00", "458333.33", "55000.00")]
    assert invoice["customer"]["npwp"] == "012345678901000" and invoice["efaktur_no"] is None
    assert api.get(f"/invoices/{invoice['id']}").get_json() == invoice
    with app.app_context():
        entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "invoice.created")).one()
    assert entry.actor == "API token Online shop"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"lines": [{"item": "x", "unit_price": "1500,50"}]}, "lines.0.unit_price", "whole rupiah"),
        ({"lines": [{"item": "x", "unit_price": 1500.5}]}, "lines.0.unit_price", "whole rupiah"),
        ({"lines": [{"item": "x", "unit_price": True}]}, "lines.0.unit_price", "whole rupiah"),
        ({"lines": [{"item": "x", "unit_price": "1e3"}]}, "lines.0.unit_price", "exponent"),
        ({"lines": [{"item": "x", "unit_price": 1, "quantity": 1.125}]}, "lines.0.quantity", "more than two decimals"),
        ({"lines": [{"item": "   ", "unit_price": 1}]}, "lines.0.item", "Name the item"),
        ({"lines": [{"item": "x", "unit_price": 1}] * 101}, "lines", "at most 100 lines; 101 were sent"),
        ({"lines": []}, "lines", "at least one line"),
        ({"customer": {"name": "PT X", "id_type": "nik", "id_number": "123"}}, "customer.id_number", "NIK"),
        ({"customer": {"name": "PT X\x00"}}, "customer.name", "control characters"),
        ({"customer": {"name": "PT X", "email": "nope"}}, "customer.email", "has an @ between the name and the domain"),
        ({"transaction_code": "11"}, "transaction_code", "Must be one of"),
        ({"transaction_code": "10", "invoice_date": "2024-06-10", "due_date": "2024-06-11"}, "transaction_code", "Coretax"),
        ({"due_date": "2026-06-01"}, "due_date", "before the invoice date"),
        ({"invoice_date": "2026-13-45"}, "invoice_date", "Not a valid date"),
        ({"number": "INV 1; DROP"}, "number", "letters, digits"),
        ({"surprise": 1}, "surprise", "Unknown field"),
    ],
)
def test_bad_invoices_are_422_naming_the_field(api, app, change, field, message):
    response = api.post("/invoices", {**BODY, **change})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid", error
    assert message in error["fields"][field], error
    assert count(app, Invoice) == 0


def test_external_references_are_unique_per_token(api, app):
    first = api.post("/invoices", {**BODY, "external_ref": "ORDER-7"}).get_json()
    again = api.post("/invoices", {**BODY, "external_ref": "ORDER-7"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "duplicate" and again.get_json()["error"]["invoice_id"] == first["id"]
    other_headers, _ = make_token(app, "Other system")
    other = app.test_client().post("/api/v1/invoices", json={**BODY, "external_ref": "ORDER-7"}, headers=other_headers)
    assert other.status_code == 201  # another token's references are its own
    assert count(app, Invoice) == 2


def test_list_filters_and_cursor(api, app):
    ids = [api.post("/invoices", {**BODY, "invoice_date": f"2026-0{m}-10", "due_date": "2026-09-30"}).get_json()["id"]
           for m in (5, 5, 6, 6, 6)]
    api.post(f"/invoices/{ids[0]}/efaktur-number")
    api.post(f"/invoices/{ids[1]}/status", {"status": "paid"})

    def listed(query):
        return [i["id"] for i in api.get(f"/invoices?{query}").get_json()["items"]]

    assert listed("month=2026-05") == ids[:2]
    assert listed("has_number=true") == [ids[0]] and listed("has_number=false") == ids[1:]
    assert listed("status=paid") == [ids[1]]
    assert listed("export_status=not_exported") == ids
    assert listed("q=INV-2026-000003") == [ids[2]]
    assert listed("q=040.000-26.00000001") == [ids[0]]  # an E-Faktur No, as on the Invoices page
    assert listed("status=overdue") == [] and listed("status=unpaid") == [ids[0]] + ids[2:]
    page = api.get("/invoices?limit=2").get_json()
    assert [i["id"] for i in page["items"]] == ids[:2] and page["next_cursor"] == ids[1]
    rest = api.get(f"/invoices?limit=2&after={page['next_cursor']}").get_json()
    assert [i["id"] for i in rest["items"]] == ids[2:4]
    assert api.get("/invoices?limit=500").status_code == 422
    assert api.get("/invoices?month=2026-13").status_code == 422


def test_status_changes_follow_the_same_rules(api, app):
    invoice_id = api.post("/invoices", BODY).get_json()["id"]
    assert api.post(f"/invoices/{invoice_id}/status", {"status": "cancelled"}).get_json()["status"] == "cancelled"
    response = api.post(f"/invoices/{invoice_id}/status", {"status": "paid"})
    assert response.status_code == 409 and "cannot become Paid" in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["code"] == "conflict"
    assert api.post("/invoices/999/status", {"status": "paid"}).status_code == 404


# ---- numbers ---------------------------------------------------------------------------------------

def test_generate_one_and_many_smallest_first_all_or_nothing(api, app):
    ids = [api.post("/invoices", BODY).get_json()["id"] for _ in range(3)]
    one = api.post(f"/invoices/{ids[0]}/efaktur-number")
    assert one.status_code == 201
    assert one.get_json() == {"issued": [{"invoice_id": ids[0], "invoice_number": "INV-2026-000001",
                                          "efaktur_no": "040.000-26.00000001", "year": 2026}], "threshold_alert": None}
    again = api.post(f"/invoices/{ids[0]}/efaktur-number")
    assert again.status_code == 409 and "already have an E-Faktur No" in again.get_json()["error"]["message"]
    refused = api.post("/efaktur-numbers", {"invoice_ids": ids})  # one already numbered: none is
    assert refused.status_code == 409 and count(app, NumberAssignment) == 1
    unknown = api.post("/efaktur-numbers", {"invoice_ids": [ids[1], 99999]})
    assert unknown.status_code == 404 and "no invoice 99999" in unknown.get_json()["error"]["message"]
    assert count(app, NumberAssignment) == 1
    many = api.post("/efaktur-numbers", {"invoice_ids": ids[1:]})
    assert [i["efaktur_no"] for i in many.get_json()["issued"]] == ["040.000-26.00000002", "040.000-26.00000003"]
    assert api.get(f"/invoices/{ids[2]}").get_json()["efaktur_no"] == "040.000-26.00000003"
    for bad in ({"invoice_ids": []}, {"invoice_ids": ["1"]}, {"invoice_ids": [2147483648]}, {"invoice_ids": [0]}):
        assert api.post("/efaktur-numbers", bad).status_code == 422, bad


def test_cancel_a_number_under_the_same_conditions(api, app):
    invoice_id = api.post("/invoices", BODY).get_json()["id"]
    api.post(f"/invoices/{invoice_id}/efaktur-number")
    refused = api.post(f"/invoices/{invoice_id}/efaktur-number/cancel")
    assert refused.status_code == 409 and "Cancelled" in refused.get_json()["error"]["message"]
    api.post(f"/invoices/{invoice_id}/status", {"status": "cancelled"})
    done = api.post(f"/invoices/{invoice_id}/efaktur-number/cancel")
    assert done.status_code == 200 and done.get_json()["released"] == "040.000-26.00000001"
    assert done.get_json()["invoice"]["efaktur_no"] is None


def test_the_stock(api, app):
    from tests.conftest import set_threshold

    add_range(app, 2027, "000-27.00000001", "000-27.00000010")
    set_threshold(app, 50)
    generate(app, [make_invoice(app)])
    stock = api.get("/stock").get_json()
    assert stock["current_year"] == 2026
    assert stock["years"] == [{"year": 2026, "total": 100, "available": 99, "used": 1},
                              {"year": 2027, "total": 10, "available": 10, "used": 0}]
    assert (stock["threshold_limit"], stock["threshold_active"]) == (50, True)
    assert stock["run_out"]["used_last_30_days"] == 1 and "last until the end of 2026" in stock["run_out"]["description"]


def test_an_api_generate_crossing_the_threshold_sends_the_email(app):
    from efaktur.extensions import mail
    from tests.conftest import set_threshold

    with SmtpSink() as sink:
        app.config.update(mail_config(sink.port))
        mail.init_app(app)
        add_range(app, 2026, "000-26.00000001", "000-26.00000005")
        set_threshold(app, 4, emails=["finance@example.com"])
        headers, _ = make_token(app)
        invoice_id = app.test_client().post("/api/v1/invoices", json=BODY, headers=headers).get_json()["id"]
        response = app.test_client().post(f"/api/v1/invoices/{invoice_id}/efaktur-number", headers=headers)
        alert = response.get_json()["threshold_alert"]
        assert {k: v for k, v in alert.items() if k != "detail"} == {"outcome": "sent", "year": 2026, "available": 4,
                                                                     "limit": 4, "recipients": 1}
        assert "threshold" in alert["detail"].lower()
        ((recipients, message),) = sink.parsed()
    assert recipients == ["finance@example.com"]
    assert "4 left for 2026 (limit 4)" in message["Subject"]


def test_a_failed_alert_is_said_in_the_answer(app):
    from efaktur.extensions import mail
    from tests.conftest import free_port, set_threshold

    app.config.update(mail_config(free_port()))  # nothing listens there
    mail.init_app(app)
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    set_threshold(app, 4, emails=["finance@example.com"])
    headers, _ = make_token(app)
    invoice_id = app.test_client().post("/api/v1/invoices", json=BODY, headers=headers).get_json()["id"]
    alert = app.test_client().post(f"/api/v1/invoices/{invoice_id}/efaktur-number", headers=headers).get_json()["threshold_alert"]
    # The sentence staff see; the mail server's own words (which name addresses) are for admins on Billing Settings.
    assert alert["outcome"] == "failed" and "could not be delivered to every address" in alert["detail"]
    assert "ConnectionRefusedError" not in alert["detail"]


# ---- exports ---------------------------------------------------------------------------------------

def test_exports_for_given_invoices_or_a_month(api, app):
    from efaktur.settings.services import save_company

    with app.test_request_context():
        save_company("PT API", "012345678901000")
    ids = [api.post("/invoices", BODY).get_json()["id"] for _ in range(2)]
    api.post("/efaktur-numbers", {"invoice_ids": ids})
    response = api.post("/exports/csv", {"invoice_ids": [ids[0]]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[3] for r in rows if r[0] == "FK"][1:] == ["0002600000001"]
    assert api.get(f"/invoices/{ids[0]}").get_json()["export_status"] == "exported"
    # A range-numbered invoice goes to the CSV only: in the XML, Coretax would number it a second time.
    xml = api.post("/exports/xml", {"month": "2026-06", "export_status": "not_exported"})
    assert xml.status_code == 409 and "from an NSFP range" in xml.get_json()["error"]["message"]
    waiting = api.post("/invoices", BODY).get_json()["id"]
    refused = api.post("/exports/csv", {"invoice_ids": [waiting]})
    assert refused.status_code == 409 and "has no E-Faktur No" in refused.get_json()["error"]["message"]
    xml = api.post("/exports/xml", {"invoice_ids": [waiting]})
    doc = etree.fromstring(xml.get_data())
    SCHEMA.assertValid(doc)
    assert len(doc.find("ListOfTaxInvoice")) == 1
    assert api.post("/exports/csv", {"invoice_ids": [99999]}).status_code == 404
    empty = api.post("/exports/csv", {"month": "2026-03"})
    assert empty.status_code == 409 and "nothing to export in March 2026" in empty.get_json()["error"]["message"]
    for bad in ({}, {"invoice_ids": ids, "month": "2026-06"}, {"month": "June"}):
        assert api.post("/exports/csv", bad).status_code == 422, bad


# ---- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("get", "/api/v1/nowhere", {}, 404),
        ("get", "/api/v1/invoices/9223372036854775808", {}, 404),
        ("delete", "/api/v1/invoices", {}, 405),
        ("post", "/api/v1/invoices", {"data": "<xml/>", "content_type": "application/xml"}, 415),
        ("post", "/api/v1/invoices", {"data": "{not json", "content_type": "application/json"}, 400),
        ("post", "/api/v1/invoices", {"data": "[]", "content_type": "application/json"}, 422),
        ("post", "/api/v1/invoices", {"data": "x" * (5 * 2**20), "content_type": "application/json"}, 413),
    ],
)
def test_errors_are_json_in_one_shape(app, method, path, kwargs, status):
    headers, _ = make_token(app)
    response = getattr(app.test_client(), method)(path, headers=headers, **kwargs)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"} and error["message"]


# ---- idempotency -----------------------------------------------------------------------------------

def test_the_same_key_and_body_give_the_first_answer_and_change_nothing(api, app):
    first = api.post("/invoices", BODY, headers={"Idempotency-Key": "order-1"})
    again = api.post("/invoices", BODY, headers={"Idempotency-Key": "order-1"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Invoice) == 1
    invoice_id = first.get_json()["id"]
    numbered = api.post(f"/invoices/{invoice_id}/efaktur-number", headers={"Idempotency-Key": "number-1"})
    replay = api.post(f"/invoices/{invoice_id}/efaktur-number", headers={"Idempotency-Key": "number-1"})
    assert replay.get_json() == numbered.get_json() and count(app, NumberAssignment) == 1


def test_the_same_key_with_another_body_is_422(api, app):
    api.post("/invoices", BODY, headers={"Idempotency-Key": "order-2"})
    other = api.post("/invoices", {**BODY, "due_date": "2026-08-01"}, headers={"Idempotency-Key": "order-2"})
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_mismatch"
    assert count(app, Invoice) == 1


def test_a_refusal_is_kept_too_and_a_bad_key_is_400(api, app):
    bad = {**BODY, "lines": []}
    first = api.post("/invoices", bad, headers={"Idempotency-Key": "k"})
    again = api.post("/invoices", bad, headers={"Idempotency-Key": "k"})
    assert first.status_code == again.status_code == 422 and again.headers.get("Idempotent-Replayed") == "true"
    assert api.post("/invoices", BODY, headers={"Idempotency-Key": "x" * 300}).status_code == 400


def test_concurrent_requests_with_one_key_make_one_invoice_and_one_number(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    headers, _ = make_token(app)

    def at_once(path, body, key, threads=4):
        barrier, answers = threading.Barrier(threads), []

        def call():
            client = app.test_client()
            barrier.wait()
            answers.append(client.post(path, json=body, headers={**headers, "Idempotency-Key": key}))

        workers = [threading.Thread(target=call) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        return answers

    created = at_once("/api/v1/invoices", BODY, "same-order")
    assert {r.status_code for r in created} == {201}
    assert len({r.get_json()["id"] for r in created}) == 1
    assert count(app, Invoice) == 1
    invoice_id = created[0].get_json()["id"]
    numbered = at_once(f"/api/v1/invoices/{invoice_id}/efaktur-number", None, "same-number")
    assert {r.status_code for r in numbered} == {201}
    assert len({r.get_json()["issued"][0]["efaktur_no"] for r in numbered}) == 1
    assert count(app, NumberAssignment) == 1


def test_a_key_left_unanswered_by_a_dead_worker_is_free_again(api, app):
    from efaktur.api.models import IdempotencyRecord

    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
        db.session.add(IdempotencyRecord(token_id=token_id, key="dead", request_hash="0" * 64,
                                         created_at=datetime.now(tz=UTC) - timedelta(minutes=6)))
        db.session.add(IdempotencyRecord(token_id=token_id, key="busy", request_hash="0" * 64,
                                         created_at=datetime.now(tz=UTC)))
        db.session.commit()
    assert api.post("/invoices", BODY, headers={"Idempotency-Key": "dead"}).status_code == 201
    assert count(app, Invoice) == 1
    # a key another request holds right now is not taken from it: another body is refused at once
    busy = api.post("/invoices", {**BODY, "external_ref": "B-2"}, headers={"Idempotency-Key": "busy"})
    assert busy.status_code == 422 and count(app, Invoice) == 1


# ---- the document and its reference page ------------------------------------------------------------

def test_the_openapi_document_is_generated_and_served(app):
    document = app.test_client().get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.is_json
    spec = document.get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    operations = {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods if method != "parameters"}
    assert operations == {
        ("GET", "/api/v1/invoices"), ("POST", "/api/v1/invoices"), ("GET", "/api/v1/invoices/{invoice_id}"),
        ("POST", "/api/v1/invoices/{invoice_id}/status"), ("POST", "/api/v1/invoices/{invoice_id}/efaktur-number"),
        ("POST", "/api/v1/efaktur-numbers"), ("POST", "/api/v1/invoices/{invoice_id}/efaktur-number/cancel"),
        ("GET", "/api/v1/stock"), ("POST", "/api/v1/exports/csv"), ("POST", "/api/v1/exports/xml"),
        ("GET", "/api/v1/operations"), ("POST", "/api/v1/invoices/{invoice_id}/coretax-number"),
        ("POST", "/api/v1/coretax/output-list"), ("POST", "/api/v1/invoices/import"),
        ("GET", "/api/v1/customers"), ("POST", "/api/v1/customers"), ("GET", "/api/v1/customers/{customer_id}"),
    }
    create = spec["paths"]["/api/v1/invoices"]["post"]
    assert {"201", "409", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create.get("parameters", [])), "the header is documented"


def test_the_reference_page_reads_the_document(app):
    page = app.test_client().get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for words in ("Authorization: Bearer", "/api/v1/invoices/{invoice_id}/efaktur-number", "Idempotency-Key",
                  "external_ref", "openapi.json", "409"):
        assert words in text, words
