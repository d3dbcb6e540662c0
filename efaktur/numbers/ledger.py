"""Generate E-Faktur No and Cancel E-Faktur No: the only code that hands numbers out or takes them back.

Rules, each kept here once:
- an invoice gets a number only with Invoice Tax on, when not cancelled, and when it
  holds none: never a second one;
- numbers come from the ranges whose Year Period is the year of the invoice date,
  the smallest available first (a returned number before a fresh one);
- a batch is all or nothing: when a year lacks numbers, no invoice is numbered;
- a number returns to the pool only when its invoice is Cancelled and it was never
  reported (no e-Faktur PDF uploaded).

Concurrency: every operation runs in one write transaction that first locks the
ranges of the years concerned (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE holds the database's write lock), then re-reads the invoices and
their live numbers. Two requests for the same year therefore run one after the
other and the second sees what the first committed. Locks are always taken ranges
first, then invoices, so generate and cancel cannot deadlock. The partial unique
indexes on number_assignment stay as the last line of defence.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from ..activity.services import record, record_many
from ..clock import utc_now
from ..database import write_transaction
from ..extensions import db
from ..invoices.models import STATUS_CANCELLED, Invoice
from ..nsfp import STATUS_NORMAL, format_efaktur_no
from .allocation import NotEnoughNumbers, RangePool, plan_take
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


def _actor() -> str:
    from flask_login import current_user

    return current_user.email if getattr(current_user, "is_authenticated", False) else "system"


def _lock_ranges(years: set[int]) -> list[NumberRange]:
    return list(
        db.session.scalars(
            db.select(NumberRange)
            .where(NumberRange.year.in_(sorted(years)))
            .order_by(NumberRange.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _lock_invoices(invoice_ids: list[int]) -> list:
    rows = []
    for chunk in _chunks(invoice_ids):
        rows.extend(
            db.session.execute(
                db.select(
                    Invoice.id,
                    Invoice.number,
                    Invoice.invoice_date,
                    Invoice.tax_enabled,
                    Invoice.status,
                    Invoice.transaction_code,
                )
                .where(Invoice.id.in_(chunk))
                .order_by(Invoice.id)
                .with_for_update()
            ).all()
        )
    return rows


def _live_numbers_of(invoice_ids: list[int]) -> dict[int, NumberAssignment]:
    live = {}
    for chunk in _chunks(invoice_ids):
        for assignment in db.session.scalars(
            db.select(NumberAssignment).where(
                NumberAssignment.invoice_id.in_(chunk), NumberAssignment.released_at.is_(None)
            )
        ):
            live[assignment.invoice_id] = assignment
    return live


def _invoice_years(invoice_ids: list[int]) -> set[int]:
    years = set()
    for chunk in _chunks(invoice_ids):
        years.update(
            d.year for d in db.session.scalars(db.select(Invoice.invoice_date).where(Invoice.id.in_(chunk)).distinct())
        )
    return years


def _check_eligible(invoices, live: dict) -> None:
    problems = []
    for label, bad in (
        ("have Invoice Tax switched off", [i.number for i in invoices if not i.tax_enabled]),
        ("are cancelled", [i.number for i in invoices if i.status == STATUS_CANCELLED]),
        ("already have an E-Faktur No", [i.number for i in invoices if i.id in live]),
    ):
        if bad:
            problems.append(f"{len(bad):,} {label} ({_names(bad)})")
    if problems:
        raise LedgerRefused("No number was generated: " + "; ".join(problems) + ".")


def _pools(ranges: list[NumberRange], need: int) -> list[RangePool]:
    pools = []
    for number_range in ranges:
        released = tuple(
            db.session.scalars(
                db.select(ReleasedNumber.number)
                .where(ReleasedNumber.range_id == number_range.id)
                .order_by(ReleasedNumber.number)
                .limit(need)
            )
        ) if number_range.next_number > number_range.start_number else ()
        pools.append(
            RangePool(
                number_range.id, number_range.start_number, number_range.end_number, number_range.next_number, released
            )
        )
    return pools


def generate_numbers(invoice_ids: list[int]) -> GenerateResult:
    """Give each invoice its E-Faktur No, all or none. Raises LedgerRefused."""
    invoice_ids = sorted(set(invoice_ids))
    if not invoice_ids:
        raise LedgerRefused("Tick at least one invoice.")
    if len(invoice_ids) > MAX_BATCH:
        raise LedgerRefused(f"At most {MAX_BATCH:,} invoices at once.")
    actor = _actor()
    with write_transaction():
        years = _invoice_years(invoice_ids)
        ranges = _lock_ranges(years)
        invoices = _lock_invoices(invoice_ids)
        if len(invoices) != len(invoice_ids):
            missing = sorted(set(invoice_ids) - {i.id for i in invoices})
            raise LedgerRefused(f"No number was generated: unknown invoice id {_names([str(m) for m in missing])}.")
        if {i.invoice_date.year for i in invoices} - years:
            raise LedgerRefused("An invoice changed while numbers were being generated; please try again.")
        _check_eligible(invoices, _live_numbers_of(invoice_ids))

        by_year: dict[int, list] = defaultdict(list)
        for invoice in sorted(invoices, key=lambda i: (i.invoice_date, i.id)):
            by_year[invoice.invoice_date.year].append(invoice)
        ranges_by_year: dict[int, list[NumberRange]] = defaultdict(list)
        for number_range in ranges:
            ranges_by_year[number_range.year].append(number_range)

        shortages, plans = [], {}
        for year, year_invoices in sorted(by_year.items()):
            year_ranges = ranges_by_year[year]
            available = sum(r.available for r in year_ranges)
            if available < len(year_invoices):
                shortages.append(
                    f"{len(year_invoices):,} invoices dated {year} need a number, "
                    f"{available:,} {'is' if available == 1 else 'are'} available for {year}"
                )
                continue
            plans[year] = plan_take(_pools(year_ranges, len(year_invoices)), len(year_invoices))
        if shortages:
            raise LedgerRefused("Not enough numbers, none was generated: " + "; ".join(shortages) + ".")

        return _apply_plans(plans, by_year, {r.id: r for r in ranges}, actor)


def _apply_plans(plans, by_year, ranges_by_id, actor) -> GenerateResult:
    now = utc_now()
    result = GenerateResult()
    assignment_rows, activity_items = [], []
    for year, takes in plans.items():
        year_invoices = iter(by_year[year])
        for take in takes:
            number_range = ranges_by_id[take.range_id]
            if take.released:
                db.session.execute(
                    db.delete(ReleasedNumber).where(
                        ReleasedNumber.range_id == take.range_id, ReleasedNumber.number <= take.released[-1]
                    )
                )
            number_range.next_number = take.next_number_after
            number_range.held_count = number_range.held_count + take.count
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
                        "assigned_by": actor,
                    }
                )
                activity_items.append((f"invoice:{invoice.id}", f"Assigned {efaktur_no} to invoice {invoice.number}."))
                result.issued.append(IssuedNumber(invoice.id, invoice.number, efaktur_no, year))
    db.session.flush()
    db.session.execute(db.insert(NumberAssignment), assignment_rows)
    record_many("number.assigned", activity_items)
    return result


def cancel_number(invoice_id: int) -> NumberAssignment:
    """Return an unreported cancelled invoice's number to the pool. Raises LedgerRefused."""
    actor = _actor()
    with write_transaction():
        first_look = db.session.scalars(
            db.select(NumberAssignment).where(
                NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None)
            )
        ).first()
        if first_look is None:
            raise LedgerRefused("This invoice has no E-Faktur No to cancel.")
        number_range = None
        if first_look.range_id is not None:
            number_range = db.session.scalars(
                db.select(NumberRange)
                .where(NumberRange.id == first_look.range_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        # Re-read under the locks: another request may have cancelled it meanwhile.
        assignment = db.session.scalars(
            db.select(NumberAssignment)
            .where(NumberAssignment.invoice_id == invoice_id, NumberAssignment.released_at.is_(None))
            .execution_options(populate_existing=True)
        ).first()
        if assignment is None or assignment.id != first_look.id:
            raise LedgerRefused("This invoice has no E-Faktur No to cancel.")
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
