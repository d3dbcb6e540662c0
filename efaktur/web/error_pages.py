"""The answers to errors: a page, a line of text for htmx, or the API's JSON, in the reader's language."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from efaktur.api.errors import ApiError, error_response, flatten, is_api_request
from efaktur.database import WriterQueueTimeout
from efaktur.extensions import db
from efaktur.files.uploads import megabytes
from efaktur.language.lang import gettext
from efaktur.web.helpers import is_htmx
from efaktur.web.hooks import LIST_UPLOADS


def register(app: Flask) -> None:

    @app.errorhandler(ApiError)
    def api_error(error):
        return error_response(error.status, error.message, error.fields, error.code, **error.extra)

    @app.errorhandler(400)
    def bad_request(error):
        if isinstance(error, SecurityError):  # an untrusted Host: no URL can be built for it, so no page
            return gettext("This host name is not served here."), 400, {"Content-Type": "text/plain; charset=utf-8"}
        return _error(400, gettext("Bad request"), gettext("The request could not be read.") if is_api_request() else error.description)

    @app.errorhandler(422)
    def unprocessable(error):
        # flask-smorest/webargs: the API's input did not match its schema; the fields say where.
        fields = flatten(getattr(error, "data", {}).get("messages", {}))
        message = "; ".join(f"{name}: {text}" for name, text in fields.items()) or gettext("The input is not valid.")
        if is_api_request():
            return error_response(422, message, fields)
        return _error(422, gettext("Not valid"), message)

    def _error(status: int, title: str, message: str, headers: dict | None = None):
        headers = dict(headers or {})
        if is_api_request():
            return error_response(status, message, headers=headers)
        if is_htmx():
            return message, status, {"Content-Type": "text/plain; charset=utf-8", **headers}
        return render_template("errors/error.html", status=status, title=title, message=message), status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(400, gettext("Form expired"), gettext("The form's security token is missing or expired. Reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(error):
        return _error(403, gettext("Not allowed"), gettext("Only an admin may do this."))

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, gettext("Not found"), gettext("That page or record does not exist (any more)."))

    @app.errorhandler(413)
    def too_large(error):
        if request.endpoint == "files.upload":
            limit = megabytes(int(app.config["EFAKTUR_MAX_UPLOAD_BYTES"]))
            return _error(413, gettext("Too large"), gettext(
                "The upload is too large: at most %(limit)s in all, and at most %(parts)s separate files (put more in "
                "a zip). Nothing was stored.", limit=limit, parts=int(app.config["EFAKTUR_MAX_UPLOAD_PARTS"])))
        if request.endpoint in LIST_UPLOADS:
            return _error(413, gettext("Too large"), gettext(
                "The list is too large: at most %(limit)s. Import it in parts (a month at a time). Nothing was changed.",
                limit=megabytes(int(app.config["EFAKTUR_MAX_LIST_BYTES"]))))
        return _error(413, gettext("Too large"), gettext("What was sent is too large. Nothing was changed."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        allow = ", ".join(sorted(error.valid_methods or ()))
        return _error(405, gettext("Not allowed"), gettext("That action is not available here."), {"Allow": allow} if allow else None)

    @app.errorhandler(415)
    def unsupported_media_type(error):
        return _error(415, gettext("Not a form"), gettext("This page takes forms only (not JSON or other data). Nothing was changed."))

    @app.errorhandler(429)
    def too_many_requests(error):
        return _error(429, gettext("Too many attempts"), error.description or gettext("Too many attempts; wait a little and try again."))

    @app.errorhandler(WriterQueueTimeout)
    def database_busy(error):
        db.session.rollback()
        return _error(503, gettext("Busy"), gettext("Another change is still being saved. Nothing was changed; please try again."))

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return _error(500, gettext("Something went wrong"), gettext("Nothing was changed. Please try again; if it persists, tell your admin."))
