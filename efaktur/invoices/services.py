"""Creating, editing and changing the status of invoices. Numbers are the ledger's business (numbers/ledger.py)."""
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, cast, func, text
from sqlalchemy.exc import IntegrityError

from ..activity.services import record
from ..database import is_postgresql, write_transaction
from ..errors import Refused
from ..extensions import db
from ..goods import DEFAULT_UNIT, GOODS, NO_GOODS_CODE
from ..identity import BUYER_DOCUMENTS, BUYER_TIN, DEFAULT_COUNTRY
from ..lang import N_, gettext
from ..nsfp import CORETAX_ONLY_CODE, INVOICE_TRANSACTION_CODES
from ..numbers.ledger import change_live_code, live_number_of
from ..vat import RATE_12_FROM, Line, compute_vat
from .models import STATUS_CANCELLED, STATUS_LABELS, STORED_STATUSES, Invoice, InvoiceLine

MAX_LINES = 100
INVOICE_NUMBER_MAX_LENGTH = 40
GENERATED_PREFIX = "INV-{year}-"
GENERATED_DIGITS = 6  # INV-2026-000001
# Hand-typed numbers of the generated shape count for the next number only up to this many
# sequence digits: INV-2026-99999999999999999999 must not push the next one past the column.
MAX_SEQUENCE_DIGITS = 9


_NUMBER_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*")


class InvoiceRefused(Refused):
    pass


def invoice_number_problem(number: str) -> str | None:
    """Why a typed Invoice No cannot be used, or None."""
    if len(number) > INVOICE_NUMBER_MAX_LENGTH:
        return gettext("An Invoice No has at most %(invoice_number_max_length)s characters.",
                       invoice_number_max_length=INVOICE_NUMBER_MAX_LENGTH)
    if not _NUMBER_SHAPE.fullmatch(number):
        return gettext("Use letters, digits and / . _ - only, starting with a letter or digit.")
    return None


@dataclass(frozen=True)
class DraftLine(Line):
    """A line as typed: the VAT's Line plus what the tax office's files want to know of it."""

    kind: str = GOODS
    goods_code: str = NO_GOODS_CODE
    unit: str = DEFAULT_UNIT


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice's fields as parsed by a form or the API (every value already checked on its own)."""

    number: str
    customer_name: str
    npwp_name: str
    npwp: str
    address: str
    invoice_date: date
    due_date: date
    tax_enabled: bool
    transaction_code: str
    lines: list[DraftLine]
    customer_email: str = ""
    customer_language: str = "id"  # of the customer's e-Faktur e-mail
    buyer_document: str = BUYER_TIN
    buyer_document_number: str = ""
    buyer_country: str = DEFAULT_COUNTRY
    # Filled in by the service: the fields an edit changed, for the activity log.
    changed: list[str] = field(default_factory=list, compare=False)


# What the activity log calls each field when an edit changes it.
FIELD_LABELS = {
    "number": N_("Invoice No"),
    "customer_name": N_("Customer Name"),
    "npwp_name": N_("NPWP Name"),
    "npwp": N_("NPWP"),
    "address": N_("Address"),
    "customer_email": N_("Customer Email"),
    "customer_language": N_("E-mail Language"),
    "buyer_document": N_("Buyer ID"),
    "buyer_document_number": N_("ID Number"),
    "buyer_country": N_("Country"),
    "invoice_date": N_("Invoice Date"),
    "due_date": N_("Due Date"),
    "tax_enabled": N_("Invoice Tax"),
    "transaction_code": N_("Transaction Code"),
}


def _check_draft(draft: InvoiceDraft) -> None:
    """The rules a draft must meet whoever sends it (form or API)."""
    errors = {}
    problem = invoice_number_problem(draft.number) if draft.number else None
    if problem:
        errors["number"] = problem
    if draft.transaction_code not in INVOICE_TRANSACTION_CODES:
        errors["transaction_code"] = gettext("Choose a transaction code from the list.")
    elif draft.transaction_code == CORETAX_ONLY_CODE and draft.invoice_date < RATE_12_FROM:
        errors["transaction_code"] = gettext("Code 10 exists only in Coretax, for invoices dated from 1 January 2025.")
    if draft.due_date < draft.invoice_date:
        errors["due_date"] = gettext("The due date cannot be before the invoice date.")
    if not draft.lines:
        errors["lines"] = gettext("Add at least one line.")
    elif len(draft.lines) > MAX_LINES:
        errors["lines"] = gettext("An invoice has at most %(max_lines)s lines; this one has %(count)s. Split it in "
                                  "two.", max_lines=MAX_LINES, count=len(draft.lines))
    if draft.buyer_document not in BUYER_DOCUMENTS:
        errors["buyer_document"] = gettext("Choose how the buyer is identified.")
    if errors:
        raise InvoiceRefused(errors)


def _lock_invoice_numbers() -> None:
    """Two people saving at once must not both take the same (generated) number.

    SQLite: the write transaction holds the database lock already.
    """
    if is_postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('efaktur.invoice_number'))"))


def next_invoice_number(year: int) -> str:
    """INV-<year>-<highest sequence of that year + 1>, ignoring sequences of absurd length."""
    prefix = GENERATED_PREFIX.format(year=year)
    sequence = func.substr(Invoice.number, len(prefix) + 1)
    lowered = func.lower(Invoice.number)
    highest = db.session.scalar(
        db.select(func.max(cast(sequence, BigInteger))).where(
            # A range on lower(number) walks the unique index instead of the whole table.
            lowered >= prefix.lower() + "0",
            lowered < prefix.lower() + ":",
            Invoice.number.regexp_match(f"^{re.escape(prefix)}[0-9]{{1,{MAX_SEQUENCE_DIGITS}}}$"),
        )
    )
    following = (highest or 0) + 1
    if len(str(following)) > MAX_SEQUENCE_DIGITS:
        raise InvoiceRefused({"number": gettext("Generated invoice numbers for %(year)s are used up; type the "
                                                "Invoice No.", year=str(year))})
    return prefix + f"{following:0{GENERATED_DIGITS}d}"


def _number_taken(number: str, exclude_id: int | None = None) -> str | None:
    """The existing invoice number equal to `number` whatever the letter case, if any."""
    query = db.select(Invoice.number).where(func.lower(Invoice.number) == number.lower())
    if exclude_id is not None:
        query = query.where(Invoice.id != exclude_id)
    return db.session.scalar(query.limit(1))


def _taken_message(number: str, existing: str) -> str:
    if existing == number:
        return gettext("Invoice No %(number)s exists already.", number=number)
    return gettext("Invoice No %(number)s exists already as %(existing)s (letter case does not make a new number).",
                   number=number, existing=existing)


def _apply(invoice: Invoice, draft: InvoiceDraft, number: str) -> None:
    amounts = compute_vat(draft.invoice_date, draft.transaction_code, draft.lines, draft.tax_enabled)
    invoice.number = number
    invoice.customer_name = draft.customer_name
    invoice.npwp_name = draft.npwp_name
    invoice.npwp = draft.npwp if draft.buyer_document == BUYER_TIN else ""
    invoice.address = draft.address
    invoice.customer_email = draft.customer_email
    invoice.customer_language = draft.customer_language
    invoice.buyer_document = draft.buyer_document
    invoice.buyer_document_number = "" if draft.buyer_document == BUYER_TIN else draft.buyer_document_number
    invoice.buyer_country = draft.buyer_country
    invoice.invoice_date = draft.invoice_date
    invoice.due_date = draft.due_date
    invoice.tax_enabled = draft.tax_enabled
    invoice.transaction_code = draft.transaction_code
    invoice.dpp = amounts.dpp
    invoice.dpp_other = amounts.dpp_other
    invoice.vat_rate = amounts.rate_percent
    invoice.ppn = amounts.ppn
    invoice.lines = [
        InvoiceLine(
            position=i, item=line.item, quantity=line.quantity, unit_price=line.unit_price, total=line.total,
            kind=line.kind, goods_code=line.goods_code, unit=line.unit,
        )
        for i, line in enumerate(draft.lines)
    ]


def _flush_or_refuse(number: str) -> None:
    """The unique index has the last word: a clash it catches is a refusal, not a crash."""
    try:
        db.session.flush()
    except IntegrityError:
        raise InvoiceRefused({"number": gettext("Invoice No %(number)s exists already.", number=number)}) from None


def create_invoice(draft: InvoiceDraft, api_token_id: int | None = None, external_ref: str | None = None) -> Invoice:
    """A new invoice; through the API it carries its token and the caller's own reference."""
    _check_draft(draft)
    with write_transaction():
        _lock_invoice_numbers()
        number = draft.number or next_invoice_number(draft.invoice_date.year)
        existing = _number_taken(number)
        if existing:
            raise InvoiceRefused({"number": _taken_message(number, existing)})
        invoice = Invoice(status="unpaid", api_token_id=api_token_id, external_ref=external_ref)
        _apply(invoice, draft, number)
        db.session.add(invoice)
        _flush_or_refuse(number)
        record(
            "invoice.created",
            N_("Created invoice %(number)s for %(customer)s (DPP %(dpp)s, PPN %(ppn)s)."),
            subject=f"invoice:{invoice.id}", number=invoice.number, customer=invoice.customer_name, dpp=invoice.dpp,
            ppn=invoice.ppn,
        )
    return invoice


def _lock(invoice_id: int) -> Invoice | None:
    return db.session.scalars(
        db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def edit_refusal(invoice: Invoice) -> str | None:
    """Why this invoice cannot be edited at all, or None (the service checks again under lock)."""
    if invoice.efaktur_reported_at is not None:
        return (
            gettext("This invoice was reported to the tax office (its e-Faktur PDF is uploaded), so it cannot " "be edited. Make a replacement invoice instead.")
        )
    if invoice.status == STATUS_CANCELLED:
        return gettext("A cancelled invoice cannot be edited.")
    return None


def _line_values(lines) -> list[tuple]:
    return [(l.item, l.quantity, l.unit_price, l.kind, l.goods_code, l.unit) for l in lines]


def _changes(invoice: Invoice, draft: InvoiceDraft, number: str) -> list[str]:
    """Human descriptions of what the draft changes, e.g. "Customer Name: PT A to PT B"."""
    changes = []
    new_values = {**{name: getattr(draft, name) for name in FIELD_LABELS}, "number": number}
    if new_values["buyer_document"] != BUYER_TIN:
        new_values["npwp"] = ""
    else:
        new_values["buyer_document_number"] = ""
    for name, label in FIELD_LABELS.items():
        old, new = getattr(invoice, name), new_values[name]
        if old != new:
            if isinstance(old, bool):
                old, new = ("on" if old else "off"), ("on" if new else "off")
            changes.append(f"{label}: {old or '(empty)'} to {new or '(empty)'}")
    if _line_values(invoice.lines) != _line_values(draft.lines):
        changes.append(f"lines ({len(invoice.lines)} to {len(draft.lines)})")
    return changes


def update_invoice(invoice_id: int, draft: InvoiceDraft) -> tuple[Invoice, list[str]]:
    """Edit an invoice; returns it and the list of changes (empty when nothing changed).

    While it holds no number everything may change. Holding one, everything but the year
    of its date (the number belongs to that year); its Invoice Tax stays on and its code
    stays one an E-Faktur No can carry. A reported or cancelled invoice is not edited.
    Any change sends the Export Status back to Not Exported.
    """
    _check_draft(draft)
    number = draft.number.strip()
    if not number:
        raise InvoiceRefused({"number": gettext("Enter the Invoice No.")})
    with write_transaction():
        _lock_invoice_numbers()
        invoice = _lock(invoice_id)  # lock order as in the ledger: the invoice first
        if invoice is None:
            raise InvoiceRefused({"number": gettext("This invoice no longer exists.")})
        refusal = edit_refusal(invoice)
        if refusal:
            raise InvoiceRefused({"number": refusal})
        live = live_number_of(invoice.id)
        if live is not None:
            held = gettext("This invoice holds E-Faktur No %(efaktur_no)s", efaktur_no=live.efaktur_no)
            errors = {}
            if draft.invoice_date.year != invoice.invoice_date.year:
                errors["invoice_date"] = gettext("%(held)s of %(year)s: its date must stay in %(year)s.",
                                                 held=held, year=str(invoice.invoice_date.year))
            if not draft.tax_enabled:
                errors["tax_enabled"] = gettext("%(held)s: Invoice Tax stays on.", held=held)
            if draft.transaction_code == CORETAX_ONLY_CODE:
                errors["transaction_code"] = gettext("%(held)s; code 10 exists only in Coretax and carries no "
                                                     "E-Faktur No.", held=held)
            if errors:
                raise InvoiceRefused(errors)
        existing = _number_taken(number, exclude_id=invoice.id)
        if existing:
            raise InvoiceRefused({"number": _taken_message(number, existing)})
        changes = _changes(invoice, draft, number)
        if not changes:
            return invoice, []
        _apply(invoice, draft, number)
        invoice.revision += 1
        invoice.exported_at = None
        invoice.exported_by = None
        _flush_or_refuse(number)
        if live is not None and live.transaction_code != invoice.transaction_code:
            before = live.efaktur_no
            change_live_code(invoice.id, invoice.transaction_code)
            db.session.refresh(live)
            changes.append(f"E-Faktur No {before} became {live.efaktur_no}")
        record(
            "invoice.edited",
            N_("Edited invoice %(number)s: %(changes)s."),
            subject=f"invoice:{invoice.id}", number=invoice.number, changes="; ".join(changes),
        )
    return invoice, changes


# Cancelled is final: a cancelled invoice stays cancelled (its number may then be cancelled too).
ALLOWED_STATUS_CHANGES = {
    "unpaid": {"partially_paid", "paid", "cancelled"},
    "partially_paid": {"unpaid", "paid", "cancelled"},
    "paid": {"unpaid", "partially_paid", "cancelled"},
    "cancelled": set(),
}


def change_status(invoice_id: int, new_status: str) -> Invoice:
    if new_status not in STORED_STATUSES:
        raise InvoiceRefused({"status": gettext("Choose a status from the list.")})
    with write_transaction():
        invoice = _lock(invoice_id)
        if invoice is None:
            raise InvoiceRefused({"status": gettext("This invoice no longer exists.")})
        if new_status == invoice.status:
            return invoice
        if new_status not in ALLOWED_STATUS_CHANGES[invoice.status]:
            raise InvoiceRefused(
                {"status": gettext("A %(before)s invoice cannot become %(after)s.",
                                   before=gettext(STATUS_LABELS[invoice.status]),
                                   after=gettext(STATUS_LABELS[new_status]))}
            )
        old = invoice.status
        invoice.status = new_status
        record(
            "invoice.status",
            N_("Invoice %(number)s: %(before)s to %(after)s."),
            subject=f"invoice:{invoice.id}", number=invoice.number, before={"t": STATUS_LABELS[old]},
            after={"t": STATUS_LABELS[new_status]},
        )
    return invoice


def is_cancellable_number(invoice: Invoice, live_assignment) -> bool:
    """Whether Cancel E-Faktur No is offered (the ledger checks again under lock)."""
    return (
        live_assignment is not None
        and invoice.status == STATUS_CANCELLED
        and invoice.tax_enabled
        and invoice.efaktur_reported_at is None
    )
