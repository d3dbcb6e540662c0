"""What runs around every request: the body check, the login and idle-session rule, the proxy check
and the security headers."""
import time

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user, logout_user

from efaktur.api import API_BLUEPRINTS
from efaktur.auth.login import SESSION_END_IDLE
from efaktur.operations import proxy

# Endpoints anyone may reach; everything else needs a logged-in user (the API: its token).
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "health"}

FORM_BODIES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def check_request_body():
    """Form views take forms: anything else (JSON, XML, ...) is a 415, before any view reads it.

    The E-Faktur Files upload may be far larger than any other request, and hold many files.
    """
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    config = current_app.config
    if request.endpoint in LIST_UPLOADS:
        request.max_content_length = int(config["EFAKTUR_MAX_LIST_BYTES"]) + 2**20  # + the form around the file
    if request.endpoint in IMPORT_UPLOADS:
        request.max_content_length = int(config["EFAKTUR_IMPORT_MAX_BYTES"]) + 2**20
    if request.blueprint in API_BLUEPRINTS:
        return None
    if request.mimetype and request.mimetype not in FORM_BODIES:
        abort(415)
    if request.endpoint == "files.upload":
        request.max_content_length = int(config["EFAKTUR_MAX_UPLOAD_BYTES"]) + 2**20  # + the form around the files
        request.max_form_parts = int(config["EFAKTUR_MAX_UPLOAD_PARTS"]) + 10
    return None


# Where Coretax's output-tax list is uploaded (larger than any form, smaller than the PDFs' upload).
LIST_UPLOADS = ("files.coretax_list", "api_v1.import_output_list_view")
# Where a spreadsheet of invoices is uploaded (Import Invoices).
IMPORT_UPLOADS = ("invoices.import_preview", "invoices.import_file", "api_v1.import_invoices_view")


def register(app: Flask) -> None:
    """After the extensions: CSRFProtect's check comes before the login rule."""
    app.before_request(proxy.check_request)

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or request.blueprint in API_BLUEPRINTS:
            return None  # the API checks its bearer token itself; a session cookie opens nothing there
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        # A session with no request for EFAKTUR_SESSION_IDLE_MINUTES ends.
        now, seen = int(time.time()), session.get("seen")
        idle = int(current_app.config["EFAKTUR_SESSION_IDLE_MINUTES"]) * 60
        if isinstance(seen, int) and now - seen > idle:
            language = session.get("language")
            logout_user()
            session.clear()
            if language:
                session["language"] = language
            g.session_end = SESSION_END_IDLE  # said on the login page, or in the login pop-up of an open form
            return current_app.login_manager.unauthorized()
        if not isinstance(seen, int) or now - seen >= 30:  # not a new cookie on every click
            session["seen"] = now
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if request.headers.get("HX-Request") == "true":
            response.vary.add("HX-Request")
        if request.endpoint != "static" and session.get("_user_id"):
            # Invoices and customers' details must not stay in a shared computer's cache. A logged-in browser is
            # known by its session (Flask-Login's key), not by the user: a commit has expired that, and
            # reading it again would cost a query at the end of every Generate.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
