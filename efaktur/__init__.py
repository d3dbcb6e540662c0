"""efaktur: tax-invoice serial numbers (NSFP) for small Indonesian finance teams."""
import logging
import os
import time
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import i18n
from .api import API_BLUEPRINTS
from .config import DefaultConfig, check_production_config, default_database_uri
from .database import WriterQueueTimeout, configure_engine
from .extensions import api as openapi  # not "api": that name is the efaktur.api package
from .extensions import csrf, db, login_manager, mail, migrate
from .ids import MAX_ID
from .operations import proxy
from .web import BoundedRequest
from .lang import N_, gettext

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Endpoints anyone may reach; everything else needs a logged-in user (the API: its token).
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "health"}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("EFAKTUR_INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    app.request_class = BoundedRequest  # uploads kept in memory only up to a budget (efaktur/web.py)
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(app.instance_path)
    check_production_config(app.config)
    _trust_hosts(app)
    app.url_map.converters["int"] = RecordId
    hops = int(app.config.get("EFAKTUR_PROXY_HOPS") or 0)
    if hops:
        # Behind that many reverse proxies: the client's address and scheme come from their headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        proxy.warn_at_start(app)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    _register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _trust_hosts(app: Flask) -> None:
    """Answer only for the host the app is published under (a forged Host header gets a 400).

    TRUSTED_HOSTS, when not set, is the host of EFAKTUR_PUBLIC_URL, plus the loopback names
    (the machine itself, e.g. a health check or `make run`).
    """
    if app.config.get("TRUSTED_HOSTS") or not app.config.get("EFAKTUR_PUBLIC_URL"):
        return
    host = urlsplit(app.config["EFAKTUR_PUBLIC_URL"]).hostname
    if host:
        app.config["TRUSTED_HOSTS"] = sorted({host, "localhost", "127.0.0.1"})


class RecordId(IntegerConverter):
    """`<int:...>` in every route: only numbers that can be a record's id match; the rest are 404."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


def _init_extensions(app: Flask) -> None:
    # Before CSRFProtect's hook, which reads the form: what kind of body, and how large.
    app.before_request(_request_body)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine, app.config["EFAKTUR_SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    mail.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = gettext  # said in the language of the request that needs the login

    from . import models  # noqa: F401  (every model registered before Alembic looks)
    from .auth.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<session version>": a raised version (log out, new password, deactivated) ends the session.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from .web import is_htmx

        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_htmx():
            # htmx would swap a login page into a table cell; send the browser there instead.
            return "", 401, {"HX-Redirect": login_url}
        return redirect(login_url)


FORM_BODIES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _request_body():
    """Form views take forms: anything else (JSON, XML, ...) is a 415, before any view reads it.

    The E-Faktur Files upload may be far larger than any other request, and hold many files.
    """
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    config = current_app.config
    if request.endpoint in LIST_UPLOADS:
        request.max_content_length = int(config["EFAKTUR_MAX_LIST_BYTES"]) + 2**20  # + the form around the file
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


def _register_blueprints(app: Flask) -> None:
    from .activity.views import bp as activity_bp
    from .api.reference import bp as api_reference_bp
    from .api.views import bp as api_v1_bp, register_api
    from .api.pages import bp as api_tokens_bp
    from .auth.views import bp as auth_bp
    from .exports.views import bp as exports_bp
    from .files.views import bp as files_bp
    from .invoices.views import bp as invoices_bp
    from .numbers.views import bp as numbers_bp
    from .operations.views import bp as operations_bp
    from .settings.views import bp as settings_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(numbers_bp)
    openapi.init_app(app)
    register_api(openapi)
    csrf.exempt(api_v1_bp)  # bearer tokens, not cookies: no cross-site request can carry one
    app.register_blueprint(api_reference_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(operations_bp)

    @app.get("/")
    def home():
        return redirect(url_for("numbers.index"))

    @app.get("/me")
    def me():
        """Your account: who is logged in, with which role."""
        return render_template("auth/me.html")

    @app.get("/health")
    def health():
        """For load balancers and uptime checks: cheap, public, and says nothing but ok or not ok."""
        try:
            db.session.execute(db.text("SELECT 1"))
        except Exception:
            db.session.rollback()
            current_app.logger.exception("health check: the database does not answer")
            return {"status": "not ok"}, 503, {"Cache-Control": "no-store"}
        return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


def _register_request_hooks(app: Flask) -> None:
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
            logout_user()
            session.clear()
            flash(gettext("You were logged out after %(count)s minutes without activity. Please log in again.",
                          count=idle // 60))
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
        if request.endpoint != "static" and current_user.is_authenticated:
            # Invoices and customers' details must not stay in a shared computer's cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _register_error_handlers(app: Flask) -> None:
    from .api.errors import ApiError, error_response, flatten, is_api_request
    from .web import is_htmx

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
            from .uploads import megabytes

            limit = megabytes(int(app.config["EFAKTUR_MAX_UPLOAD_BYTES"]))
            return _error(413, gettext("Too large"), gettext(
                "The upload is too large: at most %(limit)s in all, and at most %(parts)s separate files (put more in "
                "a zip). Nothing was stored.", limit=limit, parts=int(app.config["EFAKTUR_MAX_UPLOAD_PARTS"])))
        if request.endpoint in LIST_UPLOADS:
            from .uploads import megabytes

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


def _register_template_helpers(app: Flask) -> None:
    from .goods import LINE_KINDS, unit_name
    from .auth.models import ROLE_LABELS
    from .identity import countries, format_npwp
    from .amounts import VAT_LABEL, VAT_LABELS
    from .facilities import facility_label
    from .nsfp import format_nsfp

    app.jinja_env.filters["nsfp"] = format_nsfp
    app.jinja_env.filters["npwp"] = format_npwp
    app.jinja_env.globals.update(
        line_kinds=LINE_KINDS,
        unit_name=lambda code: unit_name(code, i18n.language()),
        country_name=lambda code: countries(i18n.language()).get(code, code),
    )

    @app.template_global("hidden_fields")
    def hidden_fields(form):
        """A form's hidden fields (the CSRF token among them) without ids: a page holding several forms
        would otherwise have several elements with id="csrf_token"."""
        return Markup("").join(f(id=False) for f in form if f.type in ("HiddenField", "CSRFTokenField"))

    app.jinja_env.filters.update(
        thousands=i18n.thousands,  # 47.818.800 / 47,818,800
        money=i18n.money,  # Rp 47.818.800
        cents=i18n.cents,  # 49.999,50 (an amount kept in cents)
        rupiah=i18n.rupiah,  # Rp 49.999,50
        quantity=i18n.quantity,  # 1,5 / 1.5
        shortdate=i18n.short_date,  # 25 Nov 2026 (no leading zero)
        longdate=i18n.long_date,  # 25 November 2026
        monthyear=i18n.month_year,  # Nov 2026
        fullmonthyear=i18n.full_month_year,  # November 2026
        monthshort=i18n.month_short,  # Nov
        localtime=i18n.local_time,  # 25 Nov 2026 14.30 WIB
        localdate=i18n.local_date,  # 25 Nov 2026, the day where the company is
    )
    app.jinja_env.globals["vat_label"] = lambda code: gettext(VAT_LABELS.get(code, VAT_LABEL))
    app.jinja_env.globals["facility_label"] = lambda code, value: facility_label(code, value, i18n.language())
    from . import reporting
    from .settings.services import company_route

    app.jinja_env.globals.update(company_route=company_route, uses_ranges=lambda: reporting.uses_ranges(company_route()),
                                 uses_coretax=lambda: reporting.uses_coretax(company_route()),
                                 threshold_not_applied=reporting.THRESHOLD_NOT_APPLIED)
    from .invoices import coretax

    app.jinja_env.globals.update(coretax_state=coretax.state_label, coretax_bucket=coretax.bucket_of,
                                 coretax_event_state=coretax.event_state_label, coretax_source=coretax.source_label,
                                 coretax_bucket_labels=coretax.BUCKET_LABELS)
    app.jinja_env.globals.update(languages=i18n.LANGUAGES, current_language=i18n.language, decimal=i18n.decimal,
                                 role_labels=ROLE_LABELS)

    @app.template_filter("wrap")
    def wrap(value, tag, **attributes):
        """`value` (escaped) inside an element, to put into a translated sentence: `count | wrap("strong")`,
        `number | wrap("span", class_="mono")`. The sentence is translated whole; its parts keep their markup."""
        attrs = Markup("").join(Markup(' {}="{}"').format(name.rstrip("_"), value) for name, value in attributes.items())
        return Markup("<{tag}{attrs}>{value}</{tag}>").format(tag=tag, attrs=attrs, value=value)

    @app.template_filter("compact")
    def compact(value):
        """A count in at most a few characters, for a chart: 950, 1.2k, 35k, 1.2M (Indonesian: 1,2 rb, 35 rb, 1,2 jt)."""
        value = int(value)
        indonesian = i18n.language() == "id"
        for size, suffix in ((10**6, " jt" if indonesian else "M"), (10**3, " rb" if indonesian else "k")):
            if value >= size:
                short = value / size
                text = f"{short:.1f}".removesuffix(".0") if short < 10 else str(round(short))
                return (text.replace(".", ",") if indonesian else text) + suffix
        return str(value)


def _register_cli(app: Flask) -> None:
    from .api.cli import tokens_cli
    from .auth.cli import users_cli
    from .operations.cli import backup, check, restore

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    for command in (backup, restore, check):
        app.cli.add_command(command)
