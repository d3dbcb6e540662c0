"""Property-based: junk posted to every state-changing route, as admin and as staff, never gets a 5xx,
and when the answer is an error the database is exactly as it was. Junk in every page's query
string never gets a 5xx either. Runs on SQLite and on PostgreSQL (which refuses NUL bytes)."""
import copy
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from efaktur import create_app
from efaktur.extensions import db
from tests.conftest import ADMIN_EMAIL, PASSWORD, STAFF_EMAIL, add_range, base_config, generate, make_invoice

# Every field name the app's forms know, and some they do not.
FIELDS = [
    "number", "customer_name", "npwp_name", "npwp", "address", "customer_email", "customer_language", "language",
    "notification_language", "next", "buyer_document", "buyer_id_number",
    "buyer_country", "invoice_date", "due_date", "tax_enabled", "transaction_code", "lines-0-item", "lines-0-kind",
    "lines-0-goods_code", "lines-0-unit", "lines-0-quantity", "lines-0-unit_price", "lines-99999-item", "status",
    "invoice_ids", "file_ids", "scope", "period", "export_status", "format", "resend", "title", "year", "start_number",
    "end_number", "threshold_limit", "active", "email", "password", "role", "company_name", "company_npwp",
    "company_address", "business_location_code", "coretax_number", "current_password", "new_password",
    "confirm_password", "submit", "csrf_token", "q", "month", "page", "next", "unknown",
]
JUNK = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\u202e", "9" * 5000, "-1", "0", "1", "2", "2147483648", "9223372036854775808",
                     "1e309", "NaN", "1,2,3", "2026-06", "2026-13-45", "9999-12", "04", "10", "csv", "xml", "period",
                     "ready", "admin", "staff", "y", "tin", "nik", "UM.0018", "000-26.00000001", "<script>", "' OR 1=1 --",
                     "x" * 3000, "١٢٣", "１２３", "04002600000000001", "2147483647"]),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=8)
IDS = st.sampled_from([1, 2, 3, 4, 2147483647])
# What changes after an error as the point of the request: a failed login is counted, an API
# token's "last used" is stamped whatever the answer.
CHANGES_ON_ERROR = {"login_throttle"}
COLUMNS_CHANGED_ON_ERROR = {"api_token": {"last_used_at"}}


def seed(app):
    from efaktur.settings.services import add_recipient, save_company

    add_range(app, 2026, "000-26.00000001", "000-26.00000050")
    numbered = make_invoice(app, customer_email="a@example.com")
    generate(app, [numbered])
    make_invoice(app)
    make_invoice(app, status="cancelled")
    with app.test_request_context():
        save_company("PT Junk", "012345678901000")
        add_recipient("finance@example.com")
        from efaktur.api.tokens import create_token

        _, secret = create_token("Junk", False, None, "test", date(2026, 6, 15))
    # Every sweep sends a read-write API token too: pages ignore it, /api/v1 is reached past its 401.
    app.config["JUNK_HEADERS"] = {"Authorization": f"Bearer {secret}"}


def snapshot(app):
    with app.app_context(), db.engine.connect() as conn:
        snapshot = {}
        for table in db.metadata.sorted_tables:
            if table.name in CHANGES_ON_ERROR:
                continue
            kept = [c for c in table.columns if c.name not in COLUMNS_CHANGED_ON_ERROR.get(table.name, ())]
            snapshot[table.name] = sorted(map(repr, conn.execute(db.select(*kept)).all()))
        return snapshot


def post_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint not in ("static", "auth.logout", "auth.logout_everywhere")),
        key=lambda rule: rule.rule,
    )


def build_url(app, rule, data):
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if hasattr(converter, "items"):  # any(...)
            values[name] = data.draw(st.sampled_from(sorted(converter.items)))
        else:
            values[name] = data.draw(IDS)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def fixed_url(app, rule, record_id: int) -> str:
    """The rule's URL with `record_id` for every id and the first choice of every any(...)."""
    values = {
        name: sorted(rule._converters[name].items)[0] if hasattr(rule._converters[name], "items") else record_id
        for name in rule.arguments
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


@pytest.fixture
def junk_app(app):
    seed(app)
    return app


def _logged_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def _headers(app, htmx: bool) -> dict:
    return {**app.config["JUNK_HEADERS"], **({"HX-Request": "true"} if htmx else {})}


ENDPOINTS = sorted(rule.endpoint for rule in post_rules(create_app(base_config("sqlite://", "/tmp"))))


@pytest.mark.parametrize("who", [ADMIN_EMAIL, STAFF_EMAIL])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_junk_posted_to_every_state_changing_route(junk_app, who, endpoint):
    app = junk_app
    client = _logged_in(app, who)
    (rule,) = [r for r in post_rules(app) if r.endpoint == endpoint]

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data(), form=FORMS, htmx=st.booleans())
    def check(data, form, htmx):
        url = build_url(app, rule, data)
        before = snapshot(app)
        response = client.post(url, data=form, headers=_headers(app, htmx))
        response.get_data()
        assert response.status_code < 500, (url, form, response.status_code)
        if response.status_code >= 400:
            assert snapshot(app) == before, (url, form, response.status_code)

    check()


def get_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"), key=lambda r: r.rule
    )


@pytest.mark.parametrize("who", [ADMIN_EMAIL, STAFF_EMAIL])
def test_junk_in_the_query_string_of_every_page(junk_app, who):
    app = junk_app
    client = _logged_in(app, who)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data(), query=FORMS, htmx=st.booleans())
    def check(data, query, htmx):
        rule = data.draw(st.sampled_from(get_rules(app)))
        url = build_url(app, rule, data)
        response = client.get(url, query_string=query, headers=_headers(app, htmx))
        response.get_data()
        assert response.status_code < 500, (url, query, response.status_code)

    check()


# The query fields each page reads; every page must be named here, so a new one cannot slip past.
QUERY_FIELDS = {
    "activity.export_csv": ["kind", "actor", "from", "to"],
    "activity.index": ["page", "kind", "actor", "from", "to"],
    "api-docs.openapi_json": [],
    "api_reference.reference": [],
    "api_tokens.index": [],
    "api_tokens.new": [],
    "api_tokens.revoke": [],
    "api_v1.list_customers": ["q", "after", "limit"],
    "api_v1.read_customer": [],
    "customers.index": ["q", "page"],
    "customers.new": ["customer"],
    "customers.edit": [],
    "customers.suggest": ["customer_q"],
    "api_v1.list_invoices": ["status", "month", "q", "has_number", "export_status", "coretax_status", "after", "limit"],
    "api_v1.operations": [],
    "api_v1.read_invoice": [],
    "api_v1.stock": [],
    "auth.account_action": [],
    "auth.account_password": [],
    "auth.login": ["next", "popup", "why"],
    "auth.new_user": [],
    "auth.users": [],
    "exports.index": ["period", "export_status", "page"],
    "files.index": ["email_status", "efaktur_status", "page"],
    "files.coretax_list": [],
    "files.coretax_list_result": ["page"],
    "files.coretax_list_csv": [],
    "files.remove": [],
    "files.pdf": [],
    "files.upload": [],
    "health": [],
    "session_ping": [],
    "home": [],
    "invoices.cancel_number_view": [],
    "invoices.detail": [],
    "invoices.edit": [],
    "invoices.index": ["status", "month", "year", "q", "page", "efaktur", "coretax", "per_page"],
    "invoices.new": ["customer", "from"],
    "invoices.import_form": [],
    "invoices.import_template": [],
    "me": [],
    "invoices.recompute": [],
    "invoices.print_view": [],
    "invoices.pdf": [],
    "numbers.delete": [],
    "numbers.edit": [],
    "numbers.index": [],
    "numbers.new": [],
    "numbers.overview": [],
    "operations.check": [],
    "operations.index": [],
    "operations.status_json": [],
    "settings.billing": [],
    "settings.threshold": [],
}
NASTIEST = ["\x00", "9" * 5000, "2147483648", "9223372036854775808", "\u202e", "-1", "", "%", "_", "9999-12", "0000-00",
            "<x>", "x" * 3000]


def test_every_page_is_in_the_query_field_map():
    app = create_app(base_config("sqlite://", "/tmp"))
    assert sorted(r.endpoint for r in get_rules(app)) == sorted(QUERY_FIELDS)


@pytest.mark.parametrize("who", [ADMIN_EMAIL, STAFF_EMAIL])
def test_every_query_field_of_every_page_takes_the_nastiest_values(junk_app, who):
    app = junk_app
    client = _logged_in(app, who)
    for rule in get_rules(app):
        url = fixed_url(app, rule, record_id=1)
        for field in QUERY_FIELDS[rule.endpoint] + ["unknown"]:
            for value in NASTIEST:
                for htmx in (False, True):
                    response = client.get(url, query_string={field: value}, headers=_headers(app, htmx))
                    response.get_data()
                    assert response.status_code < 500, (url, field, value, response.status_code)


_INVOICE = {
    "number": "INV-SWEEP", "customer_name": "PT Sweep", "npwp_name": "PT Sweep", "npwp": "012345678901000",
    "buyer_document": "tin", "buyer_id_number": "", "buyer_country": "IDN", "buyer_branch_code": "000000",
    "address": "Jl. 1", "customer_email": "", "customer_language": "id", "invoice_date": "2026-06-10",
    "due_date": "2026-06-20", "tax_enabled": "y", "transaction_code": "07", "add_info_07": "TD.00502",
    "facility_stamp_07": "TD.01102", "add_info_08": "", "facility_stamp_08": "", "custom_doc": "PEB-1",
    "custom_doc_period": "062026", "confirm_code_change": "yes", "revision": "0",
    "lines-0-item": "Jasa", "lines-0-kind": "B", "lines-0-goods_code": "000000", "lines-0-unit": "UM.0018",
    "lines-0-quantity": "1", "lines-0-unit_price": "1000", "lines-0-discount": "100",
}
_CUSTOMER = {key: value for key, value in _INVOICE.items() if key in (
    "customer_name", "npwp_name", "npwp", "buyer_document", "buyer_id_number", "buyer_country", "buyer_branch_code",
    "address", "customer_email", "customer_language")}
_RANGE = {"year": "2026", "start_number": "000-26.00000100", "end_number": "000-26.00000110", "revision": "0"}
# Each state-changing route: a valid form, every field of which is replaced in turn by each nasty value.
POST_FIELDS = {
    "api_tokens.new": {"name": "Sweep", "read_only": "y", "expires_on": "2027-01-31"},
    "api_tokens.revoke": {},
    # The API takes JSON: a form is a 415 here; its JSON bodies are swept below and by schemathesis.
    "api_v1.cancel": {},
    "api_v1.create": {},
    "api_v1.create_customer": {},
    "api_v1.export_csv": {},
    "api_v1.export_xml": {},
    "api_v1.generate_many": {},
    "api_v1.generate_one": {},
    "api_v1.status": {},
    "api_v1.record_coretax": {},
    "api_v1.import_output_list_view": {"file": "x"},
    "api_v1.import_invoices_view": {"file": "x", "dry_run": "true"},
    "auth.language": {"language": "en", "next": "/invoices/"},
    "auth.login": {"email": ADMIN_EMAIL, "password": "wrong-password"},
    "auth.new_user": {"email": "sweep@example.com", "role": "staff", "password": "sweep-pass-1"},
    "auth.user_role": {"role": "staff"},
    "auth.account_action": {},
    "auth.account_password": {"current_password": "wrong", "new_password": "new-pass-12", "confirm_password": "new-pass-12"},
    "exports.download": {"format": "csv", "scope": "", "period": "2026-06", "export_status": "", "invoice_ids": "1"},
    "exports.generate_confirm": {"scope": "period", "period": "2026-06", "export_status": "", "invoice_ids": "2"},
    "files.upload": {"files": "x"},
    "files.coretax_list": {"file": "x"},
    "invoices.import_preview": {"file": "x", "valid_only": "y"},
    "invoices.import_file": {"file": "x", "valid_only": "y"},
    "files.remove": {"reason": "wrongly matched"},
    "files.send": {"file_ids": "1", "scope": "", "resend": "1"},
    "files.send_next": {"file_ids": "1", "title": "Send Email"},
    "invoices.new": {**_INVOICE, "customer_id": "1", "save_customer": "y"},
    "customers.new": _CUSTOMER,
    "customers.edit": {**_CUSTOMER, "revision": "0"},
    "invoices.edit": _INVOICE,
    "invoices.amounts": _INVOICE,
    "invoices.recompute": {},
    "invoices.status": {"status": "paid"},
    "invoices.coretax_number": {"coretax_number": "04002600000000001"},
    "invoices.generate_confirm": {"invoice_ids": "2", "scope": "matching", "status": "", "month": "2026-06", "q": "", "efaktur": "not_set"},
    "invoices.generate": {"invoice_ids": "2"},
    "invoices.cancel_number_view": {},
    "numbers.new": _RANGE,
    "numbers.edit": _RANGE,
    "numbers.delete": {},
    "settings.threshold": {"threshold_limit": "10", "active": "y", "revision": "0"},
    "settings.add_recipient_view": {"email": "sweep@example.com"},
    "settings.remove_recipient_view": {},
    "settings.notification_language": {"notification_language": "en", "alert_frequency": "daily"},
    "settings.route": {"route": "coretax"},
    "settings.test_email": {},
    "settings.sender": {"sender_name": "Sweep", "sender_email": "sweep@example.com", "reply_to": "r@example.com"},
    "settings.company": {"company_name": "PT Sweep", "company_npwp": "012345678901000", "company_address": "Jl. 2",
                         "business_location_code": "000000", "revision": "0"},
}
NASTIEST_FORM_VALUES = ["\x00", "A\x00B", "9" * 5000, "2147483648", "\u202e", "x" * 3000, ""]


def test_every_state_changing_route_is_in_the_form_map():
    assert sorted(POST_FIELDS) == ENDPOINTS


@pytest.mark.parametrize("who", [ADMIN_EMAIL, STAFF_EMAIL])
def test_every_field_of_every_form_takes_the_nastiest_values(junk_app, who):
    app = junk_app
    client = _logged_in(app, who)
    for rule in post_rules(app):
        url = fixed_url(app, rule, record_id=3)
        base = POST_FIELDS[rule.endpoint]
        for field in list(base) + ["unknown"]:
            for value in NASTIEST_FORM_VALUES:
                response = client.post(url, data={**base, field: value}, headers=_headers(app, True))
                response.get_data()
                assert response.status_code < 500, (url, field, value, response.status_code)


# Each API operation that takes a body: a valid one, every value of which (at any depth) is replaced
# in turn by each nasty JSON value.
API_BODIES = {
    "api_v1.create": {
        "number": "INV-API-SWEEP", "external_ref": "SWEEP-1", "invoice_date": "2026-06-10", "due_date": "2026-06-20",
        "tax_enabled": True, "transaction_code": "07",
        "facility": {"add_info": "TD.00502", "stamp": "TD.01102", "document": "PEB-1", "document_period": "062026"},
        "customer": {"name": "PT Sweep", "npwp_name": "PT Sweep", "id_type": "tin", "npwp": "012345678901000",
                     "id_number": "", "country": "IDN", "email": "a@example.com", "address": "Jl. 1",
                     "branch_code": "000001"},
        "lines": [{"item": "Jasa", "quantity": "1,5", "unit_price": "1.000", "discount": 100, "kind": "B",
                   "goods_code": "000000", "unit": "UM.0018"}],
    },
    "api_v1.status": {"status": "paid"},
    "api_v1.create_customer": {"name": "PT Sweep Customer", "npwp_name": "PT Sweep", "id_type": "tin",
                               "npwp": "012345678901000", "id_number": "", "country": "IDN", "email": "a@example.com",
                               "address": "Jl. 1", "branch_code": "000001", "language": "en"},
    "api_v1.generate_many": {"invoice_ids": [2]},
    "api_v1.export_csv": {"invoice_ids": [1]},
    "api_v1.export_xml": {"month": "2026-06", "export_status": ""},
    "api_v1.record_coretax": {"number": "01002600000000001", "status": "APPROVED"},
}
NASTIEST_JSON = [None, "", "\x00", "A\x00B", "\u202e", "9" * 5000, "x" * 3000, 0, -1, 2**31, 2**63, 10**400, 1e308,
                 -0.0, 0.001, True, [], {}, [None], {"": None}, "2026-02-30", "١٢٣"]


def _paths(node, path=()):
    """Every place in a JSON body: ("lines", 0, "unit_price"), ..."""
    for key, value in (node.items() if isinstance(node, dict) else enumerate(node)):
        yield path + (key,)
        if isinstance(value, (dict, list)):
            yield from _paths(value, path + (key,))


def _replaced(root, path, value=None, drop=False):
    root = copy.deepcopy(root)
    node = root
    for key in path[:-1]:
        node = node[key]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return root


def _variants(body):
    """The body with each value in turn replaced by each nasty value, and each key left out."""
    for path in _paths(body):
        for nasty in NASTIEST_JSON:
            yield path, _replaced(body, path, nasty)
        if isinstance(path[-1], str):
            yield path, _replaced(body, path, drop=True)


def test_every_api_body_is_in_the_map():
    app = create_app(base_config("sqlite://", "/tmp"))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    with_body = {operation["operationId"] for methods in document["paths"].values()
                 for operation in methods.values() if isinstance(operation, dict) and "requestBody" in operation
                 and "application/json" in operation["requestBody"]["content"]}  # files: swept below
    assert {endpoint.removeprefix("api_v1.") for endpoint in API_BODIES} == with_body


def test_every_value_of_every_api_body_takes_the_nastiest_values(junk_app):
    app = junk_app
    client = app.test_client()
    headers = app.config["JUNK_HEADERS"]
    urls = {"api_v1.status": "/api/v1/invoices/2/status", "api_v1.create": "/api/v1/invoices",
            "api_v1.generate_many": "/api/v1/efaktur-numbers", "api_v1.export_csv": "/api/v1/exports/csv",
            "api_v1.export_xml": "/api/v1/exports/xml", "api_v1.record_coretax": "/api/v1/invoices/2/coretax-number",
            "api_v1.create_customer": "/api/v1/customers"}
    for endpoint, body in API_BODIES.items():
        for path, variant in _variants(body):
            before = snapshot(app)
            response = client.post(urls[endpoint], json=variant, headers=headers)
            assert response.status_code < 500, (endpoint, path, response.status_code)
            assert response.is_json or response.status_code == 200, (endpoint, path, response.status_code)
            if response.status_code >= 400:
                assert snapshot(app) == before, (endpoint, path, response.status_code)


NASTY_FILES = [b"", b"\x00" * 100, b"PK\x03\x04" + b"\x00" * 100, b"\xd0\xcf\x11\xe0" + b"\x00" * 100,
               b"%PDF-1.4\n%%EOF", "Referensi;Nomor Faktur Pajak;Status Faktur\n\u202e;\x00;=1+1\n".encode(),
               b"Referensi,Nomor Faktur Pajak,Status Faktur\n" + b"x," * 5000 + b"\n", "\u0000\ufeff".encode("utf-16")]
NASTY_NAMES = ["list.xlsx", "list.csv", "", "\u202eslx.csv", "../../x.xlsx", "x" * 3000]


def test_every_nasty_file_for_the_list_import_is_answered_and_changes_nothing_when_refused(junk_app):
    """The one endpoint of the API that takes a file, and the page's form that takes the same file."""
    import io

    app = junk_app
    api = app.test_client()
    headers = app.config["JUNK_HEADERS"]
    page = _logged_in(app, STAFF_EMAIL)
    for data in NASTY_FILES:
        for name in NASTY_NAMES:
            before = snapshot(app)
            response = api.post("/api/v1/coretax/output-list", headers=headers, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), name)})
            assert response.status_code < 500 and response.is_json, (data[:20], name, response.status_code)
            form = page.post("/files/coretax-list", headers=_headers(app, True), content_type="multipart/form-data",
                             data={"file": (io.BytesIO(data), name)})
            assert form.status_code < 500, (data[:20], name, form.status_code)
            if response.status_code >= 400 and form.status_code >= 400:
                assert snapshot(app) == before, (data[:20], name)
            # Import Invoices takes a spreadsheet too, on the page (Preview, Import) and in the API.
            before = snapshot(app)
            for path in ("/invoices/import/preview", "/invoices/import"):
                answer = page.post(path, headers=_headers(app, True), content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(data), name)})
                assert answer.status_code == 422, (path, data[:20], name, answer.status_code)
            answer = api.post("/api/v1/invoices/import", headers=headers, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(data), name)})
            assert answer.status_code == 422 and answer.is_json, (data[:20], name, answer.status_code)
            assert snapshot(app) == before, (data[:20], name)
