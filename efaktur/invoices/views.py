"""Invoices page, New Invoice modal, invoice detail, Generate and Cancel E-Faktur No, Import Invoices."""
import logging

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from efaktur.app_clock import local_today
from efaktur.customers.models import Customer
from efaktur.customers.services import buyer_form_data, npwp_warning
from efaktur.database import id_in
from efaktur.extensions import db
from efaktur.files.queries import invoice_files
from efaktur.files.uploads import megabytes
from efaktur.formats.invoice_pdf import invoice_pdf
from efaktur.invoices import coretax
from efaktur.invoices.coretax import record_coretax_number
from efaktur.invoices.forms import (
    NUMBER_NOT_SET,
    NUMBER_SET,
    PAGE_SIZES,
    CoretaxForm,
    FilterForm,
    GenerateForm,
    ImportForm,
    InvoiceForm,
    LineForm,
    StatusForm,
    amounts_preview,
)
from efaktur.invoices.imports import ImportRefused, import_invoices, template_file
from efaktur.invoices.imports import limits as import_limits
from efaktur.invoices.imports import preview as preview_import
from efaktur.invoices.models import STATUS_LABELS, Invoice
from efaktur.invoices.numbering import numberable
from efaktur.invoices.printing import printable
from efaktur.invoices.queries import invoice_query, live_numbers, number_history
from efaktur.invoices.services import (
    CodeChangeUnconfirmed,
    DraftLine,
    InvoiceDraft,
    InvoiceRefused,
    change_status,
    create_invoice,
    edit_refusal,
    is_cancellable_number,
    recompute_invoice,
    recomputed_amounts,
    update_invoice,
)
from efaktur.language import i18n
from efaktur.language.lang import gettext, ngettext
from efaktur.numbers.generating import GENERATE_TITLE, plan_generate
from efaktur.numbers.generating import generate as generate_with_recheck
from efaktur.numbers.ledger import MAX_BATCH, LedgerRefused, cancel_number
from efaktur.paging import bounded_count, date_key, int_key, keyset_page
from efaktur.rules.amounts import RATE_12_FROM, default_transaction_code
from efaktur.rules.identity import (
    BUYER_TIN,
    IdentityError,
    domestic_identity_warning,
    lacks_domestic_identity,
    parse_npwp,
)
from efaktur.rules.ids import IdsError, parse_id, parse_ids
from efaktur.rules.nsfp import CORETAX_ONLY_CODE, INVOICE_TRANSACTION_CODES
from efaktur.settings.alerts import threshold_warning
from efaktur.web.errors import Refused, apply_field_errors, apply_refusal, parse_revision
from efaktur.web.events import INVOICES_CHANGED, NUMBERS_CHANGED
from efaktur.web.helpers import is_htmx, modal_error, page_number, safe_local_url, success_response, with_trigger

bp = Blueprint("invoices", __name__, url_prefix="/invoices")
log = logging.getLogger(__name__)

CHANGED_EVENT = INVOICES_CHANGED
SHOWN_NUMBERS = 10
HIGHLIGHTED = 1000  # rows marked after a Generate (more would not be on one page anyway)


def _filtered_query(args):
    """The invoices the filters in `args` (the page's query string, or the form carrying it) select."""
    filters = FilterForm(args)
    status = filters.status.data if filters.status.data in STATUS_LABELS else ""
    efaktur = filters.efaktur.data if filters.efaktur.data in (NUMBER_NOT_SET, NUMBER_SET) else ""
    return filters, invoice_query(status, filters.month.data or "", filters.q.data or "", local_today(), efaktur,
                                  filters.coretax.data or "", filters.year.data or "")


def _list_context():
    filters, query = _filtered_query(request.args)
    per_page = int(filters.per_page.data) if filters.per_page.data in {str(n) for n in PAGE_SIZES} else PAGE_SIZES[0]
    page = keyset_page(query.order_by(None), INVOICE_ORDER, True, page_number(), per_page,
                       request.args.get("after"), request.args.get("before"))
    args = {k: v for k, v in request.args.items() if v and k in FILTER_ARGS}
    return {
        "filters": filters,
        "page": page,
        "numbers": live_numbers([i.id for i in page.items]),
        "today": local_today(),
        "labels": STATUS_LABELS,
        "list_args": args,
        "matching_unnumbered": _unnumbered_count(query) if page.has_prev or page.has_next else None,
    }


INVOICE_ORDER = [date_key(Invoice.invoice_date), int_key(Invoice.id)]  # newest first, as invoice_query orders
FILTER_ARGS = ("status", "month", "year", "q", "efaktur", "coretax", "per_page")


TICK_ALL_BOUND = 1_000  # each is checked against the ledger: beyond, the banner says "1,000+"


def _unnumbered_count(query) -> tuple[int, bool]:
    """How many of the matching invoices Tick all would tick, up to TICK_ALL_BOUND (Generate's confirmation
    counts them exactly, in SQL, when asked)."""
    return bounded_count(numberable(query), TICK_ALL_BOUND)


@bp.get("/")
def index():
    context = _list_context()
    if is_htmx() and request.headers.get("HX-Target") == "invoice-list":
        return render_template("invoices/_partials/list.html", **context)
    return render_template("invoices/index.html", warning=threshold_warning(), **context)


def _success(message: str, warning: str | None = None, *events: str):
    return success_response(message, safe_local_url(request.referrer, url_for("invoices.index")), events, warning)


def _refused_on_form(form: InvoiceForm, refused: Refused) -> None:
    """A service's refusal on the fields it names; the facility's on the pair of the invoice's code."""
    code = form.transaction_code.data
    refused.errors = {(f"add_info_{code}" if name == "add_info" else name): message
                      for name, message in refused.errors.items()}
    apply_refusal(form, refused, "number")


def _draft(form: InvoiceForm) -> InvoiceDraft:
    return InvoiceDraft(
        number=(form.number.data or "").strip(),
        customer_name=form.customer_name.data.strip(),
        npwp_name=(form.npwp_name.data or "").strip(),
        npwp=form.buyer.npwp,
        address=(form.address.data or "").strip(),
        customer_email=form.customer_email.parsed,
        customer_language=form.customer_language.data,
        buyer_document=form.buyer.document,
        buyer_document_number=form.buyer.number,
        buyer_country=form.buyer_country.data,
        buyer_branch_code=form.buyer_branch_code.parsed,
        invoice_date=form.invoice_date.data,
        due_date=form.due_date.data,
        tax_enabled=form.tax_enabled.data,
        transaction_code=form.transaction_code.data,
        facility=form.facility,
        lines=[
            DraftLine(
                entry.form.item.data.strip(),
                entry.form.quantity.parsed,
                entry.form.unit_price.parsed,
                entry.form.discount.parsed,
                kind=entry.form.kind.data,
                goods_code=entry.form.goods_code.parsed,
                unit=entry.form.unit.data,
            )
            for entry in form.lines
        ],
        customer_id=parse_id(form.customer_id.data),
        save_as_customer=bool(form.save_customer.data) and not parse_id(form.customer_id.data),
    )


def _preview(form: InvoiceForm, invoice_id: int | None = None) -> dict:
    """The form's live totals and warnings, with the one only the database can give: this NPWP is kept
    under another name."""
    preview = amounts_preview(form)
    try:
        npwp = parse_npwp(form.npwp.data) if form.buyer_document.data == BUYER_TIN else ""
    except IdentityError:
        npwp = ""
    name = (form.npwp_name.data or "").strip() or (form.customer_name.data or "").strip()
    preview["npwp_warning"] = npwp_warning(npwp, name, exclude_invoice_id=invoice_id) if npwp else None
    return preview


@bp.post("/amounts")
def amounts():
    """The New Invoice and Edit forms' live totals: what Save would store, from the form as typed."""
    form = InvoiceForm()
    return render_template("invoices/_partials/amounts_preview.html",
                           preview=_preview(form, parse_id(request.args.get("invoice"))))


def _form_response(form: InvoiceForm, title: str, action: str, code_change=None, invoice_id: int | None = None):
    """The form (with its errors: 422), or the question a new transaction code of a numbered invoice asks."""
    template = "invoices/invoice_form.html"
    blank_line = LineForm(prefix="lines-__index__-")  # the row "+ Add line" copies
    return render_template(template, form=form, title=title, action=action, blank_line=blank_line,
                           code_change=code_change, preview=_preview(form, invoice_id), invoice_id=invoice_id), (
        422 if form.errors or code_change else 200
    )


def _new_form_data() -> dict | None:
    """New Invoice's fields from a customer (?customer=) or as a copy of an invoice (?from=, Duplicate):
    everything but its number, dates and state."""
    today = local_today()
    dates = {"invoice_date": today, "due_date": today, "transaction_code": default_transaction_code(today)}
    source = db.session.get(Invoice, parse_id(request.args.get("from")) or 0)
    if source is not None:
        data = _form_data(source)
        data.pop("revision")
        data["number"] = ""
        data["due_date"] = today + (source.due_date - source.invoice_date)
        data["invoice_date"] = today
        if source.transaction_code not in INVOICE_TRANSACTION_CODES or (
                source.transaction_code == CORETAX_ONLY_CODE and today < RATE_12_FROM):
            data["transaction_code"] = dates["transaction_code"]
        return data
    customer = db.session.get(Customer, parse_id(request.args.get("customer")) or 0)
    if customer is not None:
        return {**dates, **buyer_form_data(customer), "customer_id": str(customer.id)}
    return None


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        data = _new_form_data()
        if data is not None:
            return _form_response(InvoiceForm(formdata=None, data=data), gettext("New Invoice"), url_for("invoices.new"))
    form = InvoiceForm()
    if request.method == "GET":
        form.invoice_date.data = local_today()
        form.due_date.data = local_today()
        form.transaction_code.data = default_transaction_code(local_today())
    if form.validate_on_submit():
        try:
            invoice = create_invoice(_draft(form))
        except InvoiceRefused as refused:
            _refused_on_form(form, refused)
        else:
            return _success(gettext("Invoice %(number)s saved.", number=invoice.number), None, CHANGED_EVENT)
    return _form_response(form, gettext("New Invoice"), url_for("invoices.new"))


def _form_data(invoice: Invoice) -> dict:
    """The invoice as the form shows it."""
    return {
        "number": invoice.number,
        "customer_name": invoice.customer_name,
        "npwp_name": invoice.npwp_name,
        "buyer_document": invoice.buyer_document,
        "npwp": invoice.npwp,
        "buyer_id_number": invoice.buyer_document_number,
        "buyer_country": invoice.buyer_country,
        "buyer_branch_code": invoice.buyer_branch_code,
        "address": invoice.address,
        "customer_email": invoice.customer_email,
        "customer_language": invoice.customer_language,
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "tax_enabled": invoice.tax_enabled,
        "transaction_code": invoice.transaction_code,
        "revision": str(invoice.revision),
        "customer_id": str(invoice.customer_id or ""),
        f"add_info_{invoice.transaction_code}": invoice.facility_add_info,
        f"facility_stamp_{invoice.transaction_code}": invoice.facility_stamp,
        "custom_doc": invoice.custom_doc,
        "custom_doc_period": invoice.custom_doc_period,
        "lines": [
            {
                "item": line.item,
                "kind": line.kind,
                "goods_code": line.goods_code,
                "unit": line.unit,
                "quantity": i18n.quantity(line.quantity, grouped=False),  # read back in the same language
                "unit_price": str(line.unit_price),
                "discount": str(line.discount) if line.discount else "",
            }
            for line in invoice.lines
        ],
    }


@bp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
def edit(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    refusal = edit_refusal(invoice)
    if refusal:
        return modal_error(refusal, gettext("Edit Invoice"))
    title, action = gettext("Edit Invoice %(number)s",
                            number=invoice.number), url_for("invoices.edit", invoice_id=invoice_id)
    if request.method == "GET":
        return _form_response(InvoiceForm(formdata=None, data=_form_data(invoice), number_required=True), title, action,
                              invoice_id=invoice_id)
    form = InvoiceForm(number_required=True)
    if form.validate_on_submit():
        try:
            confirmed = form.confirm_code_change.data == "yes"
            invoice, changes = update_invoice(invoice_id, _draft(form), code_change_confirmed=confirmed,
                                              expected_revision=parse_revision(form.revision.data))
        except CodeChangeUnconfirmed as unconfirmed:
            return _form_response(form, title, action, code_change=unconfirmed.change, invoice_id=invoice_id)
        except Refused as refused:
            _refused_on_form(form, refused)
        else:
            if not changes:
                return _success(gettext("Nothing changed on invoice %(number)s.", number=invoice.number), None)
            return _success(
                gettext("Invoice %(number)s saved. Its Export Status is Not Exported until it is exported again.",
                        number=invoice.number),
                None,
                CHANGED_EVENT,
            )
    return _form_response(form, title, action, invoice_id=invoice_id)


def _detail_context(invoice: Invoice, status_form=None, error=None, coretax_form=None):
    live = live_numbers([invoice.id]).get(invoice.id)
    form = status_form or StatusForm(formdata=None, status=invoice.status)
    return {
        "files": invoice_files(invoice.id),
        "coretax_form": coretax_form or CoretaxForm(formdata=None, coretax_number=invoice.coretax_number or ""),
        "invoice": invoice,
        "live": live,
        "history": number_history(invoice.id),
        "coretax_events": coretax.history(invoice.id),
        "status_form": form,
        "can_cancel_number": is_cancellable_number(invoice, live),
        "amounts": invoice.amounts,
        "recompute": recomputed_amounts(invoice) if not edit_refusal(invoice) else None,
        "buyer_warning": domestic_identity_warning() if invoice.tax_enabled and lacks_domestic_identity(
            invoice.buyer_document, invoice.npwp, invoice.buyer_country) else None,
        "npwp_warning": npwp_warning(invoice.npwp, invoice.buyer_name, exclude_invoice_id=invoice.id)
        if invoice.npwp else None,
        "edit_refusal": edit_refusal(invoice),
        "today": local_today(),
        "labels": STATUS_LABELS,
        "error": error,
    }


@bp.get("/<int:invoice_id>")
def detail(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    context = _detail_context(invoice)
    if is_htmx() and request.headers.get("HX-Target") == "invoice-detail":
        return render_template("invoices/_partials/detail_body.html", **context)
    return render_template("invoices/detail.html", **context)


def _detail_form(invoice_id: int, form, field: str, change):
    """A form on the invoice's page: `change(value)` runs the service; the page part comes back
    updated (htmx) or the page again after a 303, and with the error on `field` (422) when refused."""
    invoice = db.get_or_404(Invoice, invoice_id)
    if form.validate_on_submit():
        try:
            invoice = change(form[field].data)
        except Refused as refused:
            apply_field_errors(form, refused.errors, field)
        else:
            if not is_htmx():
                return redirect(url_for("invoices.detail", invoice_id=invoice_id), code=303)
            response = make_response(render_template("invoices/_partials/detail_body.html", **_detail_context(invoice)))
            return with_trigger(response, **{CHANGED_EVENT: True})
    db.session.refresh(invoice)
    context = _detail_context(invoice, **{("coretax_form" if field == "coretax_number" else "status_form"): form})
    return render_template("invoices/_partials/detail_body.html" if is_htmx() else "invoices/detail.html", **context), 422


@bp.post("/<int:invoice_id>/coretax-number")
def coretax_number(invoice_id: int):
    """Record the 17-digit number DJP assigned the invoice in Coretax (or clear it)."""
    return _detail_form(invoice_id, CoretaxForm(), "coretax_number", lambda value: record_coretax_number(invoice_id, value))


@bp.post("/<int:invoice_id>/status")
def status(invoice_id: int):
    return _detail_form(invoice_id, StatusForm(), "status", lambda value: change_status(invoice_id, value))


def ticked_ids() -> list[int]:
    """The ticked invoice ids (one per value, or joined by commas); anything else is refused."""
    try:
        return parse_ids(request.form.getlist("invoice_ids"), MAX_BATCH)
    except IdsError as error:
        raise LedgerRefused(str(error)) from None


@bp.post("/generate/confirm")
def generate_confirm():
    """The Yes/No question before numbers go out; carries the ids on to /generate."""
    try:
        if request.form.get("scope") == "matching":
            _, query = _filtered_query(request.form)
            conditions = [query.whereclause] if query.whereclause is not None else []
        else:
            conditions = [id_in(Invoice.id, ticked_ids())]
        plan = plan_generate(conditions)
    except LedgerRefused as refused:
        return modal_error(str(refused), GENERATE_TITLE)
    return render_template("invoices/_partials/confirm_generate.html", plan=plan, form=GenerateForm())


@bp.post("/generate")
def generate():
    # CSRFProtect has checked the token before this view runs, as for every POST.
    # Read now what the answer needs of the user (the role, the language): the commit expires the user, and
    # loading it again would cost a round trip more than the numbers themselves.
    for_admin, _ = current_user.is_admin, i18n.language()
    try:
        generated = generate_with_recheck(ticked_ids())
    except LedgerRefused as refused:
        return modal_error(str(refused), GENERATE_TITLE)
    if generated.recheck_failed:
        alert_note = gettext("The numbers are generated, but the threshold check failed; see the server log.")
    else:
        alert_note = generated.alert.user_message(for_admin=for_admin) if generated.alert else None
    return _generated_response(generated.issued, alert_note)


def _generated_response(issued, warning: str | None = None):
    shown = ", ".join(item.efaktur_no for item in issued[:SHOWN_NUMBERS])
    more = gettext(" and %(count)s more", count=len(issued) - SHOWN_NUMBERS) if len(issued) > SHOWN_NUMBERS else ""
    if len(issued) == 1:
        message = gettext("E-Faktur No %(efaktur_no)s generated for invoice %(invoice_number)s.",
                          efaktur_no=issued[0].efaktur_no, invoice_number=issued[0].invoice_number)
    else:
        message = gettext("%(count)s E-Faktur numbers generated: %(shown)s%(more)s.",
                          count=len(issued), shown=shown, more=more)
    response = _success(message, warning, CHANGED_EVENT, NUMBERS_CHANGED)
    if is_htmx():  # the list, reloading itself, highlights the rows just numbered
        response = with_trigger(response, **{CHANGED_EVENT: {"numbered": [item.invoice_id for item in issued[:HIGHLIGHTED]]}})
    return response


@bp.get("/<int:invoice_id>/print")
def print_view(invoice_id: int):
    """The invoice as a document to print (the browser's Print), in its customer's language."""
    document = printable(invoice_id)
    if document is None:
        abort(404)
    return render_template("invoices/print.html", document=document, invoice_id=invoice_id)


@bp.get("/<int:invoice_id>/pdf")
def pdf(invoice_id: int):
    """The same document as a PDF download."""
    document = printable(invoice_id)
    if document is None:
        abort(404)
    response = Response(invoice_pdf(document, current_app.config.get("EFAKTUR_PDF_FONT")), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    return response


@bp.route("/<int:invoice_id>/recompute", methods=["GET", "POST"])
def recompute(invoice_id: int):
    """Recompute an invoice's figures that were stored by the old rules: shows both, asks, then stores."""
    invoice = db.get_or_404(Invoice, invoice_id)
    title = gettext("Recompute the figures")
    form = GenerateForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return modal_error(gettext("The form expired; reload the page and try again."), title)
        try:
            invoice, before, after = recompute_invoice(invoice_id)
        except InvoiceRefused as refused:
            return modal_error("; ".join(refused.errors.values()), title)
        return _success(gettext("Invoice %(number)s recomputed: DPP %(dpp)s, PPN %(ppn)s. Export it again.",
                                number=invoice.number, dpp=i18n.rupiah(after.dpp), ppn=i18n.money(after.ppn)),
                        None, CHANGED_EVENT)
    refusal = edit_refusal(invoice)
    after = None if refusal else recomputed_amounts(invoice)
    if after is None:
        return modal_error(refusal or gettext("The figures of invoice %(number)s are already DJP's; nothing to "
                                              "recompute.", number=invoice.number), title)
    return render_template("invoices/_partials/confirm_recompute.html", invoice=invoice, before=invoice.amounts,
                           after=after, form=form)


@bp.route("/<int:invoice_id>/cancel-number", methods=["GET", "POST"])
def cancel_number_view(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    live = live_numbers([invoice_id]).get(invoice_id)
    form = GenerateForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return modal_error(gettext("The form expired; reload the page and try again."), gettext("Cancel E-Faktur No"))
        try:
            released = cancel_number(invoice_id)
        except LedgerRefused as refused:
            return modal_error(str(refused), gettext("Cancel E-Faktur No"))
        return _success(
            gettext("E-Faktur No %(efaktur_no)s cancelled; the number is available again.",
                    efaktur_no=released.efaktur_no),
            None,
            CHANGED_EVENT,
            NUMBERS_CHANGED,
        )
    if not is_cancellable_number(invoice, live):
        return modal_error(
            gettext("Cancel E-Faktur No is offered only for a Cancelled invoice with Invoice Tax on whose " "number was not reported."),
            gettext("Cancel E-Faktur No"),
        )
    return render_template("invoices/_partials/confirm_cancel_number.html", invoice=invoice, live=live, form=form)


# ---- Import Invoices -------------------------------------------------------------------------------

def _import_hint() -> str:
    bounds = import_limits()
    return gettext("Our template (Download template), or DJP's converter template as it is (sheets Faktur and "
                   "DetailFaktur): .xlsx or .csv, at most %(size)s and %(lines)s lines.",
                   size=megabytes(bounds.max_file_bytes), lines=i18n.thousands(bounds.max_rows))


def _import_page(form: ImportForm, preview=None, error: str | None = None, status: int = 200):
    context = {"form": form, "hint": _import_hint(), "preview": preview, "error": error, "fragment": is_htmx()}
    if is_htmx() and request.method == "POST":  # the preview (or the refusal) under the form, the file kept
        return render_template("invoices/_partials/import_preview.html", **context), status
    return render_template("invoices/import.html", **context), status


def _uploaded(form: ImportForm):
    upload = request.files.get(form.file.name)
    if not form.validate_on_submit() or upload is None or not upload.filename:
        return None, (form.errors.get("csrf_token") or [gettext("Choose the spreadsheet to import (.xlsx or .csv).")])[0]
    return upload, None


@bp.get("/import")
def import_form():
    """Import Invoices: choose the file; Preview says what it holds before anything is written."""
    return _import_page(ImportForm(formdata=None))


@bp.get("/import/template.xlsx")
def import_template():
    response = Response(template_file(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = 'attachment; filename="efaktur-invoices-template.xlsx"'
    return response


@bp.post("/import/preview")
def import_preview():
    form = ImportForm()
    upload, error = _uploaded(form)
    if upload is None:
        return _import_page(form, error=error, status=422)
    try:
        result = preview_import(upload.filename, upload.stream)
    except ImportRefused as refused:
        return _import_page(form, error=refused.errors["file"], status=422)
    return _import_page(form, preview=result)


@bp.post("/import")
def import_file():
    """Import N invoices: the file again, all its invoices in one transaction (or its valid ones, when asked)."""
    form = ImportForm()
    upload, error = _uploaded(form)
    if upload is None:
        return _import_page(form, error=error, status=422)
    try:
        result = import_invoices(upload.filename, upload.stream, valid_only=bool(form.valid_only.data),
                                 previewed=request.form.get("previewed", ""))
    except ImportRefused as refused:  # said under the form, with what the file holds
        page, status = _import_page(form, preview=refused.preview, error=refused.errors["file"], status=422)
        response = make_response(page, status)
        if is_htmx():  # the Import button aims at the dialog; a refusal goes under the form, as a preview does
            response.headers["HX-Retarget"] = "#import-preview"
        return response
    message = ngettext("%(num)s invoice imported from %(file)s.", "%(num)s invoices imported from %(file)s.",
                       result.invoices, file=upload.filename[-80:])
    return _success(message, None, CHANGED_EVENT)
