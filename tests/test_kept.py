"""What the database keeps itself (efaktur/database.py's keep()) gives what the plain queries give, on random
data, on SQLite and PostgreSQL: the invoice's holds_number flag, the Export tab's period totals, the search's
text index, the activity's kind; and a migrated database holds the same triggers and indexes as a fresh one."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, delete, func, insert, or_, text, update

from efaktur import create_app
from efaktur.activity.models import ActivityEntry
from efaktur.activity.services import activity_rows, filtered_query, record
from efaktur.exports.queries import EXPORTED, NOT_EXPORTED, Period, period_totals
from efaktur.extensions import db
from efaktur.invoices import queries
from efaktur.invoices.models import Invoice
from efaktur.invoices.numbering import numberable
from efaktur.invoices.queries import invoice_query, search_condition
from efaktur.numbers.models import NumberAssignment, NumberRange
from efaktur.rules.amounts import CENTS, VAT_NOT_CHARGED_CODES
from tests.conftest import add_range, base_config, generate, make_invoice

NAMES = ["PT Sinar Maju", "CV Ĥalo Straße", "Toko 50% _Murah_", "PT \"Kutip\" Abadi", "ḦḦḦ", "maju jaya"]
SEARCHES = ["maju", "MAJU", "ĥalo", "Ĥalo", "straße", "50%", "_mur", '"kutip"', "ḧḧḧ", "ḦḦ", "ma", "P-0001",
            "p-00", "00012", "26.00000003", "000.000-26.00000003", "2600000003", "xyz", "Sinar Maju", "aju ja", "halo straße"]
CODES = ["01", "04", "07", "08", "10"]
STATUSES = ["unpaid", "paid", "cancelled"]

invoice_rows = st.lists(st.tuples(st.sampled_from(NAMES), st.integers(0, 80), st.sampled_from(STATUSES),
                                  st.booleans(), st.sampled_from(CODES), st.integers(0, 10**9), st.integers(0, 10**8),
                                  st.booleans()), min_size=1, max_size=25)
# Then changes: (what, which invoice, a value)
changes = st.lists(st.tuples(st.sampled_from(["assign", "release", "status", "date", "amount", "export", "code",
                                              "rename", "delete"]),
                             st.integers(0, 24), st.integers(0, 10**6)), max_size=30)
_ASSIGNED_AT = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _seed(rows):
    db.session.execute(delete(NumberAssignment))
    db.session.execute(delete(Invoice))
    db.session.execute(insert(Invoice), [
        {"id": i + 1, "number": f"P-{i + 1:04d}", "customer_name": name, "invoice_date": date(2026, 1, 1) + timedelta(days),
         "due_date": date(2026, 12, 31), "status": status, "tax_enabled": tax, "transaction_code": code,
         "dpp_cents": dpp, "vat_cents": vat, "exported_at": _ASSIGNED_AT if exported else None}
        for i, (name, days, status, tax, code, dpp, vat, exported) in enumerate(rows)])
    db.session.commit()


def _apply(change, count, range_id, numbers):
    what, which, value = change
    invoice_id = which % count + 1
    if db.session.get(Invoice, invoice_id) is None:
        return
    db.session.expire_all()
    live = db.session.scalar(db.select(NumberAssignment).where(NumberAssignment.invoice_id == invoice_id,
                                                               NumberAssignment.released_at.is_(None)))
    if what == "assign" and live is None:
        number = 2600000001 + next(numbers)
        db.session.execute(insert(NumberAssignment), [{"invoice_id": invoice_id, "range_id": range_id, "number": number,
                                                       "transaction_code": "01", "assigned_by": "t@example.com"}])
    elif what == "release" and live is not None:
        db.session.execute(update(NumberAssignment).where(NumberAssignment.id == live.id)
                           .values(released_at=_ASSIGNED_AT, released_by="t@example.com"))
    elif what == "delete" and live is None and not db.session.scalar(
            db.select(func.count()).where(NumberAssignment.invoice_id == invoice_id)):
        db.session.execute(delete(Invoice).where(Invoice.id == invoice_id))
    else:
        values = {"status": {"status": STATUSES[value % 3]},
                  "date": {"invoice_date": date(2026, 1, 1) + timedelta(value % 90), "due_date": date(2026, 12, 31)},
                  "amount": {"dpp_cents": value * 7, "vat_cents": value},
                  "export": {"exported_at": None if value % 2 else _ASSIGNED_AT},
                  "code": {"transaction_code": CODES[value % 5]},
                  "rename": {"customer_name": NAMES[value % len(NAMES)],
                             "number": f"R-{invoice_id:02d}-{value:07d}"}}.get(what)  # unique: one per invoice
        if values:
            db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(**values))
    db.session.commit()


def _plain_totals(period: Period, export_status: str):
    """The Export tab's figures summed over the invoices, as the tab did before they were kept."""
    billed = Invoice.vat_cents // CENTS
    not_charged = Invoice.transaction_code.in_(sorted(VAT_NOT_CHARGED_CODES))
    conditions = [Invoice.invoice_date >= period.start, Invoice.invoice_date < period.end,
                  Invoice.tax_enabled.is_(True), Invoice.status != "cancelled"]
    if export_status == EXPORTED:
        conditions.append(Invoice.exported_at.is_not(None))
    elif export_status == NOT_EXPORTED:
        conditions.append(Invoice.exported_at.is_(None))
    return tuple(int(x) for x in db.session.execute(
        db.select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.dpp_cents), 0),
                  func.coalesce(func.sum(case((not_charged, 0), else_=billed)), 0),
                  func.coalesce(func.sum(case((not_charged, billed), else_=0)), 0)).where(*conditions)).one())


def _plain_search(search: str) -> set[int]:
    """The search as the plain OR over the invoices, with the E-Faktur No's digits compared in Python."""
    digits = "".join(c for c in search if c.isdigit())
    found = set(db.session.scalars(db.select(Invoice.id).where(or_(
        Invoice.number.icontains(search, autoescape=True), Invoice.customer_name.icontains(search, autoescape=True)))))
    live = db.session.execute(db.select(NumberAssignment.invoice_id, NumberAssignment.number)
                              .where(NumberAssignment.released_at.is_(None))).all()
    if 3 <= len(digits) < 13 and all(c.isdigit() or c in ".-" for c in search):
        found |= {invoice_id for invoice_id, number in live if f"{number:013d}".endswith(digits)}
    if len(digits) >= 13:
        found |= {invoice_id for invoice_id, number in live if number == int(digits[-13:])}
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=invoice_rows, steps=changes, sort_bound=st.sampled_from([2, 10_000]), rare=st.sampled_from([1, 1_000]),
       window=st.sampled_from([3, 20_000]))
def test_the_kept_flag_totals_and_text_index_equal_the_plain_queries(app, rows, steps, sort_bound, rare, window,
                                                                     monkeypatch):
    # sort_bound 2: a search found in more than two invoices reads the list in order (as one found in more than
    # 10,000 does); rare 1: every three-letter part counts as common (as at a million invoices), so the text
    # index is asked for all of them: each way of searching is compared with the plain query
    monkeypatch.setattr(queries, "SORT_BOUND", sort_bound)
    monkeypatch.setattr(queries, "RARE", rare)
    monkeypatch.setattr(queries, "RARE_WINDOW", window)  # 3: the parts are counted among the three newest only
    monkeypatch.setattr(queries, "COMMON_SHARE", 0.0 if rare == 1 else 0.5)  # PostgreSQL's parts, two ways
    with app.app_context():
        db.session.execute(delete(NumberAssignment))
        db.session.execute(delete(NumberRange))
        db.session.commit()
    range_id = add_range(app, 2026, "0002600000001", "0002600009999")
    with app.app_context():
        _seed(rows)
        numbers = iter(range(10**6))
        for step in steps:
            _apply(step, len(rows), range_id, numbers)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE invoice"))  # the statistics the search reads its parts' shares from
        db.session.expire_all()
        holding = set(db.session.scalars(db.select(NumberAssignment.invoice_id).where(
            NumberAssignment.released_at.is_(None))))
        flags = dict(db.session.execute(db.select(Invoice.id, Invoice.holds_number)).all())
        assert {i for i, held in flags.items() if held} == holding
        for month in (1, 2, 3, 4):
            for status in ("", EXPORTED, NOT_EXPORTED):
                kept = period_totals(Period(2026, month), status)
                assert (kept.count, kept.dpp_cents, kept.ppn, kept.ppn_not_charged) == \
                    _plain_totals(Period(2026, month), status), (month, status)
        for search in SEARCHES:
            found = set(db.session.scalars(db.select(Invoice.id).where(search_condition(search))))
            assert found == _plain_search(search), search
        # Tick all's count: the numberable of the list, by the flag, as by the assignments
        listed = set(db.session.scalars(numberable(db.select(Invoice.id))))
        assert listed == {invoice.id for invoice in db.session.scalars(db.select(Invoice))
                          if invoice.tax_enabled and invoice.status != "cancelled" and invoice.id not in holding
                          and invoice.transaction_code != "10" and invoice.coretax_number is None}


@pytest.mark.parametrize("backend", ["postgres"])
def test_postgresql_asks_its_text_index_for_the_parts_that_narrow_a_search(app):
    """pg_trgm reads the whole list of every trigram it is asked for: the parts that most invoices hold are
    left out, by the statistics ANALYZE keeps, and the phrase is checked on what the other parts find."""
    with app.app_context():
        _seed([(f"PT Bersama {n:03d}", 0, "unpaid", True, "01", 100, 11, False) for n in range(120)]
              + [("Zebra Bersama", 0, "unpaid", True, "01", 100, 11, False), ("CV Zebra Bersama", 1, "paid", True, "04",
                                                                                 100, 11, False)])
        assert queries._trigram_parts("Zebra Bersama") is None  # no statistics yet: the phrase as it is
        db.session.execute(text("ANALYZE invoice"))
        assert queries._trigram_parts("Zebra Bersama") == ["bra", "ebr", "zeb"]  # "ber".."sam" are in all
        assert queries._trigram_parts("Bersama") is None and queries._trigram_parts("Zebra") is None  # all/none
        for search in ("Zebra Bersama", "zebra bersama", "Bersama 01", "Zebra"):
            found = set(db.session.scalars(db.select(Invoice.id).where(search_condition(search))))
            assert found == _plain_search(search), search
        assert len(_plain_search("Zebra Bersama")) == 2


def test_generate_and_cancel_keep_the_flag(app):
    add_range(app, 2026, "0002600000001", "0002600000099")
    a, b = make_invoice(app), make_invoice(app)
    generate(app, [a, b])
    from efaktur.invoices.services import change_status
    from efaktur.numbers.ledger import cancel_number
    with app.test_request_context():
        change_status(a, "cancelled")
        cancel_number(a)
    with app.app_context():
        assert dict(db.session.execute(db.select(Invoice.id, Invoice.holds_number)).all()) == {a: False, b: True}
        # "E-Faktur No: not set" lists a again (Invoice Tax on, no number), "set" lists b
        assert [i.id for i in db.session.scalars(invoice_query(efaktur="not_set"))] == [a]
        assert [i.id for i in db.session.scalars(invoice_query(efaktur="set"))] == [b]


ACTIONS = ["number.assigned", "number.released", "invoice.created", "invoices.imported", "settings.saved", "numbers.x"]


def test_a_change_after_a_number_in_the_same_transaction_still_moves_the_period_totals(app):
    """PostgreSQL's numbers trigger tells the period trigger that its own UPDATE writes holds_number alone (the
    totals then compare nothing); the next change of a watched column, in the same transaction, is counted."""
    range_id = add_range(app, 2026, "0002600000001", "0002600000099")
    invoice_id = make_invoice(app)
    june = Period(2026, 6)
    with app.app_context():
        before = period_totals(june)
        assert (before.count, before.dpp_cents) == _plain_totals(june, "all")[:2]
        db.session.execute(insert(NumberAssignment), [{"invoice_id": invoice_id, "range_id": range_id,
                                                       "number": 2600000001, "transaction_code": "01",
                                                       "assigned_by": "t@example.com"}])
        if db.engine.dialect.name == "postgresql":  # the marker lasts only as long as the trigger's own UPDATE
            assert db.session.scalar(text("SELECT current_setting('efaktur.holds_number_only', true)")) == ""
        db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(dpp_cents=Invoice.dpp_cents + 700,
                                                                                   invoice_date=date(2026, 7, 2),
                                                                                   due_date=date(2026, 12, 31)))
        db.session.execute(update(NumberAssignment).values(released_at=_ASSIGNED_AT, released_by="t@example.com"))
        db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(status="cancelled"))
        db.session.commit()
        assert db.session.get(Invoice, invoice_id).holds_number is False
        for period in (june, Period(2026, 7)):
            totals = period_totals(period)
            assert (totals.count, totals.dpp_cents, totals.ppn) == _plain_totals(period, "all")[:3]
        db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(status="unpaid"))
        db.session.commit()
        july = period_totals(Period(2026, 7))
        assert july.count == 1 and (july.count, july.dpp_cents, july.ppn) == _plain_totals(Period(2026, 7), "all")[:3]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(st.sampled_from(ACTIONS), max_size=20), kind=st.sampled_from(["number", "invoice", "numbers"]))
def test_the_kind_filter_finds_what_the_actions_prefix_finds(app, actions, kind):
    with app.test_request_context():
        db.session.execute(delete(ActivityEntry))
        for k, action in enumerate(actions):  # one by one as the services record, and in bulk as the ledger does
            if k % 2:
                record(action, "Something happened.", subject=f"invoice:{k}")
            else:
                shared, each = activity_rows(action, "Something happened.", [(f"x:{k}", {})], actor=(None, "system"))
                db.session.execute(insert(ActivityEntry), [shared | {name: values[0] for name, values in each.items()}])
        db.session.commit()
        found = [e.id for e in db.session.scalars(filtered_query(kind=kind))]
        plain = db.select(ActivityEntry).where(ActivityEntry.action.startswith(kind + ".")).order_by(
            ActivityEntry.at.desc(), ActivityEntry.id.desc())
        assert found == [e.id for e in db.session.scalars(plain)]


# ---- a migrated database keeps the same things as a fresh one -------------------------------------------

def _sqlite_kept(path):
    import sqlite3

    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' OR name LIKE 'invoice_search%' "
            "OR name IN ('ix_invoice_numberable', 'ix_activity_entry_kind_at')").fetchall())


def test_a_migrated_sqlite_database_keeps_what_a_fresh_one_keeps(tmp_path):
    fresh, migrated = tmp_path / "fresh.sqlite", tmp_path / "migrated.sqlite"
    for path, make in ((fresh, db.create_all), (migrated, upgrade)):
        app = create_app(base_config(f"sqlite:///{path}", str(tmp_path)))
        with app.app_context():
            make()
            db.engine.dispose()
    kept = _sqlite_kept(fresh)
    assert {name for _, name, _, _ in kept} >= {
        "invoice_search", "invoice_search_insert", "invoice_search_update", "invoice_search_delete",
        "number_assignment_held_insert", "number_assignment_held_update", "number_assignment_held_delete",
        "invoice_period_insert", "invoice_period_update", "invoice_period_delete", "ix_invoice_numberable"}
    assert _sqlite_kept(migrated) == kept


_PG_KEPT = """
SELECT 'trigger', tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
UNION ALL SELECT 'function', proname, prosrc || coalesce(array_to_string(proconfig, ','), '') FROM pg_proc
 WHERE pronamespace = current_schema()::regnamespace
UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL SELECT 'statistics', stxname, pg_get_statisticsobjdef(oid) FROM pg_statistic_ext
 WHERE stxnamespace = current_schema()::regnamespace
"""


def test_a_migrated_postgresql_database_keeps_what_a_fresh_one_keeps(postgres_schema_url, tmp_path):
    import uuid

    from sqlalchemy import create_engine

    from tests.conftest import POSTGRES_URL

    def kept(url, schema):
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text(_PG_KEPT)).all()
        engine.dispose()
        return sorted((kind, name, definition.replace(schema, "<schema>")) for kind, name, definition in rows)

    schema = f"efaktur_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
        app = create_app(base_config(url, str(tmp_path)))
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        fresh = kept(url, schema)
        migrated_schema = postgres_schema_url.rsplit("%3D", 1)[1]
        assert {name for _, name, _ in fresh} >= {
            "number_assignment_held", "invoice_period_totals", "ix_invoice_number_trgm",
            "ix_invoice_customer_name_trgm", "ix_invoice_numberable", "invoice_period_update",
            "st_invoice_coretax_number_unset"}
        migrated = [row for row in kept(postgres_schema_url, migrated_schema) if row[1] != "alembic_version_pkc"]
        assert migrated == fresh
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
