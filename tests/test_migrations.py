"""Schema changes go through migrations: a migrated database equals the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from efaktur import create_app
from efaktur.database import include_object
from efaktur.extensions import db
from tests.conftest import _truncate_all, base_config


def schema_differences(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
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


def _case_insensitive_numbers_enforced(engine):
    """Autogenerate cannot compare expression indexes: check uq_invoice_number_lower by what it does."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    insert = text(
        "INSERT INTO invoice (number, customer_name, npwp_name, npwp, address, invoice_date, due_date, tax_enabled,"
        " transaction_code, status, vat_rate, created_at) VALUES (:number, 'PT A', '', '', '', '2026-01-01',"
        " '2026-01-01', true, '04', 'unpaid', 0, '2026-01-01 00:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"number": "INV-CASE"})
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(insert, {"number": "inv-case"})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM invoice WHERE number = 'INV-CASE'"))


def test_migrated_sqlite_has_the_case_insensitive_number_index(migrated_sqlite_app):
    with migrated_sqlite_app.app_context():
        _case_insensitive_numbers_enforced(db.engine)
        downgrade(revision="a8243bb406a8")
        upgrade()
        _case_insensitive_numbers_enforced(db.engine)


def test_migrated_postgresql_has_the_case_insensitive_number_index(postgres_schema_url):
    app = create_app(base_config(postgres_schema_url, "/tmp"))
    with app.app_context():
        _case_insensitive_numbers_enforced(db.engine)
        db.engine.dispose()


def test_the_upgrade_refuses_numbers_that_differ_only_in_case(tmp_path, capfd):
    import pytest
    from sqlalchemy import text

    app = create_app(base_config("sqlite:///" + str(tmp_path / "old.sqlite"), str(tmp_path)))
    with app.app_context():
        upgrade(revision="a8243bb406a8")
        with db.engine.begin() as conn:
            for number in ("INV-1", "inv-1"):
                conn.execute(text(
                    "INSERT INTO invoice (number, customer_name, npwp_name, npwp, address, invoice_date, due_date,"
                    " tax_enabled, transaction_code, status, dpp, vat_rate, ppn, created_at) VALUES (:n, 'A', '', '',"
                    " '', '2026-01-01', '2026-01-01', 1, '01', 'unpaid', 0, 0, 0, '2026-01-01 00:00:00')"
                ), {"n": number})
        with pytest.raises(SystemExit):  # flask db upgrade exits non-zero, saying why
            upgrade()
        assert "differ only in case: inv-1. Rename one of each pair" in capfd.readouterr().err
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_api_upgrade_keeps_existing_invoices(tmp_path, backend, request):
    """Upgrading a database with invoices to the API's tables keeps them, with no external reference,
    and keeps the case-insensitive Invoice No index (SQLite rebuilds the table)."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    uri = (request.getfixturevalue("postgres_schema_url") if backend == "postgres"
           else "sqlite:///" + str(tmp_path / "before-api.sqlite"))
    app = create_app(base_config(uri, str(tmp_path)))
    with app.app_context():
        if backend == "postgres":  # the session's schema, left by other tests: emptied, then taken back
            _truncate_all(db.engine)
            downgrade(revision="c2b196681dd8")
        else:
            upgrade(revision="c2b196681dd8")
        insert = text(
            "INSERT INTO invoice (number, customer_name, npwp_name, npwp, address, invoice_date, due_date, tax_enabled,"
            " transaction_code, status, dpp, vat_rate, ppn, created_at) VALUES (:n, 'PT Lama', '', '', '', '2026-01-05',"
            " '2026-01-05', :t, '01', 'unpaid', 1000, 11, 110, '2026-01-05 00:00:00')")
        try:
            with db.engine.begin() as conn:
                conn.execute(insert, {"n": "INV-OLD-1", "t": True})
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT number, api_token_id, external_ref FROM invoice")).all()
            assert [tuple(r) for r in rows] == [("INV-OLD-1", None, None)]
            assert schema_differences(db.engine) == []
            insert_now = text(
                "INSERT INTO invoice (number, customer_name, npwp_name, npwp, address, invoice_date, due_date,"
                " tax_enabled, transaction_code, status, vat_rate, created_at) VALUES (:n, 'PT Lama', '', '', '',"
                " '2026-01-05', '2026-01-05', :t, '01', 'unpaid', 11, '2026-01-05 00:00:00')")
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(insert_now, {"n": "inv-old-1", "t": True})
        finally:
            db.engine.dispose()


def test_the_upgrade_makes_a_customer_of_each_buyer_name_on_the_invoices(tmp_path):
    from sqlalchemy import text

    app = create_app(base_config("sqlite:///" + str(tmp_path / "old.sqlite"), str(tmp_path)))
    with app.app_context():
        upgrade(revision="7e2c4b9d1a60")
        with db.engine.begin() as conn:
            for number, name, npwp, email in (("INV-1", "PT Satu", "012345678901000", "old@satu.co.id"),
                                              ("INV-2", "pt satu", "012345678901000", "new@satu.co.id"),
                                              ("INV-3", "CV Dua", "", "")):
                conn.execute(text(
                    "INSERT INTO invoice (number, customer_name, npwp_name, npwp, address, customer_email, invoice_date,"
                    " due_date, tax_enabled, transaction_code, status, vat_rate, created_at) VALUES (:n, :name, '',"
                    " :npwp, 'Jl. 1', :email, '2026-01-01', '2026-01-01', 1, '04', 'unpaid', 0, '2026-01-01 00:00:00')"
                ), {"n": number, "name": name, "npwp": npwp, "email": email})
        upgrade()
        with db.engine.connect() as conn:
            customers = conn.execute(text("SELECT id, name, npwp16, email FROM customer ORDER BY name")).all()
            links = dict(conn.execute(text("SELECT number, customer_id FROM invoice")).all())
        assert [(name, npwp16, email) for _, name, npwp16, email in customers] == [
            ("CV Dua", "", ""), ("pt satu", "0012345678901000", "new@satu.co.id")]  # the latest invoice's details
        ids = {name.lower(): id_ for id_, name, _, _ in customers}
        assert links == {"INV-1": ids["pt satu"], "INV-2": ids["pt satu"], "INV-3": ids["cv dua"]}
        _case_insensitive_numbers_enforced(db.engine)
        db.engine.dispose()


def test_the_upgrade_keys_customer_names_and_keeps_two_that_only_sqlites_lower_told_apart(tmp_path):
    from efaktur.customers.services import customer_named

    app = create_app(base_config("sqlite:///" + str(tmp_path / "names.sqlite"), str(tmp_path)))
    with app.app_context():
        upgrade(revision="ab5e7f9c1d43")
        with db.engine.begin() as conn:
            for name in ("Ĥalo Jaya", "ĥalo jaya", "PT Maju"):
                conn.exec_driver_sql("INSERT INTO customer (name, created_at) VALUES (?, '2026-01-01 00:00:00')",
                                     (name,))
        upgrade()
        rows = db.session.execute(db.text("SELECT name, name_key FROM customer ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [
            ("Ĥalo Jaya", "ĥalo jaya"), ("ĥalo jaya", "ĥalo jaya #2"), ("PT Maju", "pt maju")]
        assert customer_named("ĤALO JAYA").name == "Ĥalo Jaya"
        assert customer_named("pt maju").name == "PT Maju"
        db.engine.dispose()


def test_the_upgrade_stores_each_e_faktur_nos_digits_back_to_front_for_the_search(migrated_sqlite_app):
    from tests.conftest import add_range, generate, make_invoice

    app = migrated_sqlite_app
    add_range(app, 2026, "010-26.00000001", "010-26.00000100")
    ids = [make_invoice(app, number=f"INV-{n}") for n in range(3)]
    generate(app, ids)
    with app.app_context():
        downgrade(revision="bc6f8a0d2e54")  # a database from before the key: the column is not there
        upgrade()
        keys = db.session.execute(db.text("SELECT number, number_end FROM number_assignment ORDER BY number")).all()
        assert [tuple(row) for row in keys] == [(n, f"{n:013d}"[::-1]) for n in (102600000001, 102600000002,
                                                                                 102600000003)]
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("number_assignment")}
        assert "ix_number_assignment_live_end" in indexes
        assert {"ix_activity_entry_actor_at"} <= {ix["name"] for ix in inspect(db.engine).get_indexes("activity_entry")}
        plan = " ".join(str(row) for row in db.session.execute(db.text(
            "EXPLAIN QUERY PLAN SELECT invoice_id FROM number_assignment WHERE number_end >= '300' "
            "AND number_end < '300:' AND released_at IS NULL")))
        assert "ix_number_assignment_live_end" in plan
