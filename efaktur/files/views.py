"""E-Faktur Files tab: upload the approved PDFs, open them, e-mail them to the customers."""
import csv
import io
from types import SimpleNamespace

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, url_for

from efaktur.extensions import db
from efaktur.files.forms import (
    EFAKTUR_FILTER,
    EMAIL_FILTER,
    FilesFilterForm,
    ListImportForm,
    RemoveFileForm,
    SendForm,
    UploadForm,
)
from efaktur.files.mailing import SendRefused, SendUnconfirmed, plan_send, progress, ready_file_ids, send_slice
from efaktur.files.models import EfakturFile, EfakturFileContent
from efaktur.files.output_list import ListImportRefused, import_output_list, load_import, recent_imports, summary
from efaktur.files.queries import files_page
from efaktur.files.services import FileRefused, process_upload, removal_refusal, remove_file, upload_limits
from efaktur.files.uploads import UploadRefused, megabytes
from efaktur.invoices.models import Invoice
from efaktur.language.lang import gettext
from efaktur.rules.ids import IdsError, parse_ids
from efaktur.rules.text import spreadsheet_safe
from efaktur.web.errors import apply_field_errors
from efaktur.web.events import FILES_CHANGED, INVOICES_CHANGED
from efaktur.web.helpers import admin_required, is_htmx, modal_error, page_number, success_response, with_trigger

bp = Blueprint("files", __name__, url_prefix="/files")

CHANGED_EVENT = FILES_CHANGED
SCOPE_READY = "ready"
MAX_SEND = 10_000


def _list_context():
    filters = FilesFilterForm(request.args)
    email = filters.email_status.data if filters.email_status.data in EMAIL_FILTER else ""
    efaktur = filters.efaktur_status.data if filters.efaktur_status.data in EFAKTUR_FILTER else ""
    page = files_page(email, efaktur, page_number(), request.args.get("after"), request.args.get("before"))
    args = {k: v for k, v in (("email_status", email), ("efaktur_status", efaktur)) if v}
    return {"filters": filters, "page": page, "list_args": args, "send_form": SendForm(formdata=None)}


@bp.get("/")
def index():
    context = _list_context()
    if is_htmx() and request.headers.get("HX-Target") == "files-list":
        return render_template("files/_partials/table.html", **context)
    return render_template("files/index.html", **context)


LIST_PAGE_ROWS = 200


def _list_hint():
    config = current_app.config
    return gettext("Coretax's output-tax list (Pajak Keluaran) as it downloads it: the .xlsx of its table, or the CSV "
                   "(or zip) of its bulk download; at most %(size)s and %(rows)s rows.",
                   size=megabytes(int(config["EFAKTUR_MAX_LIST_BYTES"])), rows=int(config["EFAKTUR_MAX_LIST_ROWS"]))


@bp.route("/coretax-list", methods=["GET", "POST"])
def coretax_list():
    """Import Coretax List: each row's number and state go to its invoice; every row gets an outcome."""
    form = ListImportForm()
    context = {"form": form, "hint": _list_hint(), "fragment": is_htmx(), "recent": recent_imports()}
    if request.method == "GET":
        return render_template("files/list_import.html", **context)
    upload = request.files.get(form.file.name)
    if not form.validate_on_submit() or upload is None or not upload.filename:
        if not form.errors:
            form.file.errors = [gettext("Choose the list Coretax downloaded (.xlsx or .csv).")]
        return render_template("files/list_import.html", **context), 422
    try:
        result = import_output_list(upload.filename, upload.stream)
    except ListImportRefused as refused:
        form.file.errors = [refused.errors["file"]]
        return render_template("files/list_import.html", **context), 422
    response = make_response(render_template("files/list_import_result.html", **_result_context(result, 1)))
    return with_trigger(response, **{CHANGED_EVENT: True, INVOICES_CHANGED: True})


def _result_context(result, page: int) -> dict:
    pages = max(1, -(-result.rows // LIST_PAGE_ROWS))
    page = min(max(page, 1), pages)
    shown = result.shown((page - 1) * LIST_PAGE_ROWS, LIST_PAGE_ROWS)
    pager = SimpleNamespace(page=page, pages=pages, total=result.rows, has_prev=page > 1, has_next=page < pages,
                            prev_num=page - 1, next_num=page + 1)
    return {"result": result, "shown": shown, "pager": pager, "summary": summary(result.counts), "fragment": is_htmx()}


@bp.get("/coretax-list/<int:import_id>")
def coretax_list_result(import_id: int):
    """An import's outcomes again, a page of rows at a time (not applied first)."""
    result = load_import(import_id)
    if result is None:
        abort(404)
    context = _result_context(result, page_number())
    context["fragment"] = False
    return render_template("files/list_import_result.html", **context)


@bp.get("/coretax-list/<int:import_id>/outcomes.csv")
def coretax_list_csv(import_id: int):
    """Every row's outcome, for a spreadsheet."""
    result = load_import(import_id)
    if result is None:
        abort(404)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([gettext("Row"), gettext("Referensi"), gettext("Nomor Faktur Pajak"), gettext("Status Faktur"),
                     gettext("Outcome"), gettext("Invoice No"), gettext("Why")])
    for o in result.outcomes:
        writer.writerow([o.row, spreadsheet_safe(o.reference), o.number, o.status, o.kind_label,
                         spreadsheet_safe(o.invoice_number or ""), spreadsheet_safe(o.message)])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="coretax-list-import-{import_id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _limits_hint():
    limits = upload_limits()
    return gettext("One .zip of PDFs, or several PDF files; at most %(per_pdf)s a PDF and %(in_all)s in all.",
                   per_pdf=megabytes(limits.max_pdf_bytes), in_all=megabytes(limits.max_upload_bytes))


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    template = "files/upload_form.html"
    if request.method == "GET":
        return render_template(template, form=form, hint=_limits_hint())
    if not form.validate_on_submit():
        return render_template(template, form=form, hint=_limits_hint()), 422
    uploads = [(f.filename or "", f.stream) for f in request.files.getlist(form.files.name) if f and f.filename]
    if not uploads:
        form.files.errors = [gettext("Choose a .zip of PDFs, or one or more PDF files.")]
        return render_template(template, form=form, hint=_limits_hint()), 422
    try:
        result = process_upload(uploads)
    except UploadRefused as refused:
        form.files.errors = [str(refused)]
        return render_template(template, form=form, hint=_limits_hint()), 422
    results_template = "files/upload_result.html"
    response = make_response(render_template(results_template, result=result))
    return with_trigger(response, **{CHANGED_EVENT: True})


@bp.get("/<int:file_id>/pdf")
def pdf(file_id: int):
    """The stored PDF, as an attachment: only logged-in users get here (see create_app)."""
    stored = db.get_or_404(EfakturFile, file_id)
    data = db.session.scalar(db.select(EfakturFileContent.data).where(EfakturFileContent.file_id == file_id))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe_name(stored.file_name)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:file_id>/remove", methods=["GET", "POST"])
@admin_required
def remove(file_id: int):
    """Remove a wrongly matched file (a reason is asked): the invoice is unreported again if it was its only one."""
    stored = db.get_or_404(EfakturFile, file_id)
    title = gettext("Remove file")
    refusal = removal_refusal(stored)
    if refusal:
        return modal_error(refusal, title)
    form = RemoveFileForm()
    context = {"form": form, "file": stored, "invoice_number": stored_invoice_number(stored), "fragment": is_htmx()}
    if request.method == "GET":
        return render_template("files/remove_file.html", **context)
    if form.validate_on_submit():
        name, invoice_id = stored.file_name, stored.invoice_id
        try:
            remove_file(file_id, form.reason.data)
        except FileRefused as refused:
            apply_field_errors(form, refused.errors, "reason")
        else:
            return success_response(
                gettext("Removed %(file)s from invoice %(invoice)s.", file=name, invoice=context["invoice_number"]),
                url_for("invoices.detail", invoice_id=invoice_id), (CHANGED_EVENT, INVOICES_CHANGED))
    return render_template("files/remove_file.html", **context), 422


def stored_invoice_number(stored: EfakturFile) -> str:
    return db.session.scalar(db.select(Invoice.number).where(Invoice.id == stored.invoice_id)) or ""


def _safe_name(name: str) -> str:
    """The file name for the download header: plain characters only."""
    cleaned = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-_.")) or "e-faktur.pdf"
    return cleaned if cleaned.lower().endswith(".pdf") else cleaned + ".pdf"


def _send_ids() -> list[int]:
    form = SendForm()
    if form.scope.data == SCOPE_READY:
        return ready_file_ids()
    try:
        return parse_ids(request.form.getlist("file_ids"), MAX_SEND)
    except IdsError as error:
        raise SendRefused(str(error).replace("invoices", "files")) from None


def _progress_response(file_ids: list[int], title: str, last=None):
    """The send dialog (first answer) or its progress part (each next slice)."""
    state = progress(file_ids)
    template = "files/_partials/send_dialog.html" if last is None else "files/_partials/send_progress.html"
    response = make_response(
        render_template(
            template, state=state, file_ids=",".join(map(str, file_ids)), title=title, last=last,
            idle=last is not None and not (last.sent or last.failed or last.unknown),
        )
    )
    return with_trigger(response, **{CHANGED_EVENT: True}) if last is not None else response


@bp.post("/send")
def send():
    """Send Email (Ready to Send files) or Resend (Sent or Failed ones): checks, then the progress dialog."""
    resend = request.form.get("resend") == "1"
    title = gettext("Resend") if resend else gettext("Send Email")
    try:
        file_ids = _send_ids()
        to_send = plan_send(file_ids, resend=resend, unknown_checked=request.form.get("unknown_checked") == "1",
                            confirmed=request.form.get("confirmed") == "1")
    except SendRefused as refused:
        return modal_error(str(refused), title)
    except SendUnconfirmed as unconfirmed:
        # How many e-mails go to which addresses, asked before any goes out; for Unknown ones also that
        # their e-mail may have reached the customer already.
        return render_template("files/_partials/confirm_send.html", title=title, form=SendForm(), resend=resend,
                               file_ids=",".join(map(str, file_ids)), plan=unconfirmed,
                               invoice_numbers=getattr(unconfirmed, "invoice_numbers", None))
    return _progress_response(to_send, title)


@bp.post("/send/next")
def send_next():
    """The next slice of a send the dialog drives; a closed dialog asks for no more."""
    try:
        file_ids = parse_ids(request.form.getlist("file_ids"), MAX_SEND)
    except IdsError as error:
        return modal_error(str(error), gettext("Send Email"))
    if not current_app.config.get("MAIL_SERVER"):
        return modal_error(gettext("No mail server is set up, so no e-mail can go out."), gettext("Send Email"))
    last = send_slice(file_ids)
    return _progress_response(file_ids, request.form.get("title", gettext("Send Email"))[:40], last)
