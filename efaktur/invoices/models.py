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
    and_,
    func,
    literal_column,
)
from sqlalchemy import (
    false as sql_false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from efaktur.database import keep
from efaktur.extensions import db
from efaktur.language.lang import N_
from efaktur.rules.amounts import CENTS, InvoiceAmounts, LineAmounts, billed_ppn, price_cents, vat_is_charged
from efaktur.rules.clock import utc_now
from efaktur.rules.facilities import Facility
from efaktur.rules.goods import DEFAULT_UNIT, GOODS, NO_GOODS_CODE
from efaktur.rules.identity import BUYER_DOCUMENTS, BUYER_TIN, DEFAULT_COUNTRY, BuyerIdentity
from efaktur.rules.nsfp import CORETAX_ONLY_CODE
from efaktur.types import UTCDateTime

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
        Index("ix_invoice_status_date_id", "status", "invoice_date", "id"),  # the Invoices list by status, newest first
        Index("ix_invoice_npwp", "npwp"),
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
    # The buyer's business location (the 6-digit suffix of its NITKU); 000000 is its head office.
    buyer_branch_code: Mapped[str] = mapped_column(String(6), default="000000", server_default="000000")
    # The sums of the lines' figures, in cents (amounts.py): DPP, DPP Nilai Lain (None when the
    # tax base is the DPP itself) and VAT; the PPN billed is vat_cents in whole rupiah, rounded down.
    dpp_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    dpp_other_cents: Mapped[int | None] = mapped_column(BigInteger)
    vat_rate: Mapped[int] = mapped_column(Integer, default=0)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Codes 07 and 08: the facility from DJP's lists (facilities.py), and its supporting document.
    facility_add_info: Mapped[str] = mapped_column(String(8), default="", server_default="")
    facility_stamp: Mapped[str] = mapped_column(String(8), default="", server_default="")
    custom_doc: Mapped[str] = mapped_column(String(100), default="", server_default="")
    custom_doc_period: Mapped[str] = mapped_column(String(6), default="", server_default="")
    # Set when the e-Faktur PDF is uploaded: the number was reported and may never return.
    efaktur_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 17-digit number DJP assigned in Coretax (stored as received, never allocated here).
    coretax_number: Mapped[str | None] = mapped_column(String(17), unique=True)
    # What Coretax says of the invoice (invoices/coretax.py): created (a draft), approved, amended, cancelled,
    # waiting_cancellation, waiting_amendment, rejected; None while Coretax has said nothing.
    coretax_status: Mapped[str | None] = mapped_column(String(24), index=True)
    # Whether it holds an E-Faktur No now: kept by the database on every write to the assignments
    # (numbers/models.py), read by the lists' filters and "Tick all" (invoices/numbering.py).
    holds_number: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    # Made through the API: by which token, under the caller's own reference (unique per token).
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    # The customer the buyer's fields were filled from (the invoice keeps its own copy of them). No foreign key:
    # adding one would make SQLite rebuild the invoice table (and cascade into its lines); customers are never
    # deleted, and the service checks that the customer exists.
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Export Status: when the invoice last went into a tax office file, and by whom. Any
    # edit clears it (the tax office must get the new data).
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_by: Mapped[str | None] = mapped_column(String(254))
    # The file it last went out in (shown with exported_at only; a new export replaces it).
    exported_file: Mapped[str | None] = mapped_column(String(120))
    # Counts the edits: an export marks an invoice Exported only if it is unchanged since
    # the file was written.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who saved the last edit, and when: what a form opened before it is told (a stale Save is refused).
    edited_by: Mapped[str | None] = mapped_column(String(254))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    def ppn(self) -> int:
        """The PPN billed: the lines' VAT in whole rupiah, rounded down (also for 07/08, where it is not charged)."""
        return billed_ppn(self.vat_cents)

    @property
    def grand_total_cents(self) -> int:
        return self.dpp_cents + (self.ppn * CENTS if self.vat_charged else 0)

    @property
    def tax_base_cents(self) -> int:
        """What the VAT is computed on: DPP Nilai Lain where it applies, else the DPP."""
        return self.dpp_cents if self.dpp_other_cents is None else self.dpp_other_cents

    @property
    def amounts(self) -> InvoiceAmounts:
        """The figures as stored (what the files carry), in the amount model's shape."""
        return InvoiceAmounts(
            tuple(LineAmounts(line.selling_price_cents, line.discount * CENTS, line.tax_base_cents,
                              line.other_tax_base_cents, line.vat_cents) for line in self.lines),
            self.vat_rate, self.dpp_other_cents is not None, self.vat_charged,
        )

    @property
    def facility(self) -> Facility:
        return Facility(self.facility_add_info, self.facility_stamp, self.custom_doc, self.custom_doc_period)

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


def numberable_terms() -> tuple:
    """SQL: Generate may number the invoice (invoices/numbering.py names each clause). Values are written into
    the SQL, not bound, so that SQLite sees the query's terms are the partial index's below. The Coretax number
    is compared through coalesce() so that SQLite does not take the unique index on it for "IS NULL"."""
    return (Invoice.tax_enabled.is_(True), Invoice.status != literal_column(f"'{STATUS_CANCELLED}'"),
            Invoice.holds_number.is_(False), Invoice.transaction_code != literal_column(f"'{CORETAX_ONLY_CODE}'"),
            func.coalesce(Invoice.coretax_number, literal_column("''")) == literal_column("''"))


# "Tick all N matching" and the "not set" filters count the numberable invoices of a status, a month, a search:
# the index holds only those, so a count stops at the bound however many invoices hold numbers already. It
# also holds every column the rule reads, so that it answers the count alone (a covering index), which is
# what makes SQLite take it over ix_invoice_status whatever order the two were made in.
NUMBERABLE_RULE_COLUMNS = ("tax_enabled", "holds_number", "transaction_code", "coretax_number")
Index("ix_invoice_numberable", Invoice.status, Invoice.invoice_date, Invoice.id,
      *(Invoice.__table__.c[name] for name in NUMBERABLE_RULE_COLUMNS),
      sqlite_where=and_(*numberable_terms()), postgresql_where=and_(*numberable_terms()))

# PostgreSQL estimates `coalesce(coretax_number, '') = ''` (numberable_terms) at half a percent of the invoices
# unless it has statistics of the expression: it then took the partial index above for a few hundred rows and read
# all of them to count the numberable among 200 invoices found by a search (60 ms at a million, 1 ms with them).
# Statistics of an expression exist from PostgreSQL 14; before, the estimate stays the default one.
CORETAX_NUMBER_STATISTICS = "st_invoice_coretax_number_unset"
keep("postgresql", f"""
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 140000 THEN
    CREATE STATISTICS {CORETAX_NUMBER_STATISTICS} ON (coalesce(coretax_number, '')) FROM invoice;
  END IF;
END $$""")


def coretax_route_terms() -> tuple:
    """SQL: the invoice may go to Coretax as XML: Invoice Tax on and no range number (invoices/coretax.py's buckets
    all require it). Written as the partial index's own terms, so SQLite takes the index for them."""
    return Invoice.tax_enabled.is_(True), Invoice.holds_number.is_(False)


# The E-Faktur No page's Coretax counts read the year's invoices of the Coretax route only, from this index alone
# (on both routes, most invoices hold range numbers and are not in it): it holds every column the buckets read.
CORETAX_BUCKET_COLUMNS = ("invoice_date", "coretax_status", "status", "exported_at", "coretax_number", "tax_enabled",
                          "holds_number")
Index("ix_invoice_coretax_route", *(Invoice.__table__.c[name] for name in CORETAX_BUCKET_COLUMNS),
      sqlite_where=and_(*coretax_route_terms()), postgresql_where=and_(*coretax_route_terms()))

# The Invoices search: a text index over the invoice number and the customer's name, kept by the database.
# SQLite: FTS5 with trigrams (any part of three letters or more is a lookup); the rows live in `invoice`.
SEARCH_TABLE = "invoice_search"
keep("sqlite",
     f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(number, customer_name, content='invoice', content_rowid='id', "
     "tokenize='trigram')",
     f"CREATE TRIGGER invoice_search_insert AFTER INSERT ON invoice BEGIN INSERT INTO {SEARCH_TABLE}"
     "(rowid, number, customer_name) VALUES (new.id, new.number, new.customer_name); END",
     f"CREATE TRIGGER invoice_search_delete AFTER DELETE ON invoice BEGIN INSERT INTO {SEARCH_TABLE}"
     f"({SEARCH_TABLE}, rowid, number, customer_name) VALUES ('delete', old.id, old.number, old.customer_name); END",
     f"CREATE TRIGGER invoice_search_update AFTER UPDATE OF number, customer_name ON invoice BEGIN "
     f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, number, customer_name) "
     "VALUES ('delete', old.id, old.number, old.customer_name); "
     f"INSERT INTO {SEARCH_TABLE}(rowid, number, customer_name) VALUES (new.id, new.number, new.customer_name); END",
     names=(SEARCH_TABLE,))
# PostgreSQL: pg_trgm's GIN indexes on the texts, which answer `x ILIKE '%...%'` (the
# extension is made in the schema `public` unless the database has it already, wherever it is).
TRIGRAM_INDEXES = ("ix_invoice_number_trgm", "ix_invoice_customer_name_trgm")
keep("postgresql", """
DO $$
DECLARE schema_name text;
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  SELECT quote_ident(nspname) INTO schema_name FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace
   WHERE extname = 'pg_trgm';
  EXECUTE 'CREATE INDEX ix_invoice_number_trgm ON invoice USING gin (number ' || schema_name || '.gin_trgm_ops)';
  EXECUTE 'CREATE INDEX ix_invoice_customer_name_trgm ON invoice USING gin (customer_name ' || schema_name
          || '.gin_trgm_ops)';
END $$""", names=TRIGRAM_INDEXES)


class CoretaxEvent(db.Model):
    """One thing Coretax said of an invoice, as it was recorded: its number and state history."""

    __tablename__ = "coretax_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    number: Mapped[str | None] = mapped_column(String(17))
    status: Mapped[str | None] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(10))  # list, pdf, api, page
    actor: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")


# Invoice numbers are unique whatever their letter case: INV-7 and inv-7 are one number.
Index("uq_invoice_number_lower", func.lower(Invoice.number), unique=True)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("kind IN ('A', 'B')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit_price: Mapped[int] = mapped_column(BigInteger)  # whole rupiah, before the discount
    discount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # whole rupiah
    # The line's figures as amounts.py computes them, in cents: TaxBase (DPP), OtherTaxBase
    # (DPP Nilai Lain, or the DPP) and VAT. Kept as computed when saved: an invoice already
    # exported keeps the figures the tax office got.
    tax_base_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    other_tax_base_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(1), default=GOODS, server_default=GOODS)  # A goods, B services
    goods_code: Mapped[str] = mapped_column(String(6), default=NO_GOODS_CODE, server_default=NO_GOODS_CODE)
    unit: Mapped[str] = mapped_column(String(7), default=DEFAULT_UNIT, server_default=DEFAULT_UNIT)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @property
    def selling_price_cents(self) -> int:
        """Harga Jual: unit price x quantity, before the discount."""
        return price_cents(self.unit_price, self.quantity)
