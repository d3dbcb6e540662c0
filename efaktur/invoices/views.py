"""Invoices page, New Invoice modal, invoice detail, Generate and Cancel E-Faktur No."""
import logging

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..errors import apply_field_errors
from ..extensions import db
from ..numbers.ledger import LedgerRefused, cancel_number, generate_numbers
from ..numbers.views import CHANGED_EVENT as NUMBERS_CHANGED
from ..settings.alerts import recheck_after_generate
from ..settings.services import current_settings
from ..vat import Line
from ..web import is_htmx, local_today, success_response, with_trigger
from .forms import FilterForm, GenerateForm, InvoiceForm, StatusForm
from .models import STATUS_LABELS, Invoice
from .queries import PER_PAGE, invoice_query, live_numbers, number_history
from .services import InvoiceDraft, InvoiceRefused, change_status, create_invoice, is_cancellable_number

bp = Blueprint("invoices", __name__, url_prefix="/invoices")
log = logging.getLogger(__name__)

CHANGED_EVENT = "invoicesChanged"
SHOWN_NUMBERS = 10


def _list_context():
    filters = FilterForm(request.args)
    page = db.paginate(
        invoice_query(filters.status.data or "", filters.month.data or "", filters.q.data or "", local_today()),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    args = {k: v for k, v in request.args.items() if v and k in ("status", "month", "q")}
    return {
        "filters": filters,
        "page": page,
        "numbers": live_numbers([i.id for i in page.items]),
        "today": local_today(),
        "labels": STATUS_LABELS,
        "list_args": args,
    }


@bp.get("/")
def index():
    context = _list_context()
    if is_htmx() and request.headers.get("HX-Target") == "invoice-list":
        return render_template("invoices/_partials/list.html", **context)
    return render_template("invoices/index.html", **context)


def _success(message: str, warning: str | None = None, *events: str):
    return success_response(message, request.referrer or url_for("invoices.index"), events, warning)


def _draft(form: InvoiceForm) -> InvoiceDraft:
    return InvoiceDraft(
        number=(form.number.data or "").strip(),
        customer_name=form.customer_name.data.strip(),
        npwp_name=(form.npwp_name.data or "").strip(),
        npwp=getattr(form.npwp, "digits", ""),
        address=(form.address.data or "").strip(),
        invoice_date=form.invoice_date.data,
        due_date=form.due_date.data,
        tax_enabled=form.tax_enabled.data,
        transaction_code=form.transaction_code.data,
        lines=[
            Line(entry.form.item.data.strip(), entry.form.quantity.parsed, entry.form.unit_price.parsed)
            for entry in form.lines
        ],
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = InvoiceForm()
    if request.method == "GET":
        form.invoice_date.data = local_today()
        form.due_date.data = local_today()
    if form.validate_on_submit():
        try:
            invoice = create_invoice(_draft(form))
        except InvoiceRefused as refused:
            apply_field_errors(form, refused.errors, "number")
        else:
            return _success(f"Invoice {invoice.number} saved.", None, CHANGED_EVENT)
    template = "invoices/_partials/invoice_form.html" if is_htmx() else "invoices/invoice_form_page.html"
    return render_template(template, form=form), (422 if form.errors else 200)


def _detail_context(invoice: Invoice, status_form=None, error=None):
    live = live_numbers([invoice.id]).get(invoice.id)
    form = status_form or StatusForm(formdata=None, status=invoice.status)
    return {
        "invoice": invoice,
        "live": live,
        "history": number_history(invoice.id),
        "status_form": form,
        "can_cancel_number": is_cancellable_number(invoice, live),
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


@bp.post("/<int:invoice_id>/status")
def status(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            invoice = change_status(invoice_id, form.status.data)
        except InvoiceRefused as refused:
            apply_field_errors(form, refused.errors, "status")
        else:
            if not is_htmx():
                return redirect(url_for("invoices.detail", invoice_id=invoice_id), code=303)
            response = make_response(render_template("invoices/_partials/detail_body.html", **_detail_context(invoice)))
            return with_trigger(response, **{CHANGED_EVENT: True})
    db.session.refresh(invoice)
    context = _detail_context(invoice, status_form=form)
    return render_template("invoices/_partials/detail_body.html" if is_htmx() else "invoices/detail.html", **context), 422


def _ticked_ids() -> list[int]:
    """The ticked invoice ids; anything that is not a whole number is tampering."""
    raw = request.form.getlist("invoice_ids")
    if not all(value.isascii() and value.isdigit() and len(value) <= 12 for value in raw):
        raise LedgerRefused("The selection was not understood; reload the page and tick the invoices again.")
    return sorted({int(value) for value in raw})


def _modal_error(message: str, title: str = "Generate E-Faktur No"):
    template = "_partials/message_modal.html" if is_htmx() else "errors/error.html"
    return render_template(template, title=title, message=message, status=422), 422


@bp.post("/generate/confirm")
def generate_confirm():
    """The Yes/No question before numbers go out; carries the ticked ids on to /generate."""
    try:
        ids = _ticked_ids()
    except LedgerRefused as refused:
        return _modal_error(str(refused))
    if not ids:
        return _modal_error("Tick at least one invoice whose E-Faktur No is (Not Set).")
    return render_template("invoices/_partials/confirm_generate.html", ids=ids, form=GenerateForm())


@bp.post("/generate")
def generate():
    # CSRFProtect has checked the token before this view runs, as for every POST.
    threshold = current_settings()  # the threshold as set; the count is read after the commit
    try:
        result = generate_numbers(_ticked_ids())
    except LedgerRefused as refused:
        return _modal_error(str(refused))
    # The numbers are committed; from here on nothing may take them back.
    try:
        alert = recheck_after_generate(threshold)
    except Exception:
        log.exception("threshold recheck failed after generating numbers")
        alert_note = "The numbers are generated, but the threshold check failed; see the server log."
    else:
        alert_note = alert.user_message() if alert else None
    return _generated_response(result, alert_note)


def _generated_response(result, warning: str | None = None):
    issued = result.issued
    shown = ", ".join(item.efaktur_no for item in issued[:SHOWN_NUMBERS])
    more = f" and {len(issued) - SHOWN_NUMBERS:,} more" if len(issued) > SHOWN_NUMBERS else ""
    if len(issued) == 1:
        message = f"E-Faktur No {issued[0].efaktur_no} generated for invoice {issued[0].invoice_number}."
    else:
        message = f"{len(issued):,} E-Faktur numbers generated: {shown}{more}."
    return _success(message, warning, CHANGED_EVENT, NUMBERS_CHANGED)


@bp.route("/<int:invoice_id>/cancel-number", methods=["GET", "POST"])
def cancel_number_view(invoice_id: int):
    invoice = db.get_or_404(Invoice, invoice_id)
    live = live_numbers([invoice_id]).get(invoice_id)
    form = GenerateForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _modal_error("The form expired; reload the page and try again.", "Cancel E-Faktur No")
        try:
            released = cancel_number(invoice_id)
        except LedgerRefused as refused:
            return _modal_error(str(refused), "Cancel E-Faktur No")
        return _success(
            f"E-Faktur No {released.efaktur_no} cancelled; the number is available again.",
            None,
            CHANGED_EVENT,
            NUMBERS_CHANGED,
        )
    if not is_cancellable_number(invoice, live):
        return _modal_error(
            "Cancel E-Faktur No is offered only for a Cancelled invoice with Invoice Tax on whose number "
            "was not reported.",
            "Cancel E-Faktur No",
        )
    return render_template("invoices/_partials/confirm_cancel_number.html", invoice=invoice, live=live, form=form)
