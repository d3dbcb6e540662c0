"""Creating invoices and changing their status. Numbers are the ledger's business (numbers/ledger.py)."""
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from ..activity.services import record
from ..errors import Refused
from ..database import is_postgresql, write_transaction
from ..extensions import db
from ..vat import Line, compute_vat
from .models import STATUS_CANCELLED, STATUS_LABELS, STORED_STATUSES, Invoice, InvoiceLine

INVOICE_NUMBER_PATTERN = "INV-{year}-{seq:06d}"
_SEQ_RE = re.compile(r"^INV-(\d{4})-(\d+)$")


class InvoiceRefused(Refused):
    pass


@dataclass(frozen=True)
class InvoiceDraft:
    number: str
    customer_name: str
    npwp_name: str
    npwp: str
    address: str
    invoice_date: date
    due_date: date
    tax_enabled: bool
    transaction_code: str
    lines: list[Line]


def _next_invoice_number(year: int) -> str:
    highest = 0
    for number in db.session.scalars(db.select(Invoice.number).where(Invoice.number.like(f"INV-{year}-%"))):
        match = _SEQ_RE.match(number)
        if match:
            highest = max(highest, int(match.group(2)))
    return INVOICE_NUMBER_PATTERN.format(year=year, seq=highest + 1)


def create_invoice(draft: InvoiceDraft) -> Invoice:
    with write_transaction():
        if is_postgresql():
            # Two people saving at once must not both get the next generated number.
            db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('efaktur.invoice_number'))"))
        number = draft.number or _next_invoice_number(draft.invoice_date.year)
        if db.session.scalar(db.select(Invoice.id).where(Invoice.number == number)):
            raise InvoiceRefused({"number": f"Invoice No {number} exists already."})
        amounts = compute_vat(draft.invoice_date, draft.lines)
        invoice = Invoice(
            number=number,
            customer_name=draft.customer_name,
            npwp_name=draft.npwp_name,
            npwp=draft.npwp,
            address=draft.address,
            invoice_date=draft.invoice_date,
            due_date=draft.due_date,
            tax_enabled=draft.tax_enabled,
            transaction_code=draft.transaction_code,
            dpp=amounts.dpp,
            dpp_other=amounts.dpp_other,
            vat_rate=amounts.rate_percent if draft.tax_enabled else 0,
            ppn=amounts.ppn if draft.tax_enabled else 0,
            lines=[
                InvoiceLine(position=i, item=line.item, quantity=line.quantity, unit_price=line.unit_price, total=line.total)
                for i, line in enumerate(draft.lines)
            ],
        )
        db.session.add(invoice)
        db.session.flush()
        record(
            "invoice.created",
            f"Created invoice {invoice.number} for {invoice.customer_name} (DPP {invoice.dpp:,}, PPN {invoice.ppn:,}).",
            subject=f"invoice:{invoice.id}",
        )
    return invoice


# Cancelled is final: a cancelled invoice stays cancelled (its number may then be cancelled too).
ALLOWED_STATUS_CHANGES = {
    "unpaid": {"partially_paid", "paid", "cancelled"},
    "partially_paid": {"unpaid", "paid", "cancelled"},
    "paid": {"unpaid", "partially_paid", "cancelled"},
    "cancelled": set(),
}


def change_status(invoice_id: int, new_status: str) -> Invoice:
    if new_status not in STORED_STATUSES:
        raise InvoiceRefused({"status": "Choose a status from the list."})
    with write_transaction():
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if invoice is None:
            raise InvoiceRefused({"status": "This invoice no longer exists."})
        if new_status == invoice.status:
            return invoice
        if new_status not in ALLOWED_STATUS_CHANGES[invoice.status]:
            raise InvoiceRefused(
                {"status": f"A {STATUS_LABELS[invoice.status]} invoice cannot become {STATUS_LABELS[new_status]}."}
            )
        old = invoice.status
        invoice.status = new_status
        record(
            "invoice.status",
            f"Invoice {invoice.number}: {STATUS_LABELS[old]} to {STATUS_LABELS[new_status]}.",
            subject=f"invoice:{invoice.id}",
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
