"""Creating, editing and changing the status of invoices. Numbers are the ledger's business (numbers/ledger.py)."""
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, cast, func, text
from sqlalchemy.exc import IntegrityError

from efaktur.activity.services import current_actor, record
from efaktur.customers.models import Customer, customer_values
from efaktur.customers.services import customer_named, insert_customer
from efaktur.database import is_postgresql, write_transaction
from efaktur.extensions import db
from efaktur.invoices.models import STATUS_CANCELLED, STATUS_LABELS, STORED_STATUSES, Invoice, InvoiceLine
from efaktur.language.i18n import local_time
from efaktur.language.lang import N_, gettext
from efaktur.numbers.ledger import change_live_code, live_number_of
from efaktur.rules.amounts import RATE_12_FROM, InvoiceAmounts, Line, compute_amounts
from efaktur.rules.clock import utc_now
from efaktur.rules.facilities import NO_FACILITY, Facility, needs_facility
from efaktur.rules.goods import DEFAULT_UNIT, GOODS, NO_GOODS_CODE
from efaktur.rules.identity import BUYER_DOCUMENTS, BUYER_TIN, DEFAULT_COUNTRY, HEAD_OFFICE_LOCATION
from efaktur.rules.nsfp import CORETAX_ONLY_CODE, INVOICE_TRANSACTION_CODES, format_efaktur_no
from efaktur.web.errors import Refused, check_revision

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
    buyer_branch_code: str = HEAD_OFFICE_LOCATION  # the 6-digit suffix of the buyer's NITKU
    facility: Facility = NO_FACILITY  # codes 07 and 08 only
    # The customer the buyer's fields came from; or, for a buyer typed by hand, keep it as a new customer.
    customer_id: int | None = None
    save_as_customer: bool = False
    # Filled in by the service: the fields an edit changed, for the activity log.
    changed: list[str] = field(default_factory=list, compare=False)

    @property
    def amounts(self) -> InvoiceAmounts:
        return compute_amounts(self.invoice_date, self.transaction_code, self.lines, self.tax_enabled)


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
    "buyer_branch_code": N_("Branch code (NITKU)"),
    "invoice_date": N_("Invoice Date"),
    "due_date": N_("Due Date"),
    "tax_enabled": N_("Invoice Tax"),
    "transaction_code": N_("Transaction Code"),
    "facility_add_info": N_("Keterangan Tambahan"),
    "facility_stamp": N_("Cap Fasilitas"),
    "custom_doc": N_("Supporting document"),
    "custom_doc_period": N_("Supporting document period"),
}


def check_draft(draft: InvoiceDraft) -> None:
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
    elif any(line.discount_problem for line in draft.lines):
        errors["lines"] = gettext("A line's discount cannot be more than its unit price x quantity.")
    elif len(draft.lines) > MAX_LINES:
        errors["lines"] = gettext("An invoice has at most %(max_lines)s lines; this one has %(count)s. Split it in "
                                  "two.", max_lines=MAX_LINES, count=len(draft.lines))
    if draft.buyer_document not in BUYER_DOCUMENTS:
        errors["buyer_document"] = gettext("Choose how the buyer is identified.")
    if needs_facility(draft.transaction_code) and draft.tax_enabled and not (draft.facility.add_info and draft.facility.stamp):
        errors["add_info"] = gettext("Code %(code)s needs its facility and stamp from DJP's lists.",
                                     code=draft.transaction_code)
    if errors:
        raise InvoiceRefused(errors)


def lock_invoice_numbers() -> None:
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


def _column_values(draft: InvoiceDraft, number: str) -> dict:
    """The invoice's columns (but its amounts) as a draft sets them."""
    tin = draft.buyer_document == BUYER_TIN
    facility = draft.facility if needs_facility(draft.transaction_code) else NO_FACILITY
    return {
        "number": number,
        "customer_name": draft.customer_name,
        "npwp_name": draft.npwp_name,
        "npwp": draft.npwp if tin else "",
        "address": draft.address,
        "customer_email": draft.customer_email,
        "customer_language": draft.customer_language,
        "buyer_document": draft.buyer_document,
        "buyer_document_number": "" if tin else draft.buyer_document_number,
        "buyer_country": draft.buyer_country,
        "buyer_branch_code": draft.buyer_branch_code if tin else HEAD_OFFICE_LOCATION,
        "invoice_date": draft.invoice_date,
        "due_date": draft.due_date,
        "tax_enabled": draft.tax_enabled,
        "transaction_code": draft.transaction_code,
        "facility_add_info": facility.add_info,
        "facility_stamp": facility.stamp,
        "custom_doc": facility.custom_doc,
        "custom_doc_period": facility.custom_doc_period,
    }


def draft_rows(draft: InvoiceDraft, number: str) -> tuple[dict, list[dict]]:
    """The invoice's columns and its lines' columns as a draft makes them, figures computed by amounts.py: the one
    place a draft becomes rows (a new invoice, an edit, the import's bulk insert)."""
    amounts = draft.amounts
    values = _column_values(draft, number)
    values.update(dpp_cents=amounts.dpp, dpp_other_cents=amounts.dpp_other, vat_rate=amounts.rate_percent,
                  vat_cents=amounts.vat)
    lines = [{"position": i, "item": line.item, "quantity": line.quantity, "unit_price": line.unit_price,
              "discount": line.discount, "kind": line.kind, "goods_code": line.goods_code, "unit": line.unit,
              "tax_base_cents": figures.tax_base, "other_tax_base_cents": figures.other_tax_base,
              "vat_cents": figures.vat}
             for i, (line, figures) in enumerate(zip(draft.lines, amounts.lines, strict=True))]
    return values, lines


def _apply(invoice: Invoice, draft: InvoiceDraft, number: str) -> None:
    values, lines = draft_rows(draft, number)
    for name, value in values.items():
        setattr(invoice, name, value)
    invoice.lines = [InvoiceLine(**line) for line in lines]


def _store_figures(invoice: Invoice, amounts: InvoiceAmounts, lines: list[InvoiceLine]) -> None:
    """The figures amounts.py computed, on the invoice and on each of its lines."""
    invoice.dpp_cents = amounts.dpp
    invoice.dpp_other_cents = amounts.dpp_other
    invoice.vat_rate = amounts.rate_percent
    invoice.vat_cents = amounts.vat
    for line, figures in zip(lines, amounts.lines, strict=True):
        line.tax_base_cents = figures.tax_base
        line.other_tax_base_cents = figures.other_tax_base
        line.vat_cents = figures.vat


def _flush_or_refuse(number: str) -> None:
    """The unique index has the last word: a clash it catches is a refusal, not a crash."""
    try:
        db.session.flush()
    except IntegrityError:
        raise InvoiceRefused({"number": gettext("Invoice No %(number)s exists already.", number=number)}) from None


def _customer_of(draft: InvoiceDraft) -> int | None:
    """The invoice's customer: the one chosen (if it still exists), or the buyer kept now as a new one."""
    if draft.save_as_customer:
        existing = customer_named(draft.customer_name)
        if existing:
            raise InvoiceRefused({"save_customer": gettext(
                "A customer named %(name)s exists already: choose it from the suggestions, or untick Save as a "
                "customer.", name=existing.name)})
        return insert_customer(customer_values(
            draft.customer_name, draft.npwp_name, draft.buyer_document, draft.npwp, draft.buyer_document_number,
            draft.buyer_country, draft.buyer_branch_code, draft.address, draft.customer_email,
            draft.customer_language)).id
    if draft.customer_id is not None and db.session.get(Customer, draft.customer_id) is not None:
        return draft.customer_id
    return None


def add_invoice(draft: InvoiceDraft, number: str, api_token_id: int | None = None,
                external_ref: str | None = None) -> Invoice:
    """The new invoice of a checked draft, added to the session (the caller's write transaction, its number
    locked and free), for New Invoice and the API; the import adds many at once with insert_invoices."""
    invoice = Invoice(status="unpaid", api_token_id=api_token_id, external_ref=external_ref)
    _apply(invoice, draft, number)
    invoice.customer_id = _customer_of(draft)
    db.session.add(invoice)
    return invoice


def insert_invoices(drafts: list[InvoiceDraft], chunk: int = 1000) -> list[int]:
    """Many new invoices of checked drafts (their numbers locked and free, no customer to keep), inserted a chunk
    at a time as draft_rows makes them, in the caller's write transaction: the import's way to add_invoice, without
    an ORM object per invoice and line. Their ids, in the drafts' order."""
    ids = []
    invoices, lines_table = Invoice.__table__, InvoiceLine.__table__
    for start in range(0, len(drafts), chunk):
        rows = [draft_rows(draft, draft.number) for draft in drafts[start:start + chunk]]
        returned = db.session.execute(
            invoices.insert().returning(invoices.c.id, sort_by_parameter_order=True),
            [{**values, "status": "unpaid", "customer_id": None} for values, _ in rows]).scalars().all()
        db.session.execute(lines_table.insert(), [{**line, "invoice_id": invoice_id}
                                                  for invoice_id, (_, lines) in zip(returned, rows, strict=True)
                                                  for line in lines])
        ids.extend(returned)
    return ids


def create_invoice(draft: InvoiceDraft, api_token_id: int | None = None, external_ref: str | None = None) -> Invoice:
    """A new invoice; through the API it carries its token and the caller's own reference."""
    check_draft(draft)
    with write_transaction():
        lock_invoice_numbers()
        number = draft.number or next_invoice_number(draft.invoice_date.year)
        existing = _number_taken(number)
        if existing:
            raise InvoiceRefused({"number": _taken_message(number, existing)})
        invoice = add_invoice(draft, number, api_token_id, external_ref)
        _flush_or_refuse(number)
        record(
            "invoice.created",
            N_("Created invoice %(number)s for %(customer)s (DPP %(dpp)s, PPN %(ppn)s)."),
            subject=f"invoice:{invoice.id}", number=invoice.number, customer=invoice.customer_name,
            dpp={"cents": invoice.dpp_cents}, ppn=invoice.ppn,
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


LINE_FIELD_LABELS = {
    "item": N_("Item"),
    "kind": N_("Goods or Services"),
    "goods_code": N_("Code"),
    "unit": N_("Unit"),
    "quantity": N_("Quantity"),
    "unit_price": N_("Unit Price"),
    "discount": N_("Discount"),
}
EMPTY = {"t": N_("(empty)")}
ON, OFF = {"t": N_("on")}, {"t": N_("off")}


def _shown(value):
    """A value as the activity log keeps it for its reader: booleans and empty values as words."""
    if isinstance(value, bool):
        return ON if value else OFF
    if value is None or value == "":
        return EMPTY
    if isinstance(value, date):
        return value.isoformat()
    return value


def _line_value(name: str, value):
    if name == "quantity":
        return {"qty": str(value)}
    return _shown(value)


def _line_changes(old_lines, new_lines) -> list[dict]:
    """Line by line: what changed (line 2 Unit Price: 100,000 to 120,000), what was added or removed."""
    changes = []
    for position in range(max(len(old_lines), len(new_lines))):
        line_no = position + 1
        if position >= len(old_lines):
            new = new_lines[position]
            changes.append({"m": N_("line %(line)s added: %(item)s, %(quantity)s x %(price)s"), "line": line_no,
                            "item": new.item, "quantity": {"qty": str(new.quantity)}, "price": new.unit_price})
        elif position >= len(new_lines):
            changes.append({"m": N_("line %(line)s removed: %(item)s"), "line": line_no,
                            "item": old_lines[position].item})
        else:
            old, new = old_lines[position], new_lines[position]
            for name, label in LINE_FIELD_LABELS.items():
                before, after = getattr(old, name), getattr(new, name)
                if before != after:
                    changes.append({"m": N_("line %(line)s %(field)s: %(before)s to %(after)s"), "line": line_no,
                                    "field": {"t": label}, "before": _line_value(name, before),
                                    "after": _line_value(name, after)})
    return changes


def _changes(invoice: Invoice, draft: InvoiceDraft, number: str) -> list[dict]:
    """What the draft changes, as the activity log's items: each field before and after, the lines, and
    the totals when they move (DPP 100,000.00 to 120,000.00; PPN 11,000 to 13,200)."""
    changes = []
    for name, new in _column_values(draft, number).items():
        old = getattr(invoice, name)
        if old != new:
            changes.append({"m": N_("%(field)s: %(before)s to %(after)s"), "field": {"t": FIELD_LABELS[name]},
                            "before": _shown(old), "after": _shown(new)})
    changes += _line_changes(invoice.lines, draft.lines)
    amounts = draft.amounts
    if changes and amounts.dpp != invoice.dpp_cents:
        changes.append({"m": N_("DPP %(before)s to %(after)s"), "before": {"cents": invoice.dpp_cents},
                        "after": {"cents": amounts.dpp}})
    if changes and amounts.ppn != invoice.ppn:
        changes.append({"m": N_("PPN %(before)s to %(after)s"), "before": invoice.ppn, "after": amounts.ppn})
    return changes


def _edited(invoice: Invoice) -> None:
    """An edit was saved: its revision counts it, who and when are kept, and it is Not Exported again."""
    invoice.revision += 1
    invoice.edited_by, invoice.edited_at = current_actor()[1], utc_now()
    invoice.exported_at = None
    invoice.exported_by = None


@dataclass(frozen=True)
class CodeChange:
    """What changing a numbered invoice's transaction code does: asked before it is saved."""

    efaktur_no_before: str
    efaktur_no_after: str
    ppn_before: int
    ppn_after: int


class CodeChangeUnconfirmed(Refused):
    """The edit changes the transaction code of an invoice that holds an E-Faktur No: ask first."""

    def __init__(self, change: CodeChange):
        super().__init__({"transaction_code": gettext(
            "E-Faktur No %(before)s becomes %(after)s, and the PPN %(ppn_before)s becomes %(ppn_after)s.",
            before=change.efaktur_no_before, after=change.efaktur_no_after, ppn_before=change.ppn_before,
            ppn_after=change.ppn_after)})
        self.change = change


def update_invoice(invoice_id: int, draft: InvoiceDraft, code_change_confirmed: bool = False,
                   expected_revision: int | None = None) -> tuple[Invoice, list[dict]]:
    """Edit an invoice; returns it and the list of changes (empty when nothing changed).

    While it holds no number everything may change. Holding one, everything but the year
    of its date (the number belongs to that year); its Invoice Tax stays on and its code
    stays one an E-Faktur No can carry, and a new code (which changes the E-Faktur No and
    may change the PPN) is saved only once confirmed: CodeChangeUnconfirmed says what it does.
    A reported or cancelled invoice is not edited. Any change sends the Export Status back
    to Not Exported. A form opened at `expected_revision` is refused (StaleEdit) when the
    invoice was saved since.
    """
    check_draft(draft)
    number = draft.number.strip()
    if not number:
        raise InvoiceRefused({"number": gettext("Enter the Invoice No.")})
    with write_transaction():
        lock_invoice_numbers()
        invoice = _lock(invoice_id)  # lock order as in the ledger: the invoice first
        if invoice is None:
            raise InvoiceRefused({"number": gettext("This invoice no longer exists.")})
        refusal = edit_refusal(invoice)
        if refusal:
            raise InvoiceRefused({"number": refusal})
        check_revision(expected_revision, invoice.revision, gettext("Invoice %(number)s", number=invoice.number),
                       invoice.edited_by, local_time(invoice.edited_at))
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
            if draft.transaction_code != live.transaction_code and not code_change_confirmed:
                raise CodeChangeUnconfirmed(CodeChange(
                    live.efaktur_no, format_efaktur_no(draft.transaction_code, live.status_digit, live.number),
                    invoice.ppn, draft.amounts.ppn))
        existing = _number_taken(number, exclude_id=invoice.id)
        if existing:
            raise InvoiceRefused({"number": _taken_message(number, existing)})
        changes = _changes(invoice, draft, number)
        if not changes:
            return invoice, []
        _apply(invoice, draft, number)
        invoice.customer_id = _customer_of(draft)
        _edited(invoice)
        _flush_or_refuse(number)
        if live is not None and live.transaction_code != invoice.transaction_code:
            before = live.efaktur_no
            change_live_code(invoice.id, invoice.transaction_code)
            db.session.refresh(live)
            changes.append({"m": N_("E-Faktur No %(before)s became %(after)s"), "before": before,
                            "after": live.efaktur_no})
        record(
            "invoice.edited",
            N_("Edited invoice %(number)s: %(changes)s."),
            subject=f"invoice:{invoice.id}", number=invoice.number, changes={"each": changes},
        )
    return invoice, changes


def recomputed_amounts(invoice: Invoice) -> InvoiceAmounts | None:
    """The figures the amount model gives the invoice's lines today, when they differ from the stored
    ones (an invoice exported before DJP's line-by-line rules keeps what the tax office got); None
    when they agree, or when the invoice was reported (its figures are the tax office's for good)."""
    if invoice.efaktur_reported_at is not None:
        return None
    fresh = compute_amounts(invoice.invoice_date, invoice.transaction_code,
                            [Line(line.item, line.quantity, line.unit_price, line.discount) for line in invoice.lines],
                            invoice.tax_enabled)
    stored = invoice.amounts
    same = (fresh.rate_percent, fresh.dpp_other, fresh.lines) == (stored.rate_percent, stored.dpp_other, stored.lines)
    return None if same else fresh


def recompute_invoice(invoice_id: int) -> tuple[Invoice, InvoiceAmounts, InvoiceAmounts]:
    """Store the amount model's figures on an invoice whose stored ones are from the old rules;
    it is Not Exported again (the tax office must get the new figures). Returns it, old and new."""
    with write_transaction():
        invoice = _lock(invoice_id)
        if invoice is None:
            raise InvoiceRefused({"invoice": gettext("This invoice no longer exists.")})
        refusal = edit_refusal(invoice)
        if refusal:
            raise InvoiceRefused({"invoice": refusal})
        fresh = recomputed_amounts(invoice)
        if fresh is None:
            raise InvoiceRefused({"invoice": gettext("The figures of invoice %(number)s are already DJP's; nothing to "
                                                     "recompute.", number=invoice.number)})
        before = invoice.amounts
        _store_figures(invoice, fresh, invoice.lines)
        _edited(invoice)
        record(
            "invoice.recomputed",
            N_("Recomputed the figures of invoice %(number)s line by line: DPP %(dpp_before)s to %(dpp_after)s, PPN "
               "%(ppn_before)s to %(ppn_after)s; it is Not Exported until exported again."),
            subject=f"invoice:{invoice.id}", number=invoice.number, dpp_before={"cents": before.dpp},
            dpp_after={"cents": fresh.dpp}, ppn_before=before.ppn, ppn_after=fresh.ppn,
        )
    return invoice, before, fresh


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
