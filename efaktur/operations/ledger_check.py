"""The ledger check: the invariants of numbers/models.py, verified on a live database.

Run by `flask --app efaktur check`, after a restore, and by the tests after every
concurrency and kill test. What must hold:

* every range's counters agree with the rows: ``held_count`` is the number of live
  assignments of the range, and the numbers held plus the numbers returned are exactly
  the used part ``start_number .. next_number - 1`` (nothing skipped, nothing lost);
* no number is held twice, and none is both held and returned;
* no invoice holds two live numbers;
* every held number lies in the used part of its range, and the range's year is the
  year of the invoice's date;
* no two ranges overlap;
* every stored E-Faktur file has its PDF, and no invoice has two current files.

The database does the counting (GROUP BY over the indexed columns); the app reads a few
rows per range and at most SAMPLE examples of each kind of problem, so memory stays flat
and a million numbers are checked in about a second.
"""
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from efaktur.extensions import db
from efaktur.files.models import EfakturFile, EfakturFileContent
from efaktur.invoices.models import Invoice
from efaktur.language.lang import N_, gettext, ngettext
from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber
from efaktur.rules.nsfp import format_nsfp

SAMPLE = 10  # examples named per kind of problem


@dataclass
class LedgerCheck:
    ranges: int = 0
    held: int = 0
    returned: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _live():
    return NumberAssignment.released_at.is_(None)


def _examples(values, formatter=str) -> str:
    shown = [formatter(v) for v in values[:SAMPLE]]
    return ", ".join(shown) + (" ..." if len(values) > SAMPLE else "")


def _per_range(model, where=None) -> dict:
    """{range_id: (count, smallest, largest)} of the numbers of `model` (held or returned)."""
    query = select(model.range_id, func.count(), func.min(model.number), func.max(model.number)).group_by(model.range_id)
    if where is not None:
        query = query.where(where)
    return {row[0]: (row[1], row[2], row[3]) for row in db.session.execute(query)}


def check_ledger() -> LedgerCheck:
    result = LedgerCheck()
    problems = result.problems
    ranges = db.session.execute(
        select(NumberRange.id, NumberRange.year, NumberRange.start_number, NumberRange.end_number,
               NumberRange.next_number, NumberRange.held_count).order_by(NumberRange.start_number)
    ).all()
    result.ranges = len(ranges)
    held = _per_range(NumberAssignment, _live())
    returned = _per_range(ReleasedNumber)
    result.held = sum(count for count, _, _ in held.values())
    result.returned = sum(count for count, _, _ in returned.values())

    previous = None
    for range_id, year, start, end, next_number, held_count in ranges:
        label = gettext("range %(start)s to %(end)s (%(year)s)",
                        start=format_nsfp(start), end=format_nsfp(end), year=str(year))
        if previous is not None and start <= previous[1]:
            problems.append(gettext("The %(label)s overlaps the range ending at %(end)s.",
                                    label=label, end=format_nsfp(previous[1])))
        previous = (start, end)
        held_here, held_low, held_high = held.get(range_id, (0, None, None))
        back_here, back_low, back_high = returned.get(range_id, (0, None, None))
        if held_here != held_count:
            problems.append(gettext("The %(label)s counts %(held_count)s numbers held, but invoices hold "
                                    "%(held_here)s.", label=label, held_count=held_count, held_here=held_here))
        used = next_number - start
        if held_here + back_here != used:
            message = (N_("The %(label)s has given out %(used)s numbers, but %(held)s are held and %(returned)s "
                          "returned: "
                          "%(count)s missing.") if used > held_here + back_here else
                       N_("The %(label)s has given out %(used)s numbers, but %(held)s are held and %(returned)s "
                          "returned: "
                          "%(count)s too many."))
            problems.append(gettext(message, label=label, used=used, held=held_here, returned=back_here,
                                    count=abs(used - held_here - back_here)))
        for held_or_returned, low, high in ((True, held_low, held_high), (False, back_low, back_high)):
            if low is not None and (low < start or high >= next_number):
                given = (gettext("%(start)s to %(end)s", start=format_nsfp(start), end=format_nsfp(next_number - 1))
                         if next_number > start else gettext("none"))
                problems.append(gettext("The %(label)s has held numbers outside its given-out part (%(given)s).",
                                        label=label, given=given)
                                if held_or_returned else
                                gettext("The %(label)s has returned numbers outside its given-out part (%(given)s).",
                                        label=label, given=given))
    orphans = held.get(None, (0, None, None))[0] + returned.get(None, (0, None, None))[0]
    if orphans:
        problems.append(ngettext("%(num)s number is held or returned without a range.",
                                 "%(num)s numbers are held or returned without a range.", orphans))

    twice = db.session.execute(
        select(NumberAssignment.number).where(_live()).group_by(NumberAssignment.number).having(func.count() > 1)
        .order_by(NumberAssignment.number).limit(SAMPLE + 1)
    ).scalars().all()
    if twice:
        problems.append(gettext("Numbers held by two invoices: %(examples)s.",
                                examples=_examples(twice, format_nsfp)))

    both = db.session.execute(
        select(NumberAssignment.number).join(ReleasedNumber, ReleasedNumber.number == NumberAssignment.number)
        .where(_live()).order_by(NumberAssignment.number).limit(SAMPLE + 1)
    ).scalars().all()
    if both:
        problems.append(gettext("Numbers both held and returned: %(examples)s.",
                                examples=_examples(both, format_nsfp)))

    doubles = db.session.execute(
        select(Invoice.number).where(Invoice.id.in_(
            select(NumberAssignment.invoice_id).where(_live()).group_by(NumberAssignment.invoice_id).having(func.count() > 1)
        )).order_by(Invoice.id).limit(SAMPLE + 1)
    ).scalars().all()
    if doubles:
        problems.append(gettext("Invoices holding two numbers: %(examples)s.", examples=_examples(doubles)))

    misplaced = db.session.execute(
        select(Invoice.number, NumberAssignment.number)
        .join(NumberAssignment, and_(NumberAssignment.invoice_id == Invoice.id, _live()))
        .join(NumberRange, NumberRange.id == NumberAssignment.range_id)
        .where(or_(
            NumberRange.year != func.extract("year", Invoice.invoice_date),
            NumberAssignment.number < NumberRange.start_number,
            NumberAssignment.number >= NumberRange.next_number,
        ))
        .order_by(Invoice.id).limit(SAMPLE + 1)
    ).all()
    if misplaced:
        problems.append(gettext("Numbers outside their range or of another year than their invoice: ")
                        + _examples(misplaced, lambda row: f"{row[0]} ({format_nsfp(row[1])})") + ".")
    _check_files(result)
    return result


def _check_files(result: LedgerCheck) -> None:
    """The stored PDFs: an upload is all or nothing, so a file row never lacks its bytes."""
    result.files = db.session.scalar(select(func.count()).select_from(EfakturFile))
    empty = db.session.execute(
        select(EfakturFile.file_name).outerjoin(EfakturFileContent, EfakturFileContent.file_id == EfakturFile.id)
        .where(EfakturFileContent.file_id.is_(None)).order_by(EfakturFile.id).limit(SAMPLE + 1)
    ).scalars().all()
    if empty:
        result.problems.append(gettext("E-Faktur files recorded without their PDF: %(examples)s.",
                                       examples=_examples(empty)))
    two = db.session.execute(
        select(Invoice.number).where(Invoice.id.in_(
            select(EfakturFile.invoice_id).where(EfakturFile.superseded_at.is_(None))
            .group_by(EfakturFile.invoice_id).having(func.count() > 1)
        )).order_by(Invoice.id).limit(SAMPLE + 1)
    ).scalars().all()
    if two:
        result.problems.append(gettext("Invoices with two current E-Faktur files: %(examples)s.",
                                       examples=_examples(two)))
