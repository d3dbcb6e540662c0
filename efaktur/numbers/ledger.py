"""Generate E-Faktur No and Cancel E-Faktur No: the only code that hands numbers out or takes them back.

Rules, each kept here once:
- an invoice gets a number only with Invoice Tax on, when not cancelled, and when it
  holds none: never a second one;
- numbers come from the ranges whose Year Period is the year of the invoice date,
  the smallest available first (a returned number before a fresh one);
- a batch is all or nothing: when a year lacks numbers, no invoice is numbered;
- a number returns to the pool only when its invoice is Cancelled and it was never
  reported (no e-Faktur PDF uploaded).

Concurrency: every operation runs in one write transaction (SQLite: BEGIN IMMEDIATE
holds the database's write lock from the start; PostgreSQL: SELECT ... FOR UPDATE).
It locks the invoices first, re-reading their status and live numbers under the lock,
then the ranges of the years concerned, and only then chooses numbers. Two requests
for the same year therefore run one after the other and the second sees what the
first committed. Generate and cancel take their locks in the same order (invoices,
then ranges, each in id order), so they cannot deadlock. The partial unique
indexes on number_assignment stay as the last line of defence.
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace

from sqlalchemy import Date, Integer, Text, any_, bindparam, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from efaktur.activity.models import ActivityEntry
from efaktur.activity.services import activity_rows, current_actor, record
from efaktur.app_clock import local_today
from efaktur.database import is_postgresql, write_transaction
from efaktur.extensions import db
from efaktur.invoices.models import STATUS_CANCELLED, Invoice
from efaktur.invoices.numbering import failing, numberable_apart_from_its_number
from efaktur.language.lang import N_, gettext, ngettext, some_of
from efaktur.numbers.allocation import RangePool, plan_take
from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber
from efaktur.rules import reporting
from efaktur.rules.clock import utc_now
from efaktur.rules.nsfp import STATUS_NORMAL, STATUS_REPLACEMENT, TRANSACTION_CODES, format_efaktur_no, nsfp_end_key
from efaktur.settings.services import company_route
from efaktur.types import UTCDateTime

MAX_BATCH = 100_000  # invoices numbered in one request ("Tick all N matching"), all or none


class LedgerRefused(ValueError):
    """The operation was refused as a whole; nothing changed. The message is for the user."""


@dataclass(frozen=True)
class IssuedNumber:
    invoice_id: int
    invoice_number: str
    efaktur_no: str
    year: int


# The hot path below speaks Core to the tables on the transaction's connection: the ORM
# layer would cost more than the SQL itself for a one-invoice Generate.
_ranges = NumberRange.__table__
_invoices = Invoice.__table__
_assignments = NumberAssignment.__table__
_released = ReleasedNumber.__table__


def _conn():
    return db.session.connection()


def _ids_of(dialect: str):
    """The invoice ids as ONE parameter, however many: an array on PostgreSQL, a JSON array read by json_each on
    SQLite (100,000 ids as 20 lists of 5,000 placeholders took PostgreSQL 5 s to parse and plan)."""
    if dialect == "postgresql":
        return any_(bindparam("ids", type_=ARRAY(Integer())))
    return db.select(func.json_each(bindparam("ids", type_=Text())).table_valued("value").c.value).scalar_subquery()


def _ids_value(invoice_ids: list[int]):
    return invoice_ids if is_postgresql() else json.dumps(invoice_ids)


def _statements() -> SimpleNamespace:
    return _statements_of(_conn().dialect.name)


@cache
def _statements_of(dialect: str) -> SimpleNamespace:
    """Built once: constructing a statement costs about as much as running it here."""
    r, i, a, rel = _ranges.c, _invoices.c, _assignments.c, _released.c
    ids = _ids_of(dialect)
    in_ids = (lambda column: column == ids) if dialect == "postgresql" else (lambda column: column.in_(ids))
    return SimpleNamespace(
        lock_ranges=db.select(r.id, r.year, r.start_number, r.end_number, r.next_number, r.held_count)
        .where(r.year.in_(bindparam("years", expanding=True)))
        .order_by(r.id)
        .with_for_update(),
        lock_invoices=db.select(i.id, i.number, i.invoice_date, i.tax_enabled, i.status, i.transaction_code, i.coretax_number,
                                numberable_apart_from_its_number().label("rule_ok"))
        .where(in_ids(i.id))
        .order_by(i.id)
        .with_for_update(),
        # A statement of its own, after the invoice lock: on PostgreSQL (READ COMMITTED) a
        # statement sees what was committed before it started, so a join inside the
        # invoice-locking statement would miss a number that another request gave these
        # invoices while this one waited for their lock.
        live_of=db.select(a.invoice_id).where(in_ids(a.invoice_id), a.released_at.is_(None)),
        released=db.select(rel.number)
        .where(rel.range_id == bindparam("range_id"))
        .order_by(rel.number)
        .limit(bindparam("need")),
        take_released=_released.delete().where(
            rel.range_id == bindparam("range_id"), rel.number <= bindparam("up_to")
        ),
        advance_range=_ranges.update()
        .where(r.id == bindparam("range_id"))
        .values(next_number=bindparam("next_number"), held_count=r.held_count + bindparam("taken")),
        count_usage=text(
            "INSERT INTO number_usage_day (year, day, handed_out) VALUES (:year, :day, :handed_out) "
            "ON CONFLICT (year, day) DO UPDATE SET handed_out = number_usage_day.handed_out + excluded.handed_out"
        ),
    )


def _lock_ranges(years: set[int]) -> list:
    """The ranges of these years, locked, in id order (the lock order everywhere)."""
    return _conn().execute(_statements().lock_ranges, {"years": sorted(years)}).all()


def _lock_invoices(invoice_ids: list[int]) -> list:
    """The invoices, locked, in id order."""
    return _conn().execute(_statements().lock_invoices, {"ids": _ids_value(invoice_ids)}).all()


def _holding(invoice_ids: list[int]) -> set[int]:
    """Those of the (locked) invoices that hold a number now."""
    return set(_conn().scalars(_statements().live_of, {"ids": _ids_value(invoice_ids)}))


# PostgreSQL: lock the ranges and read the invoices' live numbers in one round trip. The
# invoices are locked already, so every number they hold was committed before this
# statement began and is in its snapshot, even if it then waits for a range lock.
_POSTGRESQL_LOCK_RANGES_AND_HOLDING = text(
    """
    SELECT r.id, r.year, r.start_number, r.end_number, r.next_number, r.held_count,
           ARRAY(SELECT a.invoice_id FROM number_assignment AS a
                 WHERE a.invoice_id = ANY(CAST(:ids AS integer[])) AND a.released_at IS NULL) AS holding
    FROM number_range AS r
    WHERE r.year = ANY(CAST(:years AS integer[]))
    ORDER BY r.id
    FOR UPDATE OF r
    """
)


def _lock_ranges_and_holding(years: set[int], invoice_ids: list[int]) -> tuple[list, set[int]]:
    """The ranges of these years, locked in id order, and the invoices that hold a number now."""
    if is_postgresql():
        rows = _conn().execute(
            _POSTGRESQL_LOCK_RANGES_AND_HOLDING, {"years": sorted(years), "ids": invoice_ids}
        ).all()
        if rows:
            return rows, set(rows[0].holding)
        return rows, _holding(invoice_ids)
    return _lock_ranges(years), _holding(invoice_ids)


def _check_eligible(invoices, holding: set[int]) -> None:
    """invoices/numbering.py's rule, asked again under the locks: the refusal names what fails it."""
    suspects = [invoice for invoice in invoices if not invoice.rule_ok or invoice.id in holding]
    problems = [f"{len(bad):,} {gettext(refusal)} ({some_of(bad)})" for refusal, bad in failing(suspects, holding)]
    if problems:
        raise LedgerRefused(gettext("No number was generated: ") + "; ".join(problems) + ".")


def _available(range_row) -> int:
    """Available Number of a locked range row (Core row: NumberRange.available is for ORM objects)."""
    return range_row.end_number - range_row.start_number + 1 - range_row.held_count


def _pool(number_range, need: int) -> RangePool:
    # Below next_number every number is either held or released, so the counters tell
    # whether there is anything released to look up at all.
    released_count = number_range.next_number - number_range.start_number - number_range.held_count
    released = ()
    if released_count > 0:
        released = tuple(
            _conn().scalars(_statements().released, {"range_id": number_range.id, "need": need})
        )
    return RangePool(
        number_range.id, number_range.start_number, number_range.end_number, number_range.next_number, released
    )


def refuse_unless_ranges() -> None:
    """A Coretax-only company never numbers from a range (Billing Settings' Reporting route)."""
    if not reporting.uses_ranges(company_route()):
        raise LedgerRefused(gettext("This company reports through Coretax (Billing Settings): DJP numbers its invoices "
                                    "when it approves them, so no E-Faktur No is generated here. Export them as XML."))


def generate_numbers(invoice_ids: list[int]) -> list[IssuedNumber]:
    """Give each invoice its E-Faktur No, all or none; what was given, in number order. Raises LedgerRefused."""
    invoice_ids = sorted(set(invoice_ids))
    if not invoice_ids:
        raise LedgerRefused(gettext("Tick at least one invoice."))
    refuse_unless_ranges()
    if len(invoice_ids) > MAX_BATCH:
        raise LedgerRefused(gettext("At most %(max_batch)s invoices at once.", max_batch=MAX_BATCH))
    actor = current_actor()  # before the transaction: its start expires the loaded user
    with write_transaction():
        # Lock order, here and in cancel_number: invoices, then ranges.
        invoices = _lock_invoices(invoice_ids)
        if len(invoices) != len(invoice_ids):
            missing = sorted(set(invoice_ids) - {i.id for i in invoices})
            raise LedgerRefused(gettext("No number was generated: unknown invoice id %(ids)s.",
                                        ids=some_of([str(m) for m in missing])))
        ranges, holding = _lock_ranges_and_holding({i.invoice_date.year for i in invoices}, invoice_ids)
        _check_eligible(invoices, holding)

        by_year: dict[int, list] = defaultdict(list)
        for invoice in sorted(invoices, key=lambda i: (i.invoice_date, i.id)):
            by_year[invoice.invoice_date.year].append(invoice)
        ranges_by_year: dict[int, list] = defaultdict(list)
        for number_range in ranges:
            ranges_by_year[number_range.year].append(number_range)

        shortages, plans = [], {}
        for year, year_invoices in sorted(by_year.items()):
            need = len(year_invoices)
            year_ranges = sorted(ranges_by_year[year], key=lambda r: r.start_number)
            available = sum(_available(r) for r in year_ranges)
            if available < need:
                shortages.append(
                    ngettext("%(num)s invoice dated %(year)s needs a number", "%(num)s invoices dated %(year)s need a number",
                             need, year=str(year))
                    + ", " + ngettext("%(num)s is available for %(year)s", "%(num)s are available for %(year)s",
                                      available, year=str(year))
                )
                continue
            pools, remaining = [], need
            for number_range in year_ranges:  # look up released numbers only as far as needed
                if remaining <= 0:
                    break
                pools.append(_pool(number_range, remaining))
                remaining -= _available(number_range)
            plans[year] = plan_take(pools, need)
        if shortages:
            raise LedgerRefused(gettext("Not enough numbers, none was generated: ") + "; ".join(shortages) + ".")

        return _apply_plans(plans, by_year, actor)


@dataclass
class _Rows:
    """Rows for one table, by column: the values they all share (bound once) and the values of each row."""

    shared: dict = field(default_factory=dict)
    varying: dict[str, list] = field(default_factory=dict)


@dataclass
class _Writes:
    """Everything one Generate writes, gathered first so it can go to the database at once."""

    range_updates: list[dict] = field(default_factory=list)  # range_id, next_number, taken
    released_cuts: list[dict] = field(default_factory=list)  # range_id, up_to
    assignments: _Rows = field(default_factory=_Rows)
    activity: _Rows = field(default_factory=_Rows)
    usage: list[dict] = field(default_factory=list)  # year, day, handed_out
    now: object = None  # when: the ranges' updated_at


def _apply_plans(plans, by_year, actor) -> list[IssuedNumber]:
    now = utc_now()
    issued, writes = [], _Writes()
    invoice_ids, range_ids, numbers, codes = [], [], [], []
    for year, takes in plans.items():
        year_invoices = iter(by_year[year])
        for take in takes:
            if take.released:
                writes.released_cuts.append({"range_id": take.range_id, "up_to": take.released[-1]})
            writes.range_updates.append(
                {"range_id": take.range_id, "next_number": take.next_number_after, "taken": take.count}
            )
            for number in take.numbers:
                invoice = next(year_invoices)
                invoice_ids.append(invoice.id)
                range_ids.append(take.range_id)
                numbers.append(number)
                codes.append(invoice.transaction_code)
                issued.append(IssuedNumber(invoice.id, invoice.number, format_efaktur_no(
                    invoice.transaction_code, STATUS_NORMAL, number), year))
    writes.assignments = _Rows(
        {"status_digit": STATUS_NORMAL, "assigned_at": now, "assigned_by": actor[1]},
        {"invoice_id": invoice_ids, "range_id": range_ids, "number": numbers,
         "number_end": [nsfp_end_key(number) for number in numbers], "transaction_code": codes})
    writes.activity = _Rows(*activity_rows(
        "number.assigned", N_("Assigned %(no)s to invoice %(invoice)s."),
        [(f"invoice:{i.invoice_id}", {"no": i.efaktur_no, "invoice": i.invoice_number}) for i in issued], actor))
    today = local_today()
    writes.usage = [{"year": year, "day": today, "handed_out": len(by_year[year])} for year in sorted(plans)]
    writes.now = now
    if is_postgresql():
        _write_in_one_statement(writes)
    else:
        _write_statement_by_statement(writes)
    return issued


def _write_statement_by_statement(writes: _Writes) -> None:
    statements = _statements()
    for cut in writes.released_cuts:
        _conn().execute(statements.take_released, cut)
    for update in writes.range_updates:
        _conn().execute(statements.advance_range, update)
    _conn().execute(statements.count_usage, writes.usage)
    for table, rows in ((_assignments, writes.assignments), (ActivityEntry.__table__, writes.activity)):
        sql, params = _insert_from_rows("sqlite", table, tuple(rows.shared), tuple(rows.varying), "rows")
        _conn().execute(text(sql).bindparams(*params), _insert_values(table, rows, "rows"))


# The many rows of a Generate (an assignment and an activity entry per invoice) go in as ONE statement
# reading a JSON array of rows, on both databases: one statement's triggers cost a tenth of 100,000
# statements' on SQLite (executemany), and one string parameter is dumped in C where 100,000 bound
# rows, or arrays of them, were dumped value by value. The values all rows share are bound once, as
# parameters of the column's own type; each row's values (numbers and texts) are the JSON's. The
# inserts are built from the rows themselves (every key a column), so the two databases cannot write
# different rows. Built once per set of columns.
def _insert_values(table, rows: _Rows, param: str) -> dict:
    """The parameters of _insert_from_rows' statement for `rows`."""
    per_row = json.dumps(list(zip(*rows.varying.values())), ensure_ascii=False)
    return {param: per_row, **{f"{param}_{name}": value for name, value in rows.shared.items()}}


@cache
def _insert_from_rows(dialect: str, table, shared: tuple[str, ...], varying: tuple[str, ...],
                      param: str) -> tuple[str, list]:
    compiled_for = postgresql.dialect() if dialect == "postgresql" else sqlite.dialect()
    for name in varying:  # checked once per statement built, not per Generate
        if table.c[name].type.bind_processor(compiled_for) is not None:
            raise TypeError(f"{table.name}.{name} needs its type's binding: give it as a shared value")
    names = ", ".join((*shared, *varying))
    bound = [bindparam(f"{param}_{name}", type_=table.c[name].type) for name in shared]
    if dialect == "postgresql":
        constants = [f"CAST(:{param}_{name} AS {table.c[name].type.compile(dialect=postgresql.dialect())})"
                     for name in shared]
        values = ", ".join([*constants, *(f"CAST(e.v->>{i} AS {table.c[name].type.compile(dialect=postgresql.dialect())})"
                                          for i, name in enumerate(varying))])
        sql = (f"INSERT INTO {table.name} ({names}) SELECT {values} FROM json_array_elements(CAST(:{param} AS json)) "
               f"WITH ORDINALITY AS e(v, row_order) ORDER BY e.row_order")
    else:
        values = ", ".join([*(f":{param}_{name}" for name in shared),
                            *(f"json_extract(value, '$[{i}]')" for i in range(len(varying)))])
        sql = f"INSERT INTO {table.name} ({names}) SELECT {values} FROM json_each(:{param}) ORDER BY key"
    return sql, [bindparam(param, type_=Text()), *bound]


# PostgreSQL: the same rows in one statement of data-modifying CTEs, so the range rows stay locked for
# one round trip less per table written (the lock is what Generate requests queue on).
@cache
def _postgresql_writes(assignment_columns: tuple[tuple[str, ...], tuple[str, ...]],
                       activity_columns: tuple[tuple[str, ...], tuple[str, ...]]):
    assigned, assigned_params = _insert_from_rows("postgresql", _assignments, *assignment_columns, "a_rows")
    logged, logged_params = _insert_from_rows("postgresql", ActivityEntry.__table__, *activity_columns, "l_rows")
    return text(
        f"""
        WITH advanced AS (
            UPDATE number_range AS r
            SET next_number = v.next_number, held_count = r.held_count + v.taken, updated_at = :now
            FROM unnest(CAST(:u_range_id AS integer[]), CAST(:u_next_number AS bigint[]), CAST(:u_taken AS integer[]))
                 AS v(range_id, next_number, taken)
            WHERE r.id = v.range_id
        ), cut AS (
            DELETE FROM released_number AS rn
            USING unnest(CAST(:c_range_id AS integer[]), CAST(:c_up_to AS bigint[])) AS v(range_id, up_to)
            WHERE rn.range_id = v.range_id AND rn.number <= v.up_to
        ), counted AS (
            INSERT INTO number_usage_day AS u (year, day, handed_out)
            SELECT v.year, v.day, v.handed_out
            FROM unnest(CAST(:g_year AS integer[]), CAST(:g_day AS date[]), CAST(:g_handed_out AS integer[]))
                 AS v(year, day, handed_out)
            ON CONFLICT (year, day) DO UPDATE SET handed_out = u.handed_out + EXCLUDED.handed_out
        ), assigned AS (
            {assigned}
        )
        {logged}
        """
    ).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("u_range_id", type_=ARRAY(Integer())), bindparam("u_next_number", type_=ARRAY(_ranges.c.next_number.type)),
        bindparam("u_taken", type_=ARRAY(Integer())), bindparam("c_range_id", type_=ARRAY(Integer())),
        bindparam("c_up_to", type_=ARRAY(_released.c.number.type)), bindparam("g_year", type_=ARRAY(Integer())),
        bindparam("g_day", type_=ARRAY(Date())), bindparam("g_handed_out", type_=ARRAY(Integer())),
        *assigned_params, *logged_params,
    )


def _arrays(prefix: str, rows: list[dict], keys) -> dict:
    return {f"{prefix}_{key}": [row[key] for row in rows] for key in keys}


def _write_in_one_statement(writes: _Writes) -> None:
    a, log = writes.assignments, writes.activity
    statement = _postgresql_writes((tuple(a.shared), tuple(a.varying)), (tuple(log.shared), tuple(log.varying)))
    _conn().execute(statement, {
        "now": writes.now,
        **_arrays("u", writes.range_updates, ("range_id", "next_number", "taken")),
        **_arrays("c", writes.released_cuts, ("range_id", "up_to")),
        **_arrays("g", writes.usage, ("year", "day", "handed_out")),
        **_insert_values(_assignments, a, "a_rows"),
        **_insert_values(ActivityEntry.__table__, log, "l_rows"),
    })


def cancel_number(invoice_id: int) -> NumberAssignment:
    """Return an unreported cancelled invoice's number to the pool. Raises LedgerRefused."""
    actor_id, actor = current_actor()  # before the transaction: its start expires the loaded user
    with write_transaction():
        # Lock order as in generate_numbers: the invoice, then the range.
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if invoice is None:
            raise LedgerRefused(gettext("This invoice no longer exists."))
        assignment = live_number_of(invoice_id)
        if assignment is None:
            raise LedgerRefused(gettext("This invoice has no E-Faktur No to cancel."))
        number_range = None
        if assignment.range_id is not None:
            number_range = db.session.scalars(
                db.select(NumberRange)
                .where(NumberRange.id == assignment.range_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
        if invoice.status != STATUS_CANCELLED:
            raise LedgerRefused(gettext("Cancel E-Faktur No is only possible once the invoice is Cancelled."))
        if not invoice.tax_enabled:
            raise LedgerRefused(gettext("Cancel E-Faktur No needs Invoice Tax switched on."))
        if invoice.efaktur_reported_at is not None:
            raise LedgerRefused(gettext("This number was reported (its e-Faktur PDF is uploaded); it can never be "
                                        "reused."))

        assignment.released_at = utc_now()
        assignment.released_by = actor
        # The number that went into any export file is gone: the invoice is Not Exported again.
        invoice.exported_at, invoice.exported_by = None, None
        invoice.revision += 1
        if number_range is not None:
            number_range.held_count = number_range.held_count - 1
            db.session.add(ReleasedNumber(number=assignment.number, range_id=number_range.id))
        record(
            "number.released",
            N_("Cancelled %(no)s of invoice %(invoice)s; the number is available again."),
            subject=f"invoice:{invoice.id}", no=assignment.efaktur_no, invoice=invoice.number,
        )
    return assignment


def live_number_of(invoice_id: int) -> NumberAssignment | None:
    """The number an invoice holds now; inside a write transaction, after the invoice is locked."""
    return db.session.scalars(
        db.select(NumberAssignment)
        .where(NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None))
        .execution_options(populate_existing=True)
    ).first()


def change_live_code(invoice_id: int, transaction_code: str) -> None:
    """An edited invoice's new transaction code becomes its E-Faktur No's code (the NSFP stays).

    Called inside the edit's write transaction, with the invoice locked.
    """
    if transaction_code not in TRANSACTION_CODES:
        raise LedgerRefused(gettext("Transaction code %(transaction_code)s cannot be part of an E-Faktur No.",
                                    transaction_code=transaction_code))
    db.session.execute(
        db.update(NumberAssignment)
        .where(NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None))
        .values(transaction_code=transaction_code)
    )


def mark_replacement(invoice_id: int, status_digit: str) -> None:
    """The tax office approved a replacement of this invoice's E-Faktur No: same NSFP, status digit 1.

    Called inside the upload's write transaction, with the invoice locked. The number stays
    held; from now on the files carry FG_PENGGANTI 1.
    """
    if status_digit != STATUS_REPLACEMENT:
        raise ValueError(f"not a replacement status digit: {status_digit!r}")
    db.session.execute(
        db.update(NumberAssignment)
        .where(NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None))
        .values(status_digit=status_digit)
    )
