"""Schemathesis against the served OpenAPI document: every operation, generated inputs, as a
read-write token. No answer may be a 5xx, and every answer must match the document
(status code, content type, headers, body schema)."""
import tempfile
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from efaktur import create_app
from tests.conftest import add_range, base_config, make_invoice
from tests.test_api import make_token

# A new invoice passes rules that live in their one parser or service, not in the document:
# "1.000,5" is an ambiguous amount, an NPWP has 15 or 16 digits, the due date is not before the
# invoice date. Such a request is refused (422 naming the field), which this check would call
# "valid data rejected". Every other check, and every other operation, is held to the full set.
# Likewise a Coretax number must carry the invoice's transaction code and year and belong to no other invoice,
# and an uploaded output-tax list (or spreadsheet of invoices) must be a workbook with its headers: no document can
# say so. A new
# customer passes the same NPWP and e-mail parsers as a new invoice's buyer.
EXCLUDED = {"POST /api/v1/invoices": [positive_data_acceptance],
            "POST /api/v1/customers": [positive_data_acceptance],
            "POST /api/v1/invoices/{invoice_id}/coretax-number": [positive_data_acceptance],
            "POST /api/v1/coretax/output-list": [positive_data_acceptance],
            "POST /api/v1/invoices/import": [positive_data_acceptance]}


def _operations() -> list[str]:
    """The document's operations, read at collection so that each is a test of its own."""
    app = create_app(base_config("sqlite://", tempfile.gettempdir()))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return [f"{method.upper()} {path}" for path, operations in document["paths"].items()
            for method in operations if method in {"get", "post", "put", "patch", "delete"}]


@pytest.fixture
def served(sqlite_app):
    # Schemathesis also sends wrong tokens on purpose, by the hundred; here they may all be answered 401.
    sqlite_app.config["EFAKTUR_LOGIN_FAILURES_PER_ADDRESS"] = 1_000_000
    add_range(sqlite_app, 2026, "000-26.00000001", "000-26.00000500")
    for day in range(1, 6):  # some invoices, so that low ids exist and have something to say
        make_invoice(sqlite_app, invoice_date=f"2026-06-0{day}")
    headers, _ = make_token(sqlite_app, "Schemathesis")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sqlite_app), headers


@pytest.mark.parametrize("label", _operations())
def test_every_operation_answers_by_its_document(served, label):
    schema, headers = served
    operation = schema.find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        if case.headers and "Idempotency-Key" in case.headers:
            # Generated keys repeat across examples; a repeated key with another body is rightly a
            # 422 (tests/test_api.py shows it). Here each request's key is its own.
            case.headers["Idempotency-Key"] = case.headers["Idempotency-Key"][:200] + uuid.uuid4().hex
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED.get(label, []))

    check()
