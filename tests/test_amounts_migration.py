"""The migration to DJP's line-by-line amounts, on SQLite and PostgreSQL: what never went to the tax office is
computed again exactly as the amount model computes it; what went keeps the figures the tax office got, and
those the new rules would change are listed and offered a Recompute."""
import re
from datetime import date, datetime, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Numeric, bindparam, text

from efaktur import create_app
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.rules.amounts import Line, compute_amounts, uses_other_value, vat_rate
from tests.conftest import HTMX, _truncate_all, base_config, seed_users

BEFORE = "e5a1c0d2b7f4"  # the languages release: amounts in whole rupiah per invoice


def old_figures(day, code, lines, tax=True):
    """What the release before computed: line totals and the DPP other value half up, PPN down, per invoice."""
    totals = [int((q * p).quantize(Decimal(1), ROUND_HALF_UP)) for q, p in lines]
    dpp = sum(totals)
    if not tax:
        return totals, dpp, None, 0, 0
    rate = vat_rate(day)
    other = int((Decimal(dpp) * 11 / 12).quantize(Decimal(1), ROUND_HALF_UP)) if uses_other_value(day, code) else None
    ppn = int((Decimal(dpp if other is None else other) * rate / 100).quantize(Decimal(1), ROUND_DOWN))
    return totals, dpp, other, rate, ppn


_INVOICE = text(
    "INSERT INTO invoice (id, number, customer_name, npwp_name, npwp, address, invoice_date, due_date, tax_enabled,"
    " transaction_code, status, dpp, dpp_other, vat_rate, ppn, exported_at, efaktur_reported_at, created_at)"
    " VALUES (:id, :number, 'PT A', '', '012345678901000', '', :day, :day, :tax, :code, 'unpaid', :dpp, :other,"
    " :rate, :ppn, :exported, :reported, '2026-01-01 00:00:00')")
# The quantity bound as the app's Numeric(14, 2) binds it (SQLite keeps what that gives).
_LINE = text("INSERT INTO invoice_line (invoice_id, position, item, quantity, unit_price, total, kind, goods_code, unit)"
             " VALUES (:invoice, :position, 'x', :quantity, :price, :total, 'A', '000000', 'UM.0018')"
             ).bindparams(bindparam("quantity", type_=Numeric(14, 2)))


def insert_old(conn, invoice_id, day, code, lines, exported=False, reported=False, tax=True):
    totals, dpp, other, rate, ppn = old_figures(day, code, lines, tax)
    when = datetime(2026, 6, 20, tzinfo=timezone.utc).replace(tzinfo=None)
    conn.execute(_INVOICE, {"id": invoice_id, "number": f"INV-{invoice_id}", "day": day, "tax": tax, "code": code,
                            "dpp": dpp, "other": other, "rate": rate, "ppn": ppn,
                            "exported": when if exported else None, "reported": when if reported else None})
    for position, ((quantity, price), total) in enumerate(zip(lines, totals)):
        conn.execute(_LINE, {"invoice": invoice_id, "position": position, "quantity": quantity, "price": price,
                             "total": total})


def figures(conn, invoice_id):
    head = conn.execute(text("SELECT dpp_cents, dpp_other_cents, vat_cents FROM invoice WHERE id = :id"),
                        {"id": invoice_id}).one()
    lines = conn.execute(text("SELECT tax_base_cents, other_tax_base_cents, vat_cents FROM invoice_line"
                              " WHERE invoice_id = :id ORDER BY position"), {"id": invoice_id}).all()
    return tuple(head), [tuple(line) for line in lines]


@pytest.fixture
def old_database(tmp_path, backend, request):
    """An app whose database is at the release before, empty; upgrade() takes it to this one."""
    if backend == "postgres":
        uri = request.getfixturevalue("postgres_schema_url")
    else:
        uri = "sqlite:///" + str(tmp_path / "old.sqlite")
    app = create_app(base_config(uri, str(tmp_path)))
    with app.app_context():
        if backend == "postgres":  # the session's schema: emptied, taken back, and brought forward again after
            _truncate_all(db.engine)
            downgrade(revision=BEFORE)
        else:
            upgrade(revision=BEFORE)
    yield app
    with app.app_context():
        if backend == "postgres":
            upgrade()
            _truncate_all(db.engine)
        db.engine.dispose()


TWO_LINES = [(Decimal(1), 100_000), (Decimal(1), 100_000)]
JUNE = date(2026, 6, 10)


def test_the_upgrade_recomputes_what_never_went_out_and_keeps_what_did(old_database, capfd):
    app = old_database
    with app.app_context():
        with db.engine.begin() as conn:
            insert_old(conn, 1, JUNE, "04", TWO_LINES)  # never exported: DJP's figures now
            insert_old(conn, 2, JUNE, "04", TWO_LINES, exported=True)  # exported, not reported: kept, listed
            insert_old(conn, 3, JUNE, "04", TWO_LINES, exported=True, reported=True)  # reported: kept, not listed
            insert_old(conn, 4, JUNE, "04", [(Decimal(1), 100_000)], exported=True)  # 91,667 went out, not 91,666.67
            insert_old(conn, 5, date(2024, 6, 3), "01", [(Decimal(1), 100_000)], exported=True)  # the same either way
        capfd.readouterr()
        upgrade()
        said = capfd.readouterr().err
        with db.engine.connect() as conn:
            assert figures(conn, 1) == ((20_000_000, 18_333_334, 2_200_000), [(10_000_000, 9_166_667, 1_100_000)] * 2)
            # What the old files carried: 183,333 and 21,999 shared over the lines (91,667 + 91,666; 11,000 + 10,999).
            kept = ((20_000_000, 18_333_300, 2_199_900), [(10_000_000, 9_166_700, 1_100_000), (10_000_000, 9_166_600, 1_099_900)])
            assert figures(conn, 2) == kept and figures(conn, 3) == kept
            assert figures(conn, 4) == ((10_000_000, 9_166_700, 1_100_000), [(10_000_000, 9_166_700, 1_100_000)])
            assert figures(conn, 5) == ((10_000_000, None, 1_100_000), [(10_000_000, 10_000_000, 1_100_000)])
    listed = re.search(r"(\d+) invoice\(s\) were exported but not reported .*?change: ([^.]*)\.", said)
    assert listed, said
    assert listed.group(1) == "2" and listed.group(2) == "INV-2, INV-4"
    assert "Recompute" in said


def test_an_exported_invoice_with_old_figures_is_offered_a_recompute(old_database):
    app = old_database
    with app.app_context():
        with db.engine.begin() as conn:
            insert_old(conn, 7, JUNE, "04", TWO_LINES, exported=True)
            insert_old(conn, 8, JUNE, "04", TWO_LINES, exported=True, reported=True)
        upgrade()
        seed_users()
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
    page = client.get("/invoices/7").get_data(as_text=True)
    assert 'id="recompute-notice"' in page and "DPP Rp 200,000.00, PPN Rp 22,000" in page
    assert 'id="recompute-notice"' not in client.get("/invoices/8").get_data(as_text=True)  # reported: for good
    question = client.get("/invoices/7/recompute", headers=HTMX).get_data(as_text=True)
    assert "Rp 21,999" in question and "Rp 22,000" in question and "Not Exported" in question
    response = client.post("/invoices/7/recompute", headers=HTMX)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        invoice = db.session.get(Invoice, 7)
        assert (invoice.vat_cents, invoice.exported_at, invoice.revision) == (2_200_000, None, 1)
        assert [line.vat_cents for line in invoice.lines] == [1_100_000, 1_100_000]
    assert 'id="recompute-notice"' not in client.get("/invoices/7").get_data(as_text=True)
    assert client.post("/invoices/7/recompute", headers=HTMX).status_code == 422  # nothing left to recompute
    assert client.post("/invoices/8/recompute", headers=HTMX).status_code == 422


old_lines = st.lists(st.tuples(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5_000), places=2),
                               st.integers(0, 10**9)), min_size=1, max_size=6)
old_invoices = st.lists(
    st.tuples(old_lines, st.sampled_from(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]),
              st.dates(min_value=date(2021, 1, 1), max_value=date(2027, 12, 31)), st.booleans()),
    min_size=1, max_size=25,
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(many=old_invoices)
def test_the_migrations_figures_are_the_amount_models_on_random_invoices(old_database, backend, many):
    app = old_database
    with app.app_context():
        if backend == "postgres":
            downgrade(revision=BEFORE)
            _truncate_all(db.engine)
        else:
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM invoice_line"))
                conn.execute(text("DELETE FROM invoice"))
            downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for n, (lines, code, day, tax) in enumerate(many, start=1):
                insert_old(conn, n, day, code, lines, tax=tax)
        upgrade()
        with db.engine.connect() as conn:
            for n, (lines, code, day, tax) in enumerate(many, start=1):
                amounts = compute_amounts(day, code, [Line("x", q, p) for q, p in lines], tax)
                assert figures(conn, n) == (
                    (amounts.dpp, amounts.dpp_other, amounts.vat),
                    [(line.tax_base, line.other_tax_base, line.vat) for line in amounts.lines],
                ), (lines, code, day, tax)


def test_downgrading_gives_back_whole_rupiah(old_database):
    app = old_database
    with app.app_context():
        with db.engine.begin() as conn:
            insert_old(conn, 1, JUNE, "04", [(Decimal("1.5"), 33_333)])
        upgrade()
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT dpp, dpp_other, ppn FROM invoice WHERE id = 1")).one()
            total = conn.execute(text("SELECT total FROM invoice_line WHERE invoice_id = 1")).scalar()
        # 49,999.50 -> 50,000 (half up); its 11/12 45,832.88 -> 45,833; PPN 5,499.95 -> 5,499 (down)
        assert (tuple(row), total) == ((50_000, 45_833, 5_499), 50_000)
