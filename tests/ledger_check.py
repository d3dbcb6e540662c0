"""Checks of the whole ledger, used after the concurrency tests: the invariants of numbers/models.py."""
import re

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.nsfp import parse_nsfp
from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber

_NSFP_IN_SUMMARY = re.compile(r"\d{3}\.(\d{3}-\d{2}\.\d{8})")


def assert_ledger_consistent():
    """Every number held at most once, nothing skipped or lost, counters right. Returns the live count."""
    live = db.session.execute(
        db.select(NumberAssignment.number, NumberAssignment.invoice_id, NumberAssignment.range_id).where(
            NumberAssignment.released_at.is_(None)
        )
    ).all()
    numbers = [row.number for row in live]
    assert len(numbers) == len(set(numbers)), "a number is held by two invoices"
    holders = [row.invoice_id for row in live]
    assert len(holders) == len(set(holders)), "an invoice holds two numbers"
    released = set(db.session.scalars(db.select(ReleasedNumber.number)))
    for number_range in db.session.scalars(db.select(NumberRange)):
        held_here = {row.number for row in live if row.range_id == number_range.id}
        released_here = {n for n in released if number_range.start_number <= n <= number_range.end_number}
        used_part = set(range(number_range.start_number, number_range.next_number))
        assert held_here | released_here == used_part, f"range {number_range.id}: a number was skipped or lost"
        assert not held_here & released_here, f"range {number_range.id}: a number is both held and available"
        assert number_range.held_count == len(held_here), f"range {number_range.id}: held_count is off"
        assert number_range.available + len(held_here) == number_range.total
    return len(live)


def assert_smallest_first_in_log_order():
    """Replay the activity log: every number handed out was the smallest available at that moment."""
    pools: dict[int, set[int]] = {}
    for number_range in db.session.scalars(db.select(NumberRange)):
        pools.setdefault(number_range.year, set()).update(
            range(number_range.start_number, number_range.end_number + 1)
        )
    year_of = {n: year for year, pool in pools.items() for n in pool}
    entries = db.session.execute(
        db.select(ActivityEntry.action, ActivityEntry.summary)
        .where(ActivityEntry.action.in_(["number.assigned", "number.released"]))
        .order_by(ActivityEntry.id)
    ).all()
    assigned = 0
    for action, summary in entries:
        number = parse_nsfp(_NSFP_IN_SUMMARY.search(summary).group(1))
        pool = pools[year_of[number]]
        if action == "number.assigned":
            assert number == min(pool), f"{summary}: the smallest available was {min(pool)}"
            pool.remove(number)
            assigned += 1
        else:
            assert number not in pool
            pool.add(number)
    return assigned
