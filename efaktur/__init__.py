"""efaktur: tax-invoice serial numbers (NSFP) for small Indonesian finance teams.

`create_app` is the application factory; what it puts together lives in its own modules
(README, "Layout"): the extensions (extensions.py), the request hooks, error pages, template
helpers and URLs (web/), the login (auth/login.py), the blueprints of the features, the commands (cli.py).
"""
import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from efaktur import cli, models  # noqa: F401  (models: every model registered before Alembic looks)
from efaktur.activity.views import bp as activity_bp
from efaktur.api.pages import bp as api_tokens_bp
from efaktur.api.reference import bp as api_reference_bp
from efaktur.api.views import bp as api_v1_bp
from efaktur.api.views import register_api
from efaktur.auth.login import init_login
from efaktur.auth.views import bp as auth_bp
from efaktur.config import DefaultConfig, check_production_config, default_database_uri, serves_requests
from efaktur.customers.views import bp as customers_bp
from efaktur.database import configure_engine
from efaktur.exports.views import bp as exports_bp
from efaktur.extensions import api as openapi  # not "api": that name is the efaktur.api package
from efaktur.extensions import csrf, db, mail, migrate
from efaktur.files.views import bp as files_bp
from efaktur.invoices.views import bp as invoices_bp
from efaktur.language import i18n
from efaktur.numbers.views import bp as numbers_bp
from efaktur.operations import proxy
from efaktur.operations.views import bp as operations_bp
from efaktur.settings.views import bp as settings_bp
from efaktur.web import error_pages, hooks, site, template_helpers
from efaktur.web.helpers import BoundedRequest
from efaktur.web.routing import RecordId, trust_hosts

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("EFAKTUR_INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    app.request_class = BoundedRequest  # uploads kept in memory only up to a budget (web/helpers.py)
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(app.instance_path)
    if serves_requests():
        check_production_config(app.config)
    trust_hosts(app)
    app.url_map.converters["int"] = RecordId
    hops = int(app.config.get("EFAKTUR_PROXY_HOPS") or 0)
    if hops:
        # Behind that many reverse proxies: the client's address and scheme come from their headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        proxy.warn_at_start(app)

    # Before CSRFProtect's hook, which reads the form: what kind of body, and how large.
    app.before_request(hooks.check_request_body)
    _init_extensions(app)
    _register_blueprints(app)
    hooks.register(app)
    site.register(app)
    error_pages.register(app)
    template_helpers.register(app)
    cli.register(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine, app.config["EFAKTUR_SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    mail.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    init_login(app)


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth_bp)
    app.register_blueprint(numbers_bp)
    openapi.init_app(app)
    register_api(openapi)
    csrf.exempt(api_v1_bp)  # bearer tokens, not cookies: no cross-site request can carry one
    app.register_blueprint(api_reference_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(operations_bp)
