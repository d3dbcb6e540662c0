"""Checks of the whole ledger, used after the concurrency tests: the invariants of numbers/models.py."""
import re

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.numbers.models import NumberRange
from efaktur.operations.ledger_check import check_ledger
from efaktur.rules.nsfp import parse_nsfp

_NSFP_IN_SUMMARY = re.compile(r"\d{3}\.(\d{3}-\d{2}\.\d{8})")


def assert_ledger_consistent():
    """Every number held at most once, nothing skipped or lost, counters right: the operator's
    `flask check` (efaktur/operations/ledger_check.py), which the tests use too. Returns the live count."""
    result = check_ledger()
    assert result.ok, result.problems
    return result.held


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
