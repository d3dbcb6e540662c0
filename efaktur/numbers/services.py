"""Rules for adding, changing and removing ranges, and the counts the page shows."""
from dataclasses import dataclass

from sqlalchemy import func, text

from efaktur.activity.services import current_actor, record
from efaktur.database import is_postgresql, write_transaction
from efaktur.extensions import db
from efaktur.language.i18n import local_time
from efaktur.language.lang import N_, gettext
from efaktur.numbers.models import NumberRange, ReleasedNumber
from efaktur.rules.clock import utc_now
from efaktur.rules.nsfp import check_range, format_nsfp, ranges_overlap
from efaktur.web.errors import Refused, check_revision


class RangeRejected(Refused):
    """A proposed range breaks a rule."""


@dataclass(frozen=True)
class YearCount:
    year: int
    total: int
    available: int

    @property
    def held(self) -> int:
        return self.total - self.available


def selectable_years(this_year: int, keep: int | None = None) -> list[int]:
    """Last year, this year, next year (and a range's own year when editing an older one)."""
    years = {this_year - 1, this_year, this_year + 1}
    if keep is not None:
        years.add(keep)
    return sorted(years)


def all_ranges() -> list[NumberRange]:
    return list(
        db.session.scalars(db.select(NumberRange).order_by(NumberRange.year.desc(), NumberRange.start_number))
    )


def year_count(year: int) -> YearCount:
    """Total and available numbers of one Year Period, from the range counters only."""
    total, held = db.session.execute(
        db.select(
            func.coalesce(func.sum(NumberRange.end_number - NumberRange.start_number + 1), 0),
            func.coalesce(func.sum(NumberRange.held_count), 0),
        ).where(NumberRange.year == year)
    ).one()
    return YearCount(year=year, total=int(total), available=int(total) - int(held))


def highest_held_number(number_range: NumberRange) -> int | None:
    """The highest number of the range an invoice holds now, or None.

    Everything below next_number went out once; of those, the released ones are back.
    Walk down from next_number - 1 past the (few) released numbers at the top.
    """
    if number_range.held_count == 0:
        return None
    released_at_top = db.session.scalars(
        db.select(ReleasedNumber.number)
        .where(ReleasedNumber.range_id == number_range.id)
        .order_by(ReleasedNumber.number.desc())
    )
    candidate = number_range.next_number - 1
    for number in released_at_top:
        if number != candidate:
            break
        candidate -= 1
    return candidate


def _lock_range_table() -> None:
    """Serialise range changes so two admins cannot add overlapping ranges at once.

    SQLite: the write transaction holds the database lock already.
    """
    if is_postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('efaktur.number_range'))"))


def _overlapping(start: int, end: int, exclude_id: int | None) -> NumberRange | None:
    query = db.select(NumberRange).where(NumberRange.start_number <= end, NumberRange.end_number >= start)
    if exclude_id is not None:
        query = query.where(NumberRange.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def _check(year: int, start: int, end: int, exclude_id: int | None = None) -> None:
    verdict = check_range(year, start, end)
    if not verdict.ok:
        raise RangeRejected(verdict.errors)
    other = _overlapping(start, end, exclude_id)
    if other is not None:
        assert ranges_overlap(start, end, other.start_number, other.end_number)
        raise RangeRejected(
            {
                "start_number": (
                    gettext("Overlaps the range %(start)s to %(end)s (%(year)s).",
                            start=format_nsfp(other.start_number),
                            end=format_nsfp(other.end_number), year=str(other.year))
                )
            }
        )


def describe(number_range: NumberRange) -> str:
    """2026: 000-26.00000001 to 000-26.00000100 (100 numbers), in the reader's language."""
    return gettext("%(year)s: %(start)s to %(end)s (%(total)s numbers)", **_described(number_range))


def _described(number_range: NumberRange) -> dict:
    return {"year": str(number_range.year), "start": format_nsfp(number_range.start_number),
            "end": format_nsfp(number_range.end_number), "total": number_range.total}


def create_range(year: int, start: int, end: int) -> NumberRange:
    with write_transaction():
        _lock_range_table()
        _check(year, start, end)
        number_range = NumberRange(year=year, start_number=start, end_number=end, next_number=start, held_count=0)
        db.session.add(number_range)
        db.session.flush()
        record("range.created", N_("Added range %(year)s: %(start)s to %(end)s (%(total)s numbers)."),
               subject=f"range:{number_range.id}", **_described(number_range))
    return number_range


def _lock_range(range_id: int) -> NumberRange | None:
    return db.session.scalars(
        db.select(NumberRange)
        .where(NumberRange.id == range_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def update_range(range_id: int, year: int, start: int, end: int, expected_revision: int | None = None) -> NumberRange:
    """Edit a range; a form opened at `expected_revision` is refused (StaleEdit) when the range was saved since."""
    with write_transaction():
        _lock_range_table()
        number_range = _lock_range(range_id)
        if number_range is None:
            raise RangeRejected({"start_number": gettext("This range no longer exists.")})
        check_revision(expected_revision, number_range.revision,
                       gettext("The range %(start)s", start=format_nsfp(number_range.start_number)),
                       number_range.edited_by, local_time(number_range.edited_at))
        _check(year, start, end, exclude_id=number_range.id)
        if start != number_range.start_number and number_range.held_count > 0:
            raise RangeRejected(
                {
                    "start_number": (
                        gettext("The Start Number cannot change: %(held_count)s numbers of this range are given out.",
                                held_count=number_range.held_count)
                    )
                }
            )
        highest = highest_held_number(number_range)
        if highest is not None and end < highest:
            raise RangeRejected(
                {"end_number": gettext("The End Number cannot go below %(number)s, which is given out.",
                                       number=format_nsfp(highest))}
            )
        before = _described(number_range)
        if start != number_range.start_number:
            # Nothing is held, so the whole (new) range is fresh again.
            db.session.execute(db.delete(ReleasedNumber).where(ReleasedNumber.range_id == number_range.id))
            number_range.next_number = start
        elif end < number_range.next_number - 1:
            # Shrinking past numbers that went out and came back: they leave with the range.
            db.session.execute(
                db.delete(ReleasedNumber).where(ReleasedNumber.range_id == number_range.id, ReleasedNumber.number > end)
            )
            number_range.next_number = end + 1
        number_range.year, number_range.start_number, number_range.end_number = year, start, end
        number_range.revision += 1
        number_range.edited_by, number_range.edited_at = current_actor()[1], utc_now()
        db.session.flush()
        record(
            "range.updated",
            N_("Changed range %(year)s: %(start)s to %(end)s (%(total)s numbers) to %(new_year)s: %(new_start)s to "
               "%(new_end)s (%(new_total)s numbers)."),
            subject=f"range:{number_range.id}", **before,
            **{f"new_{key}": value for key, value in _described(number_range).items()},
        )
    return number_range


def delete_range(range_id: int) -> str:
    with write_transaction():
        _lock_range_table()
        number_range = _lock_range(range_id)
        if number_range is None:
            raise RangeRejected({"range": gettext("This range no longer exists.")})
        if number_range.held_count > 0:
            raise RangeRejected(
                {"range": gettext("This range cannot be deleted: %(held_count)s of its numbers are given out.",
                                  held_count=number_range.held_count)}
            )
        description, described = describe(number_range), _described(number_range)
        db.session.delete(number_range)
        record("range.deleted", N_("Deleted range %(year)s: %(start)s to %(end)s (%(total)s numbers)."),
               subject=f"range:{range_id}", **described)
    return description
