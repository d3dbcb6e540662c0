"""Schema changes go through migrations: a migrated database equals the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from efaktur import create_app
from efaktur.extensions import db
from tests.conftest import base_config


def schema_differences(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.fixture
def migrated_sqlite_app(tmp_path):
    app = create_app(base_config("sqlite:///" + str(tmp_path / "migrated.sqlite"), str(tmp_path)))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_fresh_sqlite_upgrade_matches_the_models(migrated_sqlite_app):
    with migrated_sqlite_app.app_context():
        assert schema_differences(db.engine) == []


def test_downgrade_and_upgrade_again_gives_the_same_schema(migrated_sqlite_app):
    with migrated_sqlite_app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_differences(db.engine) == []


def test_postgresql_upgrade_matches_the_models(postgres_schema_url):
    app = create_app(base_config(postgres_schema_url, "/tmp"))
    with app.app_context():
        assert schema_differences(db.engine) == []
        db.engine.dispose()
