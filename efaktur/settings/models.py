from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.extensions import db
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime

SETTINGS_ID = 1
ALERT_EACH = "each"
ALERT_DAILY = "daily"


class CompanySettings(db.Model):
    """The one row of company-wide settings (id 1)."""

    __tablename__ = "company_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("threshold_limit >= 0 AND threshold_limit <= 1000000000", name="threshold_limit_range"),
        CheckConstraint("alert_frequency IN ('each', 'daily')", name="alert_frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    company_npwp: Mapped[str] = mapped_column(String(16), default="")
    company_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The 6 digits after the NPWP in the seller's NITKU (SellerIDTKU); 000000 is the head office.
    business_location_code: Mapped[str] = mapped_column(String(6), default="000000", server_default="000000")
    threshold_limit: Mapped[int] = mapped_column(Integer, default=0)
    threshold_active: Mapped[bool] = mapped_column(Boolean, default=False)
    # The threshold e-mail's language ('id' or 'en').
    notification_language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")
    # When the threshold e-mail goes out: after each Generate at or below the limit (the guide's rule), or
    # at most once a calendar day (the company's zone).
    alert_frequency: Mapped[str] = mapped_column(String(10), default=ALERT_EACH, server_default=ALERT_EACH)
    # Who the e-mails come from (empty: the server's MAIL_DEFAULT_SENDER), and where customers' replies go.
    sender_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    sender_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    # How the company reports its invoices: desktop (NSFP ranges and e-Faktur desktop's CSV), coretax (the XML;
    # DJP numbers them), or both.
    route: Mapped[str] = mapped_column(String(10), default="both", server_default="both")
    # Counts the saves of the company and threshold forms: a form opened before another save is refused.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edited_by: Mapped[str | None] = mapped_column(String(254))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationRecipient(db.Model):
    """An address on Billing Settings that receives the threshold e-mail."""

    __tablename__ = "notification_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased copy: the same address in another letter case is the same address.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


OUTCOME_SENT = "sent"
OUTCOME_PARTIAL = "partial"  # some addresses got it, the server refused others
OUTCOME_FAILED = "failed"
OUTCOME_NOT_SENT = "not_sent"


class ThresholdAlert(db.Model):
    """One threshold check that called for an e-mail, and what became of it."""

    __tablename__ = "threshold_alert"
    __table_args__ = (CheckConstraint("outcome IN ('sent', 'partial', 'failed', 'not_sent')", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    year: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)
    threshold_limit: Mapped[int] = mapped_column(Integer)
    recipients: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
