from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.extensions import db
from efaktur.rules.clock import utc_now
from efaktur.rules.identity import BUYER_TIN, DEFAULT_COUNTRY, HEAD_OFFICE_LOCATION
from efaktur.types import UTCDateTime

# The buyer's fields as the forms name them, and the customer's columns they fill.
BUYER_FIELDS = {
    "customer_name": "name",
    "npwp_name": "npwp_name",
    "buyer_document": "buyer_document",
    "npwp": "npwp",
    "buyer_id_number": "buyer_document_number",
    "buyer_country": "buyer_country",
    "buyer_branch_code": "buyer_branch_code",
    "address": "address",
    "customer_email": "email",
    "customer_language": "email_language",
}


def customer_values(name: str, npwp_name: str, document: str, npwp: str, document_number: str, country: str,
                    branch_code: str, address: str, email: str, language: str) -> dict:
    """A customer's columns from a buyer already parsed, by the invoice's rule: an NPWP and its branch only with
    Buyer ID NPWP, an ID number only with the other IDs."""
    tin = document == BUYER_TIN
    return {
        "name": name, "npwp_name": npwp_name, "buyer_document": document, "npwp": npwp if tin else "",
        "buyer_document_number": "" if tin else document_number, "buyer_country": country,
        "buyer_branch_code": branch_code if tin else HEAD_OFFICE_LOCATION, "address": address, "email": email,
        "email_language": language,
    }


class Customer(db.Model):
    """A buyer as the New Invoice form takes it: choosing the customer fills the invoice's buyer fields.

    The invoice keeps its own copy of them (what went to the tax office must not change when the
    customer's address does); `invoice.customer_id` only says which customer it was made from.
    """

    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint("buyer_document IN ('tin', 'nik', 'passport', 'other')", name="buyer_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name as it is compared (rules.identity.name_key): unique, so two customers of one name in any
    # letter case cannot both be kept; SQLite's lower() knows only A-Z, so the key is made in Python.
    name_key: Mapped[str] = mapped_column(String(200), server_default="")
    npwp_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    buyer_document: Mapped[str] = mapped_column(String(10), default=BUYER_TIN, server_default=BUYER_TIN)
    npwp: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # The NPWP in its 16-digit form (a 15-digit one with its leading 0): one taxpayer, one key,
    # however the NPWP was typed. Empty for a buyer without NPWP.
    npwp16: Mapped[str] = mapped_column(String(16), default="", server_default="", index=True)
    buyer_document_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    buyer_country: Mapped[str] = mapped_column(String(3), default=DEFAULT_COUNTRY, server_default=DEFAULT_COUNTRY)
    buyer_branch_code: Mapped[str] = mapped_column(String(6), default=HEAD_OFFICE_LOCATION,
                                                   server_default=HEAD_OFFICE_LOCATION)
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    email_language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edited_by: Mapped[str | None] = mapped_column(String(254))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    @property
    def buyer_name(self) -> str:
        return self.npwp_name or self.name


# A customer's name is how the clerk finds it: two customers of one name (whatever the letter case) would be
# two entries nobody can tell apart in the list.
Index("uq_customer_name_key", Customer.name_key, unique=True)
