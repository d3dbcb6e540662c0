"""Flask extensions, created once and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from efaktur.api.errors import ErrorSchema
from efaktur.mailer import TimeoutMail

# Named constraints, so migrations can address them on every database (SQLite batch mode too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# render_as_batch lets Alembic alter tables on SQLite (copy-and-move).
migrate = Migrate(render_as_batch=True, compare_type=True)
mail = TimeoutMail()
csrf = CSRFProtect()
login_manager = LoginManager()


class JsonApi(Api):
    """flask-smorest, with two changes (the versions are pinned in pyproject.toml and what they rely
    on is checked in tests/test_library_contracts.py):

    - minus its app-wide JSON error handlers: the app answers errors itself (JSON under /api/,
      pages elsewhere; efaktur/web/error_pages.py), in the shape of api.errors.ErrorSchema, which
      the generated document uses for every error response too;
    - the OpenAPI document of a blueprint is built when the document is first read (the reference
      page, /api/v1/openapi.json, `flask openapi`), not when the app is made: building it is most of
      the cost of create_app, which every worker and every test pays.
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, self._app, name, parameters))

    @property
    def spec(self):
        while self._undocumented:
            blp, app, name, parameters = self._undocumented.pop(0)
            blp.register_views_in_doc(self, app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):  # flask-smorest's init_app makes a new document for each app
        self._spec, self._undocumented = value, []


api = JsonApi()
