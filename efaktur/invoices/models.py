from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utc_now
from ..extensions import db
from ..types import UTCDateTime

STATUS_UNPAID = "unpaid"
STATUS_PARTIALLY_PAID = "partially_paid"
STATUS_PAID = "paid"
STATUS_CANCELLED = "cancelled"
STATUS_OVERDUE = "overdue"  # shown, never stored: unpaid and past its due date
STORED_STATUSES = (STATUS_UNPAID, STATUS_PARTIALLY_PAID, STATUS_PAID, STATUS_CANCELLED)
STATUS_LABELS = {
    STATUS_UNPAID: "Unpaid",
    STATUS_PARTIALLY_PAID: "Partially Paid",
    STATUS_PAID: "Paid",
    STATUS_CANCELLED: "Cancelled",
    STATUS_OVERDUE: "Overdue",
}


class Invoice(db.Model):
    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint(
            "status IN ('unpaid', 'partially_paid', 'paid', 'cancelled')", name="status"
        ),
        CheckConstraint("due_date >= invoice_date", name="due_after_invoice"),
        Index("ix_invoice_date_id", "invoice_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    npwp_name: Mapped[str] = mapped_column(String(200), default="")
    npwp: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    tax_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    transaction_code: Mapped[str] = mapped_column(String(2), default="01")
    status: Mapped[str] = mapped_column(String(20), default=STATUS_UNPAID, index=True)
    dpp: Mapped[int] = mapped_column(BigInteger, default=0)
    dpp_other: Mapped[int | None] = mapped_column(BigInteger)
    vat_rate: Mapped[int] = mapped_column(Integer, default=0)
    ppn: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when the e-Faktur PDF is uploaded: the number was reported and may never return.
    efaktur_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    def display_status(self, today: date) -> str:
        if self.status == STATUS_UNPAID and self.due_date < today:
            return STATUS_OVERDUE
        return self.status


class InvoiceLine(db.Model):
    __tablename__ = "invoice_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
