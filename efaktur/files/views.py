"""E-Faktur Files tab: upload the approved PDFs, open them, e-mail them to the customers."""
from flask import Blueprint, Response, current_app, make_response, render_template, request

from ..extensions import db
from ..ids import IdsError, parse_ids
from ..lang import gettext
from ..uploads import UploadRefused, megabytes
from ..web import is_htmx, modal_error, page_number, with_trigger
from .forms import EFAKTUR_FILTER, EMAIL_FILTER, FilesFilterForm, SendForm, UploadForm
from .mailing import SendRefused, plan_send, progress, ready_file_ids, send_slice
from .models import EfakturFile, EfakturFileContent
from .queries import files_page
from .services import process_upload, upload_limits

bp = Blueprint("files", __name__, url_prefix="/files")

CHANGED_EVENT = "filesChanged"
SCOPE_READY = "ready"
MAX_SEND = 10_000


def _list_context():
    filters = FilesFilterForm(request.args)
    email = filters.email_status.data if filters.email_status.data in EMAIL_FILTER else ""
    efaktur = filters.efaktur_status.data if filters.efaktur_status.data in EFAKTUR_FILTER else ""
    page = files_page(email, efaktur, page_number())
    args = {k: v for k, v in (("email_status", email), ("efaktur_status", efaktur)) if v}
    return {"filters": filters, "page": page, "list_args": args, "send_form": SendForm(formdata=None)}


@bp.get("/")
def index():
    context = _list_context()
    if is_htmx() and request.headers.get("HX-Target") == "files-list":
        return render_template("files/_partials/table.html", **context)
    return render_template("files/index.html", **context)


def _limits_hint():
    limits = upload_limits()
    return gettext("One .zip of PDFs, or several PDF files; at most %(per_pdf)s a PDF and %(in_all)s in all.",
                   per_pdf=megabytes(limits.max_pdf_bytes), in_all=megabytes(limits.max_upload_bytes))


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    template = "files/_partials/upload_form.html" if is_htmx() else "files/upload_page.html"
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
    results_template = "files/_partials/upload_result.html" if is_htmx() else "files/upload_result_page.html"
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
            idle=last is not None and not (last.sent or last.failed),
        )
    )
    return with_trigger(response, **{CHANGED_EVENT: True}) if last is not None else response


@bp.post("/send")
def send():
    """Send Email (Ready to Send files) or Resend (Sent or Failed ones): checks, then the progress dialog."""
    resend = request.form.get("resend") == "1"
    title = gettext("Resend") if resend else gettext("Send Email")
    try:
        plan = plan_send(_send_ids(), resend=resend)
    except SendRefused as refused:
        return modal_error(str(refused), title)
    return _progress_response(plan.file_ids, title)


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
