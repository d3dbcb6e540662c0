"""/api/v1: invoices, E-Faktur numbers, the stock of numbers, exports. JSON in and out.

A thin layer: each endpoint parses with the schemas (the same parsers as the forms), calls
the same service as the page (invoices.services, numbers.ledger, settings.alerts,
exports.services), and says what happened. No rule is decided here.
"""
from datetime import date

from flask import Response, g, stream_with_context
from flask_smorest import Blueprint

from efaktur.api import auth, idempotency, jsonbody
from efaktur.api.errors import ApiError, ErrorSchema
from efaktur.api.schemas import (
    CORETAX_NONE,
    CancelOut,
    CoretaxNumberIn,
    CustomerIn,
    CustomerPage,
    CustomerQuery,
    CustomerRecordOut,
    ExportIn,
    GenerateOut,
    InvoiceIdsIn,
    InvoiceImportIn,
    InvoiceImportOptionsIn,
    InvoiceImportOut,
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    InvoiceQuery,
    ListFileIn,
    ListImportOut,
    StatusIn,
    StockOut,
)
from efaktur.app_clock import current_year, local_today, now
from efaktur.customers.models import Customer, customer_values
from efaktur.customers.services import CustomerRefused, add_customer, customer_named, customer_query
from efaktur.database import id_in
from efaktur.exports.queries import EXPORTED, NOT_EXPORTED, Period, Selection
from efaktur.exports.services import ExportRefused, plan_export, stream_export
from efaktur.extensions import db
from efaktur.files.output_list import ListImportRefused, import_output_list
from efaktur.invoices.coretax import CoretaxRefused, record_coretax_number
from efaktur.invoices.imports import ImportRefused, import_invoices
from efaktur.invoices.imports import preview as preview_import
from efaktur.invoices.models import Invoice
from efaktur.invoices.queries import invoice_query, live_numbers
from efaktur.invoices.services import DraftLine, InvoiceDraft, InvoiceRefused, change_status, create_invoice
from efaktur.language.lang import some_of
from efaktur.numbers.generating import generate
from efaktur.numbers.ledger import LedgerRefused, cancel_number
from efaktur.numbers.models import NumberAssignment
from efaktur.numbers.services import year_count
from efaktur.operations.schemas import OperationsOut
from efaktur.operations.status import snapshot, without_infrastructure
from efaktur.rules.amounts import CENTS, default_transaction_code, format_cents
from efaktur.rules.identity import BuyerIdentity
from efaktur.settings.alerts import pace
from efaktur.settings.services import current_settings
from efaktur.settings.threshold import estimate_run_out


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = jsonbody.BodyParser()  # JSON bodies read once, safely, numbers exact (jsonbody.py)


bp = ApiBlueprint("api_v1", __name__, url_prefix="/api/v1", description="Invoices, E-Faktur numbers, the stock of numbers, exports.")
bp.before_request(auth.authenticate_request)
bp.before_request(jsonbody.before_request)
bp.before_request(idempotency.before_request)
bp.after_request(idempotency.after_request)
bp.teardown_request(idempotency.teardown_request)

ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429)


def register_api(openapi) -> None:
    """The blueprint on the OpenAPI extension, with what marshmallow cannot say in the document:
    an export takes invoice_ids or month, exactly one of them."""
    openapi.spec.components.schema(
        "ExportIn", {"oneOf": [{"required": ["invoice_ids"]}, {"required": ["month"]}]}, schema=ExportIn
    )
    openapi.register_blueprint(bp)


def documented_errors(*statuses):
    """Every error an operation can answer, in the one error shape; and the operation's id (its
    function's name), which client generators name their methods after."""

    def decorate(view):
        view = bp.doc(operationId=view.__name__)(view)
        for status in statuses or ERRORS:
            view = bp.alt_response(status, schema=ErrorSchema, description="An error: see error.code and error.message")(view)
        return view

    return decorate


IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]*[!-~][ -~]*$"},
    "description": "Retries are safe: the same key with the same body gets the first answer and changes nothing "
                   "again; the same key with another body is a 422. Keys are kept for a day.",
}
idempotent = bp.doc(parameters=[IDEMPOTENCY_KEY])


# ---- reading invoices ---------------------------------------------------------------------

def invoice_json(invoice: Invoice, live: NumberAssignment | None, today: date) -> dict:
    amounts = invoice.amounts
    return {
        "id": invoice.id,
        "number": invoice.number,
        "external_ref": invoice.external_ref,
        "customer": {
            "name": invoice.customer_name, "npwp_name": invoice.npwp_name, "id_type": invoice.buyer_document,
            "npwp": invoice.npwp, "id_number": invoice.buyer_document_number, "country": invoice.buyer_country,
            "email": invoice.customer_email, "language": invoice.customer_language, "address": invoice.address,
            "branch_code": invoice.buyer_branch_code, "id": invoice.customer_id,
        },
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "status": invoice.status,
        "shown_status": invoice.display_status(today),
        "tax_enabled": invoice.tax_enabled,
        "transaction_code": invoice.transaction_code,
        "efaktur_no": live.efaktur_no if live else None,
        "coretax_number": invoice.coretax_number,
        "coretax_status": invoice.coretax_status,
        "facility": {"add_info": invoice.facility_add_info, "stamp": invoice.facility_stamp,
                     "document": invoice.custom_doc, "document_period": invoice.custom_doc_period}
        if invoice.facility_add_info else None,
        "amounts": {
            "selling_price": format_cents(amounts.selling_price), "discount": amounts.discount // CENTS,
            "dpp": format_cents(invoice.dpp_cents),
            "dpp_other": None if invoice.dpp_other_cents is None else format_cents(invoice.dpp_other_cents),
            "vat_rate": invoice.vat_rate, "vat": format_cents(invoice.vat_cents), "ppn": invoice.ppn,
            "vat_charged": invoice.vat_charged, "total": format_cents(invoice.grand_total_cents),
        },
        "lines": [
            {"item": line.item, "kind": line.kind, "goods_code": line.goods_code, "unit": line.unit,
             "quantity": f"{line.quantity.normalize():f}", "unit_price": line.unit_price, "discount": line.discount,
             "selling_price": format_cents(line.selling_price_cents), "tax_base": format_cents(line.tax_base_cents),
             "other_tax_base": format_cents(line.other_tax_base_cents), "vat": format_cents(line.vat_cents)}
            for line in invoice.lines
        ],
        "export_status": EXPORTED if invoice.exported_at else NOT_EXPORTED,
        "exported_at": invoice.exported_at,
        "reported_at": invoice.efaktur_reported_at,
        "created_at": invoice.created_at,
    }


def _one(invoice_id: int) -> dict:
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if invoice is None:
        raise ApiError(404, f"There is no invoice {invoice_id}.")
    return invoice_json(invoice, live_numbers([invoice.id]).get(invoice.id), local_today())


@bp.route("/invoices/<int:invoice_id>", methods=["GET"])
@bp.response(200, InvoiceOut)
@documented_errors(401, 404, 429)
def read_invoice(invoice_id: int):
    """One invoice, with its lines, amounts, E-Faktur No and export status."""
    return _one(invoice_id)


@bp.route("/invoices", methods=["GET"])
@bp.arguments(InvoiceQuery, location="query", as_kwargs=True)
@bp.response(200, InvoicePage)
@documented_errors(401, 422, 429)
def list_invoices(status, month, q, has_number, export_status, coretax_status, after, limit):
    """Invoices in id order, a page at a time: pass next_cursor as `after` for the next page."""
    today = local_today()
    # The Invoices page's own filters (status, month, search), in id order for the cursor.
    query = invoice_query(status, month, q, today).order_by(None).where(Invoice.id > after)
    live = db.select(NumberAssignment.invoice_id).where(NumberAssignment.released_at.is_(None))
    if has_number is True:
        query = query.where(Invoice.id.in_(live))
    elif has_number is False:
        query = query.where(Invoice.id.not_in(live))
    if export_status == EXPORTED:
        query = query.where(Invoice.exported_at.is_not(None))
    elif export_status == NOT_EXPORTED:
        query = query.where(Invoice.exported_at.is_(None))
    if coretax_status == CORETAX_NONE:
        query = query.where(Invoice.coretax_status.is_(None))
    elif coretax_status:
        query = query.where(Invoice.coretax_status == coretax_status)
    invoices = list(db.session.scalars(query.order_by(Invoice.id).limit(limit + 1)))
    page, more = invoices[:limit], len(invoices) > limit
    numbers = live_numbers([i.id for i in page])
    return {"items": [invoice_json(i, numbers.get(i.id), today) for i in page], "next_cursor": page[-1].id if more else None}


# ---- customers ---------------------------------------------------------------------------------

def customer_json(customer: Customer) -> dict:
    return {
        "id": customer.id, "name": customer.name, "npwp_name": customer.npwp_name, "id_type": customer.buyer_document,
        "npwp": customer.npwp, "id_number": customer.buyer_document_number, "country": customer.buyer_country,
        "email": customer.email, "language": customer.email_language, "address": customer.address,
        "branch_code": customer.buyer_branch_code, "created_at": customer.created_at,
    }


@bp.route("/customers", methods=["GET"])
@bp.arguments(CustomerQuery, location="query", as_kwargs=True)
@bp.response(200, CustomerPage)
@documented_errors(401, 422, 429)
def list_customers(q, after, limit):
    """Customers in id order, a page at a time (the Customers page's search in q): pass next_cursor as `after`."""
    query = customer_query(q).order_by(None).where(Customer.id > after).order_by(Customer.id).limit(limit + 1)
    found = list(db.session.scalars(query))
    page, more = found[:limit], len(found) > limit
    return {"items": [customer_json(c) for c in page], "next_cursor": page[-1].id if more else None}


@bp.route("/customers/<int:customer_id>", methods=["GET"])
@bp.response(200, CustomerRecordOut)
@documented_errors(401, 404, 429)
def read_customer(customer_id: int):
    """One customer."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise ApiError(404, f"There is no customer {customer_id}.")
    return customer_json(customer)


def _duplicate_customer(name: str) -> ApiError:
    existing = customer_named(name)
    return ApiError(409, f"A customer named {existing.name if existing else name} exists already.",
                    fields={"name": "Already a customer."}, code="duplicate",
                    customer_id=existing.id if existing else None)


@bp.route("/customers", methods=["POST"])
@idempotent
@bp.arguments(CustomerIn)
@bp.response(201, CustomerRecordOut)
@documented_errors()
def create_customer(data):
    """Keep a customer (names are unique whatever their letter case); invoices then take it by customer_id."""
    identity = data["identity"]
    values = customer_values(data["name"].strip(), data["npwp_name"].strip(), identity.document, identity.npwp,
                             identity.number, data["country"], data["branch_code"], data["address"].strip(),
                             data["email"].strip(), data["language"])
    if customer_named(values["name"]):
        raise _duplicate_customer(values["name"])
    try:
        customer = add_customer(values)
    except CustomerRefused:
        raise _duplicate_customer(values["name"]) from None
    return customer_json(customer)


# ---- changing invoices -----------------------------------------------------------------------

def _buyer(data: dict) -> tuple[dict, int | None]:
    """The buyer as sent (customer), or as kept for the customer named by customer_id."""
    if data["customer_id"] is None:
        return data["customer"], None
    customer = db.session.get(Customer, data["customer_id"])
    if customer is None:
        raise ApiError(422, f"There is no customer {data['customer_id']}.",
                       fields={"customer_id": f"There is no customer {data['customer_id']}."})
    return {
        "name": customer.name, "npwp_name": customer.npwp_name, "address": customer.address, "email": customer.email,
        "language": customer.email_language, "country": customer.buyer_country, "branch_code": customer.buyer_branch_code,
        "identity": BuyerIdentity(customer.buyer_document, customer.npwp, customer.buyer_document_number),
    }, customer.id


def _draft(data: dict) -> InvoiceDraft:
    customer, customer_id = _buyer(data)
    identity = customer["identity"]
    code = data["transaction_code"] or default_transaction_code(data["invoice_date"])
    return InvoiceDraft(
        number=data["number"].strip(),
        customer_name=customer["name"].strip(),
        npwp_name=customer["npwp_name"].strip(),
        npwp=identity.npwp,
        address=customer["address"].strip(),
        customer_email=customer["email"].strip(),
        customer_language=customer["language"],
        buyer_document=identity.document,
        buyer_document_number=identity.number,
        buyer_country=customer["country"],
        buyer_branch_code=customer["branch_code"],
        invoice_date=data["invoice_date"],
        due_date=data["due_date"],
        tax_enabled=data["tax_enabled"],
        transaction_code=code,
        facility=data["parsed_facility"],
        lines=[
            DraftLine(line["item"].strip(), line["quantity"], line["unit_price"], line["discount"], kind=line["kind"],
                      goods_code=line["goods_code"], unit=line["unit"])
            for line in data["lines"]
        ],
        customer_id=customer_id,
    )


def _refused(refused, fallback_field: str = "_", status: int = 422):
    """A service's refusal as an API error: 422 when the input is wrong in itself, 409 when it is
    fine but the invoice's present state forbids it (cancelled, numbered already, no numbers left)."""
    errors = dict(refused.errors) if getattr(refused, "errors", None) else {fallback_field: str(refused)}
    return ApiError(status, "; ".join(errors.values()), fields=errors)


@bp.route("/invoices", methods=["POST"])
@idempotent
@bp.arguments(InvoiceIn)
@bp.response(201, InvoiceOut)
@documented_errors()
def create(data):
    """Create an invoice (DPP and PPN are computed by the invoice date's rules and transaction code)."""
    token = g.api_token
    if data["external_ref"]:
        existing = db.session.scalar(
            db.select(Invoice.id).where(Invoice.api_token_id == token.id, Invoice.external_ref == data["external_ref"])
        )
        if existing:
            raise ApiError(409, f"An invoice with external_ref {data['external_ref']} exists already: {existing}.",
                           fields={"external_ref": "Already used by this token."}, code="duplicate", invoice_id=existing)
    try:
        invoice = create_invoice(_draft(data), api_token_id=token.id, external_ref=data["external_ref"])
    except InvoiceRefused as refused:
        existing = db.session.scalar(
            db.select(Invoice.id).where(Invoice.api_token_id == token.id, Invoice.external_ref == data["external_ref"])
        ) if data["external_ref"] else None
        if existing:  # another request with the same reference got there first
            raise ApiError(409, f"An invoice with external_ref {data['external_ref']} exists already: {existing}.",
                           fields={"external_ref": "Already used by this token."}, code="duplicate", invoice_id=existing)
        raise _refused(refused)
    return _one(invoice.id)


@bp.route("/invoices/<int:invoice_id>/status", methods=["POST"])
@idempotent
@bp.arguments(StatusIn)
@bp.response(200, InvoiceOut)
@documented_errors()
def status(data, invoice_id: int):
    """Change the status: unpaid, partially paid, paid, cancelled (cancelled is final)."""
    _one(invoice_id)
    try:
        change_status(invoice_id, data["status"])
    except InvoiceRefused as refused:
        raise _refused(refused, "status", status=409)
    return _one(invoice_id)


def _require_invoices(invoice_ids: list[int], outcome: str) -> None:
    """A 404 naming the ids that are no invoice, before any service is asked."""
    ids = sorted(set(invoice_ids))
    known = set(db.session.scalars(db.select(Invoice.id).where(id_in(Invoice.id, ids))))
    if len(known) < len(ids):
        unknown = some_of([str(i) for i in ids if i not in known])
        raise ApiError(404, f"{outcome}: there is no invoice {unknown}.", fields={"invoice_ids": f"Unknown: {unknown}."})


def _generate(invoice_ids: list[int]) -> dict:
    """Generate E-Faktur No exactly as the page does (numbers/generating.py): all or nothing, then the recheck."""
    try:
        generated = generate(invoice_ids)
    except LedgerRefused as refused:
        raise _refused(refused, "invoice_ids", status=409)
    alert = generated.alert
    return {
        "issued": [vars(i) for i in generated.issued],
        # The sentence staff see, not the mail server's own words (they name the recipients): the pages show
        # those to admins only, and a token is no admin. The outcome says whether the e-mail went.
        "threshold_alert": None if alert is None else {
            "outcome": alert.outcome, "detail": alert.user_message(for_admin=False), "year": alert.year,
            "available": alert.available, "limit": alert.limit, "recipients": len(alert.recipients),
        },
    }


@bp.route("/invoices/<int:invoice_id>/efaktur-number", methods=["POST"])
@idempotent
@bp.response(201, GenerateOut)
@documented_errors()
def generate_one(invoice_id: int):
    """Generate the invoice's E-Faktur No: the smallest available of its year."""
    _one(invoice_id)
    return _generate([invoice_id])


@bp.route("/efaktur-numbers", methods=["POST"])
@idempotent
@bp.arguments(InvoiceIdsIn)
@bp.response(201, GenerateOut)
@documented_errors()
def generate_many(data):
    """Generate E-Faktur No for many invoices: all or nothing, smallest first."""
    _require_invoices(data["invoice_ids"], "No number was generated")
    return _generate(data["invoice_ids"])


@bp.route("/invoices/<int:invoice_id>/efaktur-number/cancel", methods=["POST"])
@idempotent
@bp.response(200, CancelOut)
@documented_errors()
def cancel(invoice_id: int):
    """Cancel E-Faktur No of a Cancelled, unreported invoice: the number is available again."""
    _one(invoice_id)
    try:
        released = cancel_number(invoice_id)
    except LedgerRefused as refused:
        raise _refused(refused, "invoice_id", status=409)
    return {"released": released.efaktur_no, "invoice": _one(invoice_id)}


# ---- Coretax ----------------------------------------------------------------------------------------

@bp.route("/invoices/<int:invoice_id>/coretax-number", methods=["POST"])
@idempotent
@bp.arguments(CoretaxNumberIn)
@bp.response(200, InvoiceOut)
@documented_errors()
def record_coretax(data, invoice_id: int):
    """Record the number and state Coretax gave the invoice, received elsewhere (the same rules as the list's)."""
    _one(invoice_id)
    try:
        record_coretax_number(invoice_id, data["number"], source="api", status=data["status"])
    except CoretaxRefused as refused:
        raise _refused(refused, "number", status=409)
    return _one(invoice_id)


@bp.route("/coretax/output-list", methods=["POST"])
@bp.arguments(ListFileIn, location="files")
@bp.response(200, ListImportOut)
@documented_errors()
def import_output_list_view(data):
    """Import Coretax's output-tax list (multipart field `file`): each row's number and state go to its invoice;
    every row's outcome comes back. A file refused whole (not a list, no headers, too many rows) is a 422."""
    upload = data["file"]
    try:
        result = import_output_list(upload.filename or "", upload.stream)
    except ListImportRefused as refused:
        raise _refused(refused, "file")
    return {
        "import_id": result.id, "file": result.file_name, "imported_before": result.same_file_before is not None,
        "counts": {kind: result.counts.get(kind, 0) for kind in ("recorded", "replaced", "cancelled", "unchanged", "not_applied")},
        "rows": [{"row": o.row, "reference": o.reference, "number": o.number, "status": o.status, "outcome": o.kind,
                  "invoice_id": o.invoice_id, "invoice_number": o.invoice_number, "message": o.message}
                 for o in result.outcomes],
    }


@bp.route("/invoices/import", methods=["POST"])
@bp.arguments(InvoiceImportIn, location="files")
@bp.arguments(InvoiceImportOptionsIn, location="form")
@bp.response(200, InvoiceImportOut)
@documented_errors()
def import_invoices_view(files, options):
    """Import invoices from a spreadsheet (multipart field `file`), all or none, as Import Invoices does on the
    Invoices page; `dry_run=true` answers the preview only. A file refused whole, or one with problems (without
    `valid_only=true`), is a 422 and nothing is written."""
    upload = files["file"]
    name = upload.filename or "invoices.xlsx"
    try:
        if options["dry_run"]:
            result = preview_import(name, upload.stream)
        else:
            result = import_invoices(name, upload.stream, valid_only=options["valid_only"])
    except ImportRefused as refused:
        raise _refused(refused, "file")
    return {
        "file": result.file_name, "layout": result.layout, "dry_run": options["dry_run"],
        "imported": not options["dry_run"], "invoices": result.invoices, "lines": result.lines,
        "dpp": format_cents(result.dpp_cents), "ppn": result.ppn, "total": format_cents(result.total_cents),
        "problem_count": result.problem_count,
        "problems": [{"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message} for p in result.problems],
        "rejected": result.rejected, "existing": result.existing, "invoice_ids": result.created,
    }


# ---- the stock of numbers -------------------------------------------------------------------------

@bp.route("/stock", methods=["GET"])
@bp.response(200, StockOut)
@documented_errors(401, 429)
def stock():
    """Numbers per year (this year and next): total, available, used; the threshold; the run-out estimate."""
    this_year, today, settings = current_year(), local_today(), current_settings()
    years = []
    for year in (this_year, this_year + 1):
        count = year_count(year)
        years.append({"year": year, "total": count.total, "available": count.available, "used": count.held})
    estimate = estimate_run_out(years[0]["available"], pace(this_year), today)
    return {
        "current_year": this_year,
        "years": years,
        "threshold_limit": settings.threshold_limit,
        "threshold_active": settings.threshold_active,
        "run_out": {
            "used_last_30_days": estimate.used_last_window,
            "per_day": round(estimate.per_day, 3),
            "run_out_on": estimate.run_out_on,
            "description": estimate.describe(date(this_year, 12, 31)),
        },
    }


@bp.route("/operations", methods=["GET"])
@bp.response(200, OperationsOut)
@documented_errors(401, 429)
def operations():
    """For monitoring: the database, the last backup (due when older than a day), mail settings (no secrets) with
    the last e-mails' outcome, the version, what the database holds. A read-only token is enough; it gets the
    outcomes without the infrastructure (no paths, hosts, mail server or account, no mail server replies)."""
    figures = snapshot(now())
    return without_infrastructure(figures) if g.api_token.read_only else figures


# ---- exports -----------------------------------------------------------------------------------

EXPORT_RESPONSES = {"text/csv": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}}}


def _export(fmt: str, data: dict):
    if data.get("month"):
        period = Period.parse(data["month"])
        selection = Selection.of_period(period, data["export_status"])
        if not selection.count():
            status = " with that export status" if data["export_status"] else ""
            raise ApiError(409, f"There is nothing to export in {period.label}{status}.", fields={"month": "No invoices."})
    else:
        _require_invoices(data["invoice_ids"], "Nothing was exported")
        selection = Selection.of_ids(data["invoice_ids"])
    try:
        plan = plan_export(fmt, selection)
    except ExportRefused as refused:  # the invoices or the settings are not ready for the file: a conflict
        raise _refused(refused, "invoice_ids", status=409)
    response = Response(stream_with_context(stream_export(plan)), mimetype=plan.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.download_name}"'
    response.headers["X-Efaktur-Invoices"] = str(len(plan.invoice_ids))
    return response


@bp.route("/exports/csv", methods=["POST"])
@idempotent
@bp.arguments(ExportIn)
@bp.doc(responses={"200": {"description": "The e-Faktur desktop import CSV, streamed", "content": {"text/csv": EXPORT_RESPONSES["text/csv"]}}})
@documented_errors()
def export_csv(data):
    """The e-Faktur desktop import CSV of these invoices, or of a month; they are marked Exported."""
    return _export("csv", data)


@bp.route("/exports/xml", methods=["POST"])
@idempotent
@bp.arguments(ExportIn)
@bp.doc(responses={"200": {"description": "The Coretax import XML, streamed; more than 1,000 invoices come as a zip of "
                                          "XML files of at most 1,000 each (...-part-1-of-3.xml), each a valid "
                                          "TaxInvoiceBulk", "content": {"application/xml": EXPORT_RESPONSES["application/xml"],
                                                                       "application/zip": EXPORT_RESPONSES["application/zip"]}}})
@documented_errors()
def export_xml(data):
    """The Coretax import XML (TaxInvoiceBulk) of these invoices, or of a month; they are marked Exported."""
    return _export("xml", data)
