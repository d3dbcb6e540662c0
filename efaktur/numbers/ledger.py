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
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam

from ..activity.services import current_actor, record, record_many
from ..clock import utc_now
from ..database import write_transaction
from ..extensions import db
from ..invoices.models import STATUS_CANCELLED, Invoice
from ..nsfp import STATUS_NORMAL, format_efaktur_no
from .allocation import RangePool, plan_take
from .models import NumberAssignment, NumberRange, ReleasedNumber

# Bind-parameter lists are cut to this size (SQLite and PostgreSQL limits are far above).
CHUNK = 5000
MAX_BATCH = 20_000
MESSAGE_LIST_LIMIT = 5


class LedgerRefused(ValueError):
    """The operation was refused as a whole; nothing changed. The message is for the user."""


@dataclass(frozen=True)
class IssuedNumber:
    invoice_id: int
    invoice_number: str
    efaktur_no: str
    year: int


@dataclass
class GenerateResult:
    issued: list[IssuedNumber] = field(default_factory=list)

    @property
    def years(self) -> set[int]:
        return {item.year for item in self.issued}


def _chunks(values: list[int]):
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _names(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:MESSAGE_LIST_LIMIT])
    more = len(numbers) - MESSAGE_LIST_LIMIT
    return shown + (f" and {more:,} more" if more > 0 else "")


# The hot path below speaks Core to the tables on the transaction's connection: the ORM
# layer would cost more than the SQL itself for a one-invoice Generate.
_ranges = NumberRange.__table__
_invoices = Invoice.__table__
_assignments = NumberAssignment.__table__
_released = ReleasedNumber.__table__


def _conn():
    return db.session.connection()


@cache
def _statements() -> SimpleNamespace:
    """Built once: constructing a statement costs about as much as running it here."""
    r, i, a, rel = _ranges.c, _invoices.c, _assignments.c, _released.c
    return SimpleNamespace(
        lock_ranges=db.select(r.id, r.year, r.start_number, r.end_number, r.next_number, r.held_count)
        .where(r.year.in_(bindparam("years", expanding=True)))
        .order_by(r.id)
        .with_for_update(),
        lock_invoices=db.select(i.id, i.number, i.invoice_date, i.tax_enabled, i.status, i.transaction_code)
        .where(i.id.in_(bindparam("ids", expanding=True)))
        .order_by(i.id)
        .with_for_update(),
        # A statement of its own, after the lock: on PostgreSQL (READ COMMITTED) a statement
        # sees what was committed before it started, so a join inside the locking statement
        # would miss a number that another request gave these invoices while we waited.
        live_of=db.select(a.invoice_id).where(
            a.invoice_id.in_(bindparam("ids", expanding=True)), a.released_at.is_(None)
        ),
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
        insert_assignments=_assignments.insert(),
    )


def _lock_ranges(years: set[int]) -> list:
    """The ranges of these years, locked, in id order (the lock order everywhere)."""
    return _conn().execute(_statements().lock_ranges, {"years": sorted(years)}).all()


def _lock_invoices(invoice_ids: list[int]) -> tuple[list, set[int]]:
    """The invoices, locked, and then (re-read under the lock) those that hold a number now."""
    rows, holding = [], set()
    for chunk in _chunks(invoice_ids):
        rows.extend(_conn().execute(_statements().lock_invoices, {"ids": chunk}).all())
    for chunk in _chunks(invoice_ids):
        holding.update(_conn().scalars(_statements().live_of, {"ids": chunk}))
    return rows, holding


def _check_eligible(invoices, holding: set[int]) -> None:
    problems = []
    for label, bad in (
        ("have Invoice Tax switched off", [i.number for i in invoices if not i.tax_enabled]),
        ("are cancelled", [i.number for i in invoices if i.status == STATUS_CANCELLED]),
        ("already have an E-Faktur No", [i.number for i in invoices if i.id in holding]),
    ):
        if bad:
            problems.append(f"{len(bad):,} {label} ({_names(bad)})")
    if problems:
        raise LedgerRefused("No number was generated: " + "; ".join(problems) + ".")


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


def generate_numbers(invoice_ids: list[int]) -> GenerateResult:
    """Give each invoice its E-Faktur No, all or none. Raises LedgerRefused."""
    invoice_ids = sorted(set(invoice_ids))
    if not invoice_ids:
        raise LedgerRefused("Tick at least one invoice.")
    if len(invoice_ids) > MAX_BATCH:
        raise LedgerRefused(f"At most {MAX_BATCH:,} invoices at once.")
    actor = current_actor()  # before the transaction: its start expires the loaded user
    with write_transaction():
        # Lock order, here and in cancel_number: invoices, then ranges.
        invoices, holding = _lock_invoices(invoice_ids)
        if len(invoices) != len(invoice_ids):
            missing = sorted(set(invoice_ids) - {i.id for i in invoices})
            raise LedgerRefused(f"No number was generated: unknown invoice id {_names([str(m) for m in missing])}.")
        _check_eligible(invoices, holding)

        by_year: dict[int, list] = defaultdict(list)
        for invoice in sorted(invoices, key=lambda i: (i.invoice_date, i.id)):
            by_year[invoice.invoice_date.year].append(invoice)
        ranges_by_year: dict[int, list] = defaultdict(list)
        for number_range in _lock_ranges(set(by_year)):
            ranges_by_year[number_range.year].append(number_range)

        shortages, plans = [], {}
        for year, year_invoices in sorted(by_year.items()):
            need = len(year_invoices)
            year_ranges = sorted(ranges_by_year[year], key=lambda r: r.start_number)
            available = sum(r.end_number - r.start_number + 1 - r.held_count for r in year_ranges)
            if available < need:
                shortages.append(
                    f"{need:,} invoices dated {year} need a number, "
                    f"{available:,} {'is' if available == 1 else 'are'} available for {year}"
                )
                continue
            pools, remaining = [], need
            for number_range in year_ranges:  # look up released numbers only as far as needed
                if remaining <= 0:
                    break
                pools.append(_pool(number_range, remaining))
                remaining -= number_range.end_number - number_range.start_number + 1 - number_range.held_count
            plans[year] = plan_take(pools, need)
        if shortages:
            raise LedgerRefused("Not enough numbers, none was generated: " + "; ".join(shortages) + ".")

        return _apply_plans(plans, by_year, actor)


def _apply_plans(plans, by_year, actor) -> GenerateResult:
    now = utc_now()
    result = GenerateResult()
    assignment_rows, activity_items = [], []
    for year, takes in plans.items():
        year_invoices = iter(by_year[year])
        for take in takes:
            if take.released:
                _conn().execute(
                    _statements().take_released, {"range_id": take.range_id, "up_to": take.released[-1]}
                )
            _conn().execute(
                _statements().advance_range,
                {"range_id": take.range_id, "next_number": take.next_number_after, "taken": take.count},
            )
            for number in take.numbers:
                invoice = next(year_invoices)
                efaktur_no = format_efaktur_no(invoice.transaction_code, STATUS_NORMAL, number)
                assignment_rows.append(
                    {
                        "invoice_id": invoice.id,
                        "range_id": take.range_id,
                        "number": number,
                        "transaction_code": invoice.transaction_code,
                        "status_digit": STATUS_NORMAL,
                        "assigned_at": now,
                        "assigned_by": actor[1],
                    }
                )
                activity_items.append((f"invoice:{invoice.id}", f"Assigned {efaktur_no} to invoice {invoice.number}."))
                result.issued.append(IssuedNumber(invoice.id, invoice.number, efaktur_no, year))
    _conn().execute(_statements().insert_assignments, assignment_rows)
    record_many("number.assigned", activity_items, actor)
    return result


def cancel_number(invoice_id: int) -> NumberAssignment:
    """Return an unreported cancelled invoice's number to the pool. Raises LedgerRefused."""
    actor_id, actor = current_actor()  # before the transaction: its start expires the loaded user
    with write_transaction():
        # Lock order as in generate_numbers: the invoice, then the range.
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if invoice is None:
            raise LedgerRefused("This invoice no longer exists.")
        assignment = db.session.scalars(
            db.select(NumberAssignment)
            .where(NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None))
            .execution_options(populate_existing=True)
        ).first()
        if assignment is None:
            raise LedgerRefused("This invoice has no E-Faktur No to cancel.")
        number_range = None
        if assignment.range_id is not None:
            number_range = db.session.scalars(
                db.select(NumberRange)
                .where(NumberRange.id == assignment.range_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
        if invoice.status != STATUS_CANCELLED:
            raise LedgerRefused("Cancel E-Faktur No is only possible once the invoice is Cancelled.")
        if not invoice.tax_enabled:
            raise LedgerRefused("Cancel E-Faktur No needs Invoice Tax switched on.")
        if invoice.efaktur_reported_at is not None:
            raise LedgerRefused("This number was reported (its e-Faktur PDF is uploaded); it can never be reused.")

        assignment.released_at = utc_now()
        assignment.released_by = actor
        if number_range is not None:
            number_range.held_count = number_range.held_count - 1
            db.session.add(ReleasedNumber(number=assignment.number, range_id=number_range.id))
        record(
            "number.released",
            f"Cancelled {assignment.efaktur_no} of invoice {invoice.number}; the number is available again.",
            subject=f"invoice:{invoice.id}",
        )
    return assignment
