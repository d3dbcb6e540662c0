"""Flask extensions, created once and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_smorest import Api
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .mailer import TimeoutMail

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
    """flask-smorest, minus its app-wide JSON error handlers: the app answers errors itself
    (JSON under /api/, pages elsewhere; see create_app), in the shape of api.errors.ErrorSchema,
    which the generated document uses for every error response too."""

    def _register_error_handlers(self):
        pass

    @property
    def ERROR_SCHEMA(self):  # noqa: N802 (flask-smorest's name)
        from .api.errors import ErrorSchema

        return ErrorSchema


api = JsonApi()
