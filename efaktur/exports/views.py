"""Export CSV tab: the invoices of a period, Generate E-Faktur No, and the two downloads."""
from flask import Blueprint, Response, render_template, request, stream_with_context

from efaktur.app_clock import local_today
from efaktur.exports.forms import ExportForm, PeriodFilterForm
from efaktur.exports.queries import EXPORT_STATUS_LABELS, Period, Selection, period_page, period_totals
from efaktur.exports.services import FORMATS, ExportRefused, plan_export, stream_export
from efaktur.invoices.forms import GenerateForm
from efaktur.invoices.models import STATUS_CANCELLED, STATUS_LABELS
from efaktur.invoices.queries import live_numbers
from efaktur.language.lang import gettext
from efaktur.numbers.generating import GENERATE_TITLE, plan_generate
from efaktur.numbers.ledger import MAX_BATCH, LedgerRefused
from efaktur.rules import reporting
from efaktur.rules.amounts import RATE_12_FROM
from efaktur.rules.ids import IdsError, parse_ids
from efaktur.rules.nsfp import CORETAX_ONLY_CODE
from efaktur.settings.services import company_route
from efaktur.web.events import EXPORTS_CHANGED
from efaktur.web.helpers import is_htmx, modal_error, page_number

bp = Blueprint("exports", __name__, url_prefix="/export")

CHANGED_EVENT = EXPORTS_CHANGED
SCOPE_PERIOD = "period"


def _filters():
    form = PeriodFilterForm(request.args)
    period = Period.parse(form.period.data)
    period_error = None
    if period is None:
        if form.period.data:
            period_error = gettext("Choose a month, e.g. 2026-11.")
        period = Period.of(local_today())
    status = form.export_status.data if form.export_status.data in EXPORT_STATUS_LABELS else ""
    return form, period, status, period_error


def _list_context():
    form, period, status, period_error = _filters()
    totals = period_totals(period, status)
    page = period_page(period, status, page_number(), totals.count, request.args.get("after"),
                       request.args.get("before"))
    return {
        "filters": form,
        "period": period,
        "export_status": status,
        "period_error": period_error,
        "page": page,
        "totals": totals,
        "numbers": live_numbers([i.id for i in page.items]),
        "today": local_today(),
        "labels": STATUS_LABELS,
        "status_labels": EXPORT_STATUS_LABELS,
        "export_form": ExportForm(formdata=None, period=period.value, export_status=status),
        "list_args": {"period": period.value, **({"export_status": status} if status else {})},
        "which_file": which_file,
        "file_labels": reporting.FILE_LABELS,
    }


def which_file(invoice, holds_range_number: bool) -> str:
    """The Export tab's File column: which of the two files the invoice goes to, by its number and the route."""
    return reporting.file_for(company_route(), cancelled=invoice.status == STATUS_CANCELLED,
                              holds_range_number=holds_range_number, in_coretax=invoice.coretax_number is not None,
                              before_coretax=invoice.invoice_date < RATE_12_FROM,
                              coretax_only_code=invoice.transaction_code == CORETAX_ONLY_CODE)


@bp.get("/")
def index():
    context = _list_context()
    if is_htmx() and request.headers.get("HX-Target") == "export-list":
        return render_template("exports/_partials/table.html", **context)
    return render_template("exports/index.html", **context)


def _selection() -> Selection:
    """The invoices the form names: every invoice of the period (and filter), or the ticked ones."""
    form = ExportForm()
    if form.scope.data == SCOPE_PERIOD:
        period = Period.parse(form.period.data)
        if period is None:
            raise ExportRefused(gettext("Choose the period again, then tick the invoices."))
        status = form.export_status.data if form.export_status.data in EXPORT_STATUS_LABELS else ""
        return Selection.of_period(period, status)
    try:
        ids = parse_ids(request.form.getlist("invoice_ids"), MAX_BATCH)
    except IdsError as error:
        raise ExportRefused(str(error)) from None
    return Selection.of_ids(ids)


@bp.post("/download")
def download():
    fmt = request.form.get("format", "")
    try:
        plan = plan_export(fmt, _selection())
    except ExportRefused as refused:
        label = FORMATS[fmt]["label"] if fmt in FORMATS else None
        return modal_error(str(refused), gettext("Export %(format)s",
                                                 format=gettext(label)) if label else gettext("Export"))
    response = Response(stream_with_context(stream_export(plan)), mimetype=plan.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.download_name}"'
    response.headers["X-Efaktur-Invoices"] = str(len(plan.invoice_ids))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/generate/confirm")
def generate_confirm():
    """Generate E-Faktur No from this tab: the ticked (or all) invoices still waiting for a number.

    The same confirmation as the Invoices page's (numbers/generating.py), and then its Generate,
    with its rules and its threshold recheck. Which invoices wait is asked of the database.
    """
    try:
        selection = _selection()
        if selection.missing_ids():
            raise ExportRefused(gettext("The selection was not understood; reload the page and tick the invoices "
                                        "again."))
        plan = plan_generate(selection.conditions)
    except (ExportRefused, LedgerRefused) as refused:
        return modal_error(str(refused), GENERATE_TITLE)
    return render_template("invoices/_partials/confirm_generate.html", plan=plan, form=GenerateForm())
