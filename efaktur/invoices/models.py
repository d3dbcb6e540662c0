from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utc_now
from ..extensions import db
from ..goods import DEFAULT_UNIT, GOODS, NO_GOODS_CODE
from ..identity import BUYER_DOCUMENTS, BUYER_TIN, DEFAULT_COUNTRY, BuyerIdentity
from ..lang import N_
from ..types import UTCDateTime
from ..vat import vat_is_charged

STATUS_UNPAID = "unpaid"
STATUS_PARTIALLY_PAID = "partially_paid"
STATUS_PAID = "paid"
STATUS_CANCELLED = "cancelled"
STATUS_OVERDUE = "overdue"  # shown, never stored: unpaid and past its due date
STORED_STATUSES = (STATUS_UNPAID, STATUS_PARTIALLY_PAID, STATUS_PAID, STATUS_CANCELLED)
STATUS_LABELS = {
    STATUS_UNPAID: N_("Unpaid"),
    STATUS_PARTIALLY_PAID: N_("Partially Paid"),
    STATUS_PAID: N_("Paid"),
    STATUS_CANCELLED: N_("Cancelled"),
    STATUS_OVERDUE: N_("Overdue"),
}


class Invoice(db.Model):
    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint(
            "status IN ('unpaid', 'partially_paid', 'paid', 'cancelled')", name="status"
        ),
        CheckConstraint("due_date >= invoice_date", name="due_after_invoice"),
        CheckConstraint("buyer_document IN ('tin', 'nik', 'passport', 'other')", name="buyer_document"),
        Index("ix_invoice_date_id", "invoice_date", "id"),
        UniqueConstraint("api_token_id", "external_ref", name="uq_invoice_api_token_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    customer_name: Mapped[str] = mapped_column(String(200))
    npwp_name: Mapped[str] = mapped_column(String(200), default="")
    npwp: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    customer_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # The language of the customer's e-Faktur e-mail ('id' or 'en').
    customer_language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")
    # How the tax office knows the buyer: its NPWP (above; empty for a buyer without one),
    # or a NIK, passport or other ID with its number.
    buyer_document: Mapped[str] = mapped_column(String(10), default=BUYER_TIN, server_default=BUYER_TIN)
    buyer_document_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    buyer_country: Mapped[str] = mapped_column(String(3), default=DEFAULT_COUNTRY, server_default=DEFAULT_COUNTRY)
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
    # The 17-digit number DJP assigned in Coretax (stored as received, never allocated here).
    coretax_number: Mapped[str | None] = mapped_column(String(17), unique=True)
    # Made through the API: by which token, under the caller's own reference (unique per token).
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    # Export Status: when the invoice last went into a tax office file, and by whom. Any
    # edit clears it (the tax office must get the new data).
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_by: Mapped[str | None] = mapped_column(String(254))
    # Counts the edits: an export marks an invoice Exported only if it is unchanged since
    # the file was written.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    def display_status(self, today: date) -> str:
        if self.status == STATUS_UNPAID and self.due_date < today:
            return STATUS_OVERDUE
        return self.status

    @property
    def vat_charged(self) -> bool:
        """Codes 07 and 08 compute the VAT but do not charge it to the buyer."""
        return self.tax_enabled and vat_is_charged(self.transaction_code)

    @property
    def grand_total(self) -> int:
        return self.dpp + (self.ppn if self.vat_charged else 0)

    @property
    def tax_base(self) -> int:
        return self.dpp if self.dpp_other is None else self.dpp_other

    @property
    def buyer_name(self) -> str:
        """The name on the tax invoice: the NPWP Name when there is one, else the Customer Name."""
        return self.npwp_name or self.customer_name

    @property
    def buyer_identity(self) -> BuyerIdentity:
        return BuyerIdentity(self.buyer_document, self.npwp, self.buyer_document_number)

    @property
    def buyer_document_label(self) -> str:
        return BUYER_DOCUMENTS[self.buyer_document]


# Invoice numbers are unique whatever their letter case: INV-7 and inv-7 are one number.
Index("uq_invoice_number_lower", func.lower(Invoice.number), unique=True)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("kind IN ('A', 'B')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(1), default=GOODS, server_default=GOODS)  # A goods, B services
    goods_code: Mapped[str] = mapped_column(String(6), default=NO_GOODS_CODE, server_default=NO_GOODS_CODE)
    unit: Mapped[str] = mapped_column(String(7), default=DEFAULT_UNIT, server_default=DEFAULT_UNIT)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
