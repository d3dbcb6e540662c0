"""What Coretax says of an invoice: its 17-digit number and its state, recorded by one set of rules.

DJP numbers an invoice in Coretax when it approves it; the app never allocates such a number. The number and
state come back through Coretax's output-tax list (files/coretax_list.py), the approved PDFs (files/services.py),
the API, or typed on the invoice's page; all of them go through `apply_report` here, under the invoice's row lock,
so the same rules hold whichever way a number arrives:

- An approved number is never overwritten by a draft, a waiting or a cancelled report of another number.
- A replacement keeps the 13-digit serial and raises the 2-digit status code (00 normal, 01 replacement, ...):
  it replaces the number the invoice holds, and the invoice shows Replacement; a report of the older number
  after that changes nothing.
- CANCELED marks the invoice's Coretax state Cancelled (cancellation happens in Coretax; no number returns
  to any pool).
- A number must carry the invoice's transaction code and its year, and belong to no other invoice.
- Reporting what the invoice already holds changes nothing, and says so: importing a file twice is harmless.

Every change is kept as a CoretaxEvent: the invoice page shows the number and state history.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_

from efaktur.activity.services import current_actor, record
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from efaktur.formats.coretax_list import (
    AMENDED,
    APPROVED,
    CANCELED,
    CREATED,
    REJECTED,
    WAITING_FOR_AMENDMENT,
    WAITING_FOR_CANCELLATION,
)
from efaktur.formats.pdf_names import CORETAX, CORETAX_NORMAL_STATUS, NameProblem, coretax_number
from efaktur.invoices.models import STATUS_CANCELLED, CoretaxEvent, Invoice, coretax_route_terms
from efaktur.invoices.numbering import holds_a_number
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.web.errors import Refused

STATE_CREATED, STATE_APPROVED, STATE_AMENDED, STATE_CANCELLED = "created", "approved", "amended", "cancelled"
STATE_WAITING_CANCELLATION, STATE_WAITING_AMENDMENT, STATE_REJECTED = "waiting_cancellation", "waiting_amendment", "rejected"
STATE_OF = {CREATED: STATE_CREATED, APPROVED: STATE_APPROVED, AMENDED: STATE_AMENDED, CANCELED: STATE_CANCELLED,
            WAITING_FOR_CANCELLATION: STATE_WAITING_CANCELLATION, WAITING_FOR_AMENDMENT: STATE_WAITING_AMENDMENT,
            REJECTED: STATE_REJECTED}
STATE_LABELS = {
    STATE_CREATED: N_("Draft in Coretax"),
    STATE_APPROVED: N_("Approved"),
    STATE_AMENDED: N_("Replaced in Coretax (waiting for the replacement)"),
    STATE_CANCELLED: N_("Cancelled in Coretax"),
    STATE_WAITING_CANCELLATION: N_("Waiting for cancellation"),
    STATE_WAITING_AMENDMENT: N_("Waiting for replacement"),
    STATE_REJECTED: N_("Rejected"),
}
REPLACEMENT_LABEL = N_("Replacement")
SOURCES = {"list": N_("Coretax list"), "pdf": N_("Coretax PDF"), "api": N_("API"), "page": N_("typed on this page")}

RECORDED, REPLACED, CANCELLED, UNCHANGED, NOT_APPLIED = "recorded", "replaced", "cancelled", "unchanged", "not_applied"
OUTCOME_LABELS = {RECORDED: N_("Recorded"), REPLACED: N_("Replaced"), CANCELLED: N_("Cancelled"),
                  UNCHANGED: N_("Unchanged"), NOT_APPLIED: N_("Not applied")}


# Where an invoice of the Coretax route stands, as the E-Faktur No page counts them and the Invoices list filters.
WAITING_EXPORT, EXPORTED, WITH_NUMBER, REPLACEMENT, IN_CANCELLATION, CANCELLED_IN_CORETAX, REJECTED_IN_CORETAX = (
    "waiting_export", "exported", "approved", "replaced", "waiting", "cancelled", "rejected")
BUCKET_LABELS = {
    WAITING_EXPORT: N_("Waiting to be exported"),
    EXPORTED: N_("Exported, not approved yet"),
    WITH_NUMBER: N_("Approved, with number"),
    REPLACEMENT: N_("Replaced"),
    IN_CANCELLATION: N_("Waiting in Coretax"),
    CANCELLED_IN_CORETAX: N_("Cancelled"),
    REJECTED_IN_CORETAX: N_("Rejected"),
}
BUCKET_HINTS = {
    WAITING_EXPORT: N_("no range number and not in an XML file yet: export them as XML"),
    EXPORTED: N_("in an XML file, or a draft in Coretax: sign them there, then import Coretax's list"),
    WITH_NUMBER: N_("DJP approved them and gave each its 17-digit number"),
    REPLACEMENT: N_("a replacement was made in Coretax (or is on its way)"),
    IN_CANCELLATION: N_("a cancellation or replacement waits for approval in Coretax"),
    CANCELLED_IN_CORETAX: N_("cancelled in Coretax"),
    REJECTED_IN_CORETAX: N_("DJP refused them: correct them, export them again"),
}
_NORMAL_NUMBER = func.substr(Invoice.coretax_number, 3, 2) == CORETAX_NORMAL_STATUS


def bucket_conditions(bucket: str, holds_range_number) -> list:
    """The SQL conditions of one bucket; `holds_range_number` is the EXISTS of a live range number (such an
    invoice goes to the desktop CSV, never to Coretax as XML)."""
    route = [Invoice.tax_enabled.is_(True), ~holds_range_number]
    if bucket == WAITING_EXPORT:
        return route + [Invoice.status != STATUS_CANCELLED, Invoice.coretax_status.is_(None),
                        Invoice.exported_at.is_(None), Invoice.coretax_number.is_(None)]
    if bucket == EXPORTED:
        return route + [or_(and_(Invoice.coretax_status.is_(None), Invoice.exported_at.is_not(None),
                                 Invoice.coretax_number.is_(None)),
                            Invoice.coretax_status == STATE_CREATED)]
    if bucket == WITH_NUMBER:
        return route + [Invoice.coretax_status == STATE_APPROVED, _NORMAL_NUMBER]
    if bucket == REPLACEMENT:
        return route + [or_(and_(Invoice.coretax_status == STATE_APPROVED, ~_NORMAL_NUMBER),
                            Invoice.coretax_status == STATE_AMENDED)]
    if bucket == IN_CANCELLATION:
        return route + [Invoice.coretax_status.in_((STATE_WAITING_CANCELLATION, STATE_WAITING_AMENDMENT))]
    if bucket == CANCELLED_IN_CORETAX:
        return route + [Invoice.coretax_status == STATE_CANCELLED]
    if bucket == REJECTED_IN_CORETAX:
        return route + [Invoice.coretax_status == STATE_REJECTED]
    raise ValueError(bucket)


def bucket_of(invoice: Invoice, holds_range_number: bool) -> str | None:
    """The bucket of one invoice (the rules of bucket_conditions, in Python); None off the Coretax route."""
    if not invoice.tax_enabled or holds_range_number:
        return None
    state = invoice.coretax_status
    if state is None:
        if invoice.exported_at is not None:
            return EXPORTED
        return None if invoice.status == STATUS_CANCELLED else WAITING_EXPORT
    if state == STATE_APPROVED:
        normal = (invoice.coretax_number or "")[2:4] == CORETAX_NORMAL_STATUS
        return WITH_NUMBER if normal else REPLACEMENT
    return {STATE_CREATED: EXPORTED, STATE_AMENDED: REPLACEMENT, STATE_WAITING_CANCELLATION: IN_CANCELLATION,
            STATE_WAITING_AMENDMENT: IN_CANCELLATION, STATE_CANCELLED: CANCELLED_IN_CORETAX,
            STATE_REJECTED: REJECTED_IN_CORETAX}[state]


def bucket_counts(year: int, holds_range_number) -> dict[str, int]:
    """How many invoices dated `year` stand in each bucket, in one query over ix_invoice_coretax_route (every bucket
    is of the Coretax route: coretax_route_terms() only says so in the index's words)."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    columns = [func.count(case((and_(*bucket_conditions(bucket, holds_range_number)), 1))).label(bucket)
               for bucket in BUCKET_LABELS]
    row = db.session.execute(db.select(*columns).select_from(Invoice)
                             .where(*coretax_route_terms(), Invoice.invoice_date >= start, Invoice.invoice_date < end)
                             ).one()
    return {bucket: int(getattr(row, bucket) or 0) for bucket in BUCKET_LABELS}


@dataclass(frozen=True)
class Applied:
    kind: str  # one of the outcomes above
    message: str  # for the reader: what was recorded, or why not


def state_label(invoice: Invoice) -> str | None:
    """The invoice's Coretax state as people read it: Replacement for an approved replacement."""
    if invoice.coretax_status is None:
        return None
    if invoice.coretax_status == STATE_APPROVED and invoice.coretax_number and \
            invoice.coretax_number[2:4] != CORETAX_NORMAL_STATUS:
        return gettext(REPLACEMENT_LABEL)
    return gettext(STATE_LABELS[invoice.coretax_status])


def event_state_label(event: CoretaxEvent) -> str:
    """A history row's state as people read it."""
    if event.status is None:
        return gettext("Number taken back")
    if event.status == STATE_APPROVED and event.number and event.number[2:4] != CORETAX_NORMAL_STATUS:
        return gettext(REPLACEMENT_LABEL)
    return gettext(STATE_LABELS.get(event.status, event.status))


def source_label(source: str) -> str:
    return gettext(SOURCES[source]) if source in SOURCES else source


def number_problem(invoice: Invoice, number: str, holders: "Holders | None" = None) -> str | None:
    """Why a Coretax number cannot be this invoice's: not 17 digits, another code or year, held by another invoice
    (asked of `holders` when the caller keeps them, else of the database)."""
    try:
        parsed = coretax_number(number)
    except NameProblem as problem:
        return str(problem)
    if parsed.transaction_code != invoice.transaction_code:
        return gettext("%(digits)s has transaction code %(code)s; invoice %(invoice)s has %(invoice_code)s.",
                       digits=number, code=parsed.transaction_code, invoice=invoice.number,
                       invoice_code=invoice.transaction_code)
    if parsed.serial[:2] != f"{invoice.invoice_date.year % 100:02d}":
        return gettext("The year digits of %(digits)s are %(year_digits)s; invoice %(invoice)s is dated %(year)s.",
                       digits=number, year_digits=parsed.serial[:2], invoice=invoice.number,
                       year=str(invoice.invoice_date.year))
    if holders is not None:
        held_by = holders.holder(number)
        other = held_by[1] if held_by and held_by[0] != invoice.id else None
    else:
        other = db.session.scalar(db.select(Invoice.number).where(Invoice.coretax_number == number, Invoice.id != invoice.id))
    if other:
        return gettext("%(digits)s belongs to invoice %(other)s.", digits=number, other=other)
    return None


class Holders:
    """Which invoice holds which Coretax number, read once for many reports (an import's chunk) and kept up to date
    as they are applied: each report need not ask the database (nor flush) to see the ones before it."""

    def __init__(self, numbers: list[str]):
        self._by_number: dict[str, tuple[int, str]] = {}
        for i in range(0, len(numbers), 1000):
            for number, invoice_id, invoice_number in db.session.execute(
                    db.select(Invoice.coretax_number, Invoice.id, Invoice.number)
                    .where(Invoice.coretax_number.in_(numbers[i:i + 1000]))):
                self._by_number[number] = (invoice_id, invoice_number)

    def holder(self, number: str) -> tuple[int, str] | None:
        return self._by_number.get(number)

    def moved(self, invoice: Invoice, before: str | None) -> None:
        if before and self._by_number.get(before, (None,))[0] == invoice.id:
            del self._by_number[before]
        if invoice.coretax_number:
            self._by_number[invoice.coretax_number] = (invoice.id, invoice.number)


def _record(invoice: Invoice, number: str | None, state: str | None, source: str, detail: str = "",
            actor: str | None = None, holders: Holders | None = None) -> None:
    before = invoice.coretax_number
    invoice.coretax_number, invoice.coretax_status = number, state
    db.session.add(CoretaxEvent(invoice_id=invoice.id, at=utc_now(), number=number, status=state, source=source,
                                actor=current_actor()[1] if actor is None else actor, detail=detail[:300]))
    if holders is not None:
        holders.moved(invoice, before)


def apply_report(invoice: Invoice, number: str, status: str, source: str, detail: str = "", actor: str | None = None,
                 holders: Holders | None = None) -> Applied:
    """Record what Coretax says (`status`: one of the list's statuses; `number`: 17 digits, "" for a draft) on an
    invoice the caller holds locked. Writes nothing when the outcome is Unchanged or Not applied. An import passes
    its `actor` and `holders` once for many reports."""
    held, state = invoice.coretax_number, STATE_OF.get(status)

    def _set(invoice, number, state, source, detail=""):
        _record(invoice, number, state, source, detail, actor, holders)

    if state is None:
        return Applied(NOT_APPLIED, gettext("%(status)s is not a status Coretax writes.", status=status))
    if not number and state not in (STATE_CREATED, STATE_REJECTED):
        return Applied(NOT_APPLIED, gettext("A report with status %(status)s needs its 17-digit number.", status=status))
    if not number:  # a draft (or a rejected draft): no number yet
        if held and invoice.coretax_status == STATE_APPROVED:
            return Applied(UNCHANGED, gettext("Invoice %(invoice)s holds the approved number %(number)s already.",
                                              invoice=invoice.number, number=held))
        if invoice.coretax_status == state:
            return Applied(UNCHANGED, gettext("Nothing new for invoice %(invoice)s.", invoice=invoice.number))
        _set(invoice, held, state, source, detail)
        return Applied(RECORDED, gettext("Invoice %(invoice)s: %(state)s.", invoice=invoice.number,
                                         state=gettext(STATE_LABELS[state])))
    problem = number_problem(invoice, number, holders)
    if problem:
        return Applied(NOT_APPLIED, problem)
    if held == number:
        if invoice.coretax_status == state:
            return Applied(UNCHANGED, gettext("Nothing new for invoice %(invoice)s.", invoice=invoice.number))
        if state in (STATE_CREATED, STATE_REJECTED) and invoice.coretax_status == STATE_APPROVED:
            return Applied(UNCHANGED, gettext("Invoice %(invoice)s holds the approved number %(number)s already.",
                                              invoice=invoice.number, number=held))
        _set(invoice, number, state, source, detail)
        kind = CANCELLED if state == STATE_CANCELLED else RECORDED
        return Applied(kind, gettext("Invoice %(invoice)s: %(number)s, %(state)s.", invoice=invoice.number,
                                     number=number, state=gettext(STATE_LABELS[state])))
    if held is None:
        _set(invoice, number, state, source, detail)
        kind = CANCELLED if state == STATE_CANCELLED else RECORDED
        return Applied(kind, gettext("Invoice %(invoice)s: %(number)s, %(state)s.", invoice=invoice.number,
                                     number=number, state=gettext(STATE_LABELS[state])))
    # The invoice holds another number.
    same_serial = held[4:] == number[4:]
    if same_serial and number[2:4] > held[2:4]:  # a later status code of the same serial: its replacement
        if state == STATE_APPROVED:
            _set(invoice, number, state, source, detail)
            return Applied(REPLACED, gettext("Invoice %(invoice)s: %(old)s is replaced by %(number)s.",
                                             invoice=invoice.number, old=held, number=number))
        return Applied(NOT_APPLIED, gettext("%(number)s replaces %(old)s but is %(status)s, not approved: invoice "
                                            "%(invoice)s keeps %(old)s.", number=number, old=held, status=status,
                                            invoice=invoice.number))
    if same_serial:  # an older number of this invoice (the original after its replacement)
        return Applied(UNCHANGED, gettext("%(number)s is the earlier number of invoice %(invoice)s, which holds its "
                                          "replacement %(held)s.", number=number, invoice=invoice.number, held=held))
    return Applied(NOT_APPLIED, gettext("Invoice %(invoice)s holds %(held)s already: a second number (%(number)s, "
                                        "%(status)s) is not taken.", invoice=invoice.number, held=held, number=number,
                                        status=status))


def clear_number(invoice: Invoice, source: str) -> None:
    """Take a typed number back (the page's empty Coretax Number): the invoice is as if Coretax had said nothing."""
    _record(invoice, None, None, source)


def history(invoice_id: int) -> list[CoretaxEvent]:
    return list(db.session.scalars(db.select(CoretaxEvent).where(CoretaxEvent.invoice_id == invoice_id)
                                   .order_by(CoretaxEvent.at, CoretaxEvent.id)))


def take_back_pdf_number(invoice: Invoice, number: str, source: str = "page") -> bool:
    """A wrongly matched Coretax PDF is removed: the number it gave the invoice goes with it, back to what the
    invoice held before (a number recorded otherwise stays). Returns whether anything changed."""
    events = history(invoice.id)
    if not events or events[-1].source != "pdf" or events[-1].number != number or invoice.coretax_number != number:
        return False
    before = events[-2] if len(events) > 1 else None
    _record(invoice, before.number if before else None, before.status if before else None, source,
         gettext("the PDF that gave %(number)s was removed", number=number))
    return True


class CoretaxRefused(Refused):
    """A Coretax number typed on the invoice's page (or sent through the API) that cannot be recorded."""


def record_coretax_number(invoice_id: int, text: str, source: str = "page", status: str = APPROVED) -> Invoice:
    """Record (or clear, with an empty text) the number DJP assigned the invoice in Coretax, by the rules of
    invoices/coretax.py (typed on the invoice's page, or sent through the API with its state)."""
    text = "".join((text or "").split())
    with write_transaction():
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if invoice is None:
            raise CoretaxRefused({"coretax_number": gettext("This invoice no longer exists.")})
        has_coretax_file = db.session.scalar(
            db.select(EfakturFile.id).where(EfakturFile.invoice_id == invoice_id, EfakturFile.kind == CORETAX).limit(1)
        )
        if has_coretax_file and text != (invoice.coretax_number or ""):
            raise CoretaxRefused(
                {"coretax_number": gettext("The Coretax PDF of this invoice is uploaded: its number stays as the PDF "
                                           "says.")}
            )
        if text and db.session.scalar(db.select(holds_a_number()).where(Invoice.id == invoice_id)):
            raise CoretaxRefused({"coretax_number": gettext(
                "This invoice is numbered from an NSFP range, so it goes to e-Faktur desktop as CSV: Coretax gives it no "
                "number of its own.")})
        before = invoice.coretax_number
        if not text and source == "page":
            if before is None and invoice.coretax_status is None:
                return invoice
            clear_number(invoice, source)
        else:
            applied = apply_report(invoice, text, status, source)
            if applied.kind == NOT_APPLIED:
                raise CoretaxRefused({"coretax_number": applied.message})
            if applied.kind == UNCHANGED:
                return invoice
        record("invoice.coretax_number", N_("Invoice %(number)s: Coretax number %(before)s to %(after)s."),
               subject=f"invoice:{invoice.id}", number=invoice.number, before=before or {"t": N_("(none)")},
               after=invoice.coretax_number or {"t": N_("(none)")})
    return invoice
