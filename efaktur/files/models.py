"""Approved e-Faktur PDFs, kept in the database so every worker on every machine sees them.

One row per uploaded file (`EfakturFile`), its bytes in a table of their own
(`EfakturFileContent`) so that lists never read them. An invoice's current file is the
one not superseded; a later upload for the same number supersedes it and both stay in
the invoice's history. The current file carries the e-mail to the customer: Ready to
Send, Sending (claimed by one request), Sent, Failed.
"""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from efaktur.extensions import db
from efaktur.formats.pdf_names import desktop_number
from efaktur.invoices.models import Invoice
from efaktur.language.lang import N_
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime

EMAIL_READY = "ready"
EMAIL_SENDING = "sending"
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"  # known not delivered: the server refused it, or it never reached the server
# The mail server did not answer in time, or the sending was interrupted: the message may have been
# delivered or not. A Resend asks first (the customer would get it twice).
EMAIL_UNKNOWN = "unknown"
EMAIL_STATUS_LABELS = {EMAIL_READY: N_("Ready to Send"), EMAIL_SENDING: N_("Sending"), EMAIL_SENT: N_("Sent"),
                       EMAIL_FAILED: N_("Failed"), EMAIL_UNKNOWN: N_("Unknown")}


class EfakturFile(db.Model):
    __tablename__ = "efaktur_file"
    __table_args__ = (
        CheckConstraint("kind IN ('desktop', 'coretax')", name="kind"),
        CheckConstraint("email_status IN ('ready', 'sending', 'sent', 'failed', 'unknown')", name="email_status"),
        # One current file per invoice; superseded ones are its history.
        Index(
            "uq_efaktur_file_current",
            "invoice_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("ix_efaktur_file_email_status", "email_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # desktop (16-digit E-Faktur No) or coretax (17 digits)
    number: Mapped[str] = mapped_column(String(17))  # the digits in the file name
    replacement: Mapped[bool] = mapped_column(Boolean, default=False)
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_status: Mapped[str] = mapped_column(String(10), default=EMAIL_READY)
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent, failed, or claimed (while sending)
    email_error: Mapped[str | None] = mapped_column(Text)
    email_claim: Mapped[str | None] = mapped_column(String(40))  # the request that sends it now

    content: Mapped["EfakturFileContent"] = relationship(cascade="all, delete-orphan", lazy="raise")
    invoice: Mapped["Invoice"] = relationship(lazy="raise")

    @property
    def email_status_label(self) -> str:
        return EMAIL_STATUS_LABELS[self.email_status]

    @property
    def number_label(self) -> str:
        """As the PDF names it: 010.000-26.00000001 (e-Faktur) or the 17 digits (Coretax)."""
        return desktop_number(self.number).label if self.kind == "desktop" else self.number


class EfakturFileContent(db.Model):
    __tablename__ = "efaktur_file_content"

    file_id: Mapped[int] = mapped_column(ForeignKey("efaktur_file.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class CoretaxImport(db.Model):
    """One import of Coretax's output-tax list: its counts, and what became of each row (shown after the import,
    and kept so the page can be opened again and downloaded)."""

    __tablename__ = "coretax_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(254))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    recorded: Mapped[int] = mapped_column(Integer)
    replaced: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    not_applied: Mapped[int] = mapped_column(Integer)
    # JSON: one [row, reference, number, status, outcome, invoice_id, invoice_number, message] per row.
    outcomes: Mapped[str] = deferred(mapped_column(Text, nullable=False))
