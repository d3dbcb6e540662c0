"""E-Faktur No page: the range table, and the modal forms that change it."""
from flask import Blueprint, render_template, url_for

from efaktur.app_clock import current_year, local_today
from efaktur.extensions import db
from efaktur.invoices.coretax import BUCKET_HINTS, WAITING_EXPORT, bucket_counts
from efaktur.invoices.numbering import holds_a_number
from efaktur.language.lang import gettext
from efaktur.numbers.forms import ConfirmForm, RangeForm
from efaktur.numbers.models import NumberRange
from efaktur.numbers.outlook import outlook
from efaktur.numbers.services import (
    RangeRejected,
    all_ranges,
    create_range,
    delete_range,
    selectable_years,
    update_range,
)
from efaktur.rules import reporting
from efaktur.rules.nsfp import format_nsfp
from efaktur.settings.services import current_settings
from efaktur.web.errors import Refused, apply_field_errors, apply_refusal, parse_revision
from efaktur.web.events import NUMBERS_CHANGED
from efaktur.web.helpers import admin_required, success_response

bp = Blueprint("numbers", __name__, url_prefix="/numbers")

# Fired after every change of the ledger; the overview listens for it and reloads itself.
CHANGED_EVENT = NUMBERS_CHANGED


def overview_context() -> dict:
    view = outlook(local_today())
    settings = current_settings()
    counts = bucket_counts(view.this_year.year, holds_a_number()) if reporting.uses_coretax(settings.route) else None
    if counts and settings.route == reporting.BOTH and not any(n for bucket, n in counts.items() if bucket != WAITING_EXPORT):
        # On both routes an invoice without a number may yet be numbered from a range: the Coretax panel waits until
        # Coretax has something of this year (an exported XML, a number, a state) to show.
        counts = None
    return {"ranges": all_ranges(), "this_year": view.this_year, "outlook": view, "settings": settings,
            "coretax_counts": counts, "coretax_bucket_hints": BUCKET_HINTS}


@bp.get("/")
def index():
    return render_template("numbers/index.html", **overview_context())


@bp.get("/overview")
def overview():
    """The summary and table, re-fetched by htmx whenever the ledger changes."""
    return render_template("numbers/_partials/overview.html", **overview_context())


def _form_response(form: RangeForm, title: str, action: str, status: int = 200):
    template = "numbers/range_form.html"
    return render_template(template, form=form, title=title, action=action), status


def _success(message: str):
    return success_response(message, url_for("numbers.index"), (CHANGED_EVENT,))


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = RangeForm()
    this_year = current_year()
    form.set_year_choices(selectable_years(this_year))
    if form.year.data is None:
        form.year.data = this_year
    action = url_for("numbers.new")
    if form.validate_on_submit():
        try:
            number_range = create_range(form.year.data, form.start_number.parsed, form.end_number.parsed)
        except RangeRejected as rejected:
            apply_field_errors(form, rejected.errors, "start_number")
        else:
            return _success(gettext("Tax Number range saved: %(total)s numbers for %(year)s.",
                                    total=number_range.total, year=str(number_range.year)))
    status = 422 if form.errors else 200
    return _form_response(form, gettext("Add New Tax Number"), action, status)


@bp.route("/<int:range_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(range_id: int):
    number_range = db.get_or_404(NumberRange, range_id)
    form = RangeForm()
    form.set_year_choices(selectable_years(current_year(), keep=number_range.year))
    action = url_for("numbers.edit", range_id=range_id)
    if form.validate_on_submit():
        try:
            update_range(range_id, form.year.data, form.start_number.parsed, form.end_number.parsed,
                         parse_revision(form.revision.data))
        except Refused as rejected:
            apply_refusal(form, rejected, "start_number")
        else:
            return _success(gettext("Tax Number range updated."))
    elif not form.is_submitted():
        form.revision.data = str(number_range.revision)
        form.year.data = number_range.year
        form.start_number.data = format_nsfp(number_range.start_number)
        form.end_number.data = format_nsfp(number_range.end_number)
    status = 422 if form.errors else 200
    return _form_response(form, gettext("Edit Tax Number"), action, status)


@bp.route("/<int:range_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(range_id: int):
    number_range = db.get_or_404(NumberRange, range_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            description = delete_range(range_id)
        except RangeRejected as rejected:
            error = "; ".join(rejected.errors.values())
        else:
            return _success(gettext("Deleted the range %(description)s.", description=description))
    elif form.is_submitted():
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    template = "numbers/confirm_delete.html"
    return render_template(template, form=form, number_range=number_range, error=error), (422 if error else 200)
