"""Reading the invoices of a tax period for the Export CSV tab and for the files."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, not_, or_

from ..database import id_in
from ..facilities import FACILITY_CODES
from ..identity import BUYER_NIK, BUYER_TIN, DEFAULT_COUNTRY
from ..extensions import db
from ..invoices.models import STATUS_CANCELLED, Invoice, InvoiceLine
from ..invoices.queries import month_bounds
from ..lang import N_, month_year
from ..nsfp import takes_range_number
from ..numbers.models import NumberAssignment

EXPORTED = "exported"
NOT_EXPORTED = "not_exported"
EXPORT_STATUS_LABELS = {"": N_("All"), EXPORTED: N_("Exported"), NOT_EXPORTED: N_("Not Exported")}
PER_PAGE = 50


@dataclass(frozen=True)
class Period:
    """A tax period (one calendar month): MASA_PAJAK and TAHUN_PAJAK of the files."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None) -> "Period | None":
        bounds = month_bounds(text or "")
        if bounds is None or not 2000 <= bounds[0].year <= 2099:
            return None
        return cls(bounds[0].year, bounds[0].month)

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        return date(self.year + (self.month == 12), self.month % 12 + 1, 1)

    @property
    def value(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """June 2026 (Juni 2026), in the reader's language."""
        return month_year(self.start)


def _live_number_join():
    return and_(NumberAssignment.invoice_id == Invoice.id, NumberAssignment.released_at.is_(None))


def period_invoices(period: Period, export_status: str = ""):
    """The invoices the Export CSV tab lists: Invoice Tax on, not cancelled, dated in the period."""
    query = db.select(Invoice).where(
        Invoice.invoice_date >= period.start,
        Invoice.invoice_date < period.end,
        Invoice.tax_enabled.is_(True),
        Invoice.status != STATUS_CANCELLED,
    )
    if export_status == EXPORTED:
        query = query.where(Invoice.exported_at.is_not(None))
    elif export_status == NOT_EXPORTED:
        query = query.where(Invoice.exported_at.is_(None))
    return query.order_by(Invoice.invoice_date, Invoice.id)


def period_page(period: Period, export_status: str, page: int):
    return db.paginate(period_invoices(period, export_status), page=page, per_page=PER_PAGE, error_out=False)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What decides whether an invoice may go into a file (checked before any byte is sent)."""

    id: int
    number: str
    invoice_date: date
    tax_enabled: bool
    status: str
    transaction_code: str
    coretax_number: str | None
    holds_number: bool
    buyer_unidentified: bool  # a buyer in Indonesia with neither NPWP nor NIK: no file may carry it
    lacks_facility: bool  # codes 07 and 08 without their facility and stamp: Coretax refuses them

    @property
    def waits_for_number(self) -> bool:
        """Shown as (Not Set): Generate E-Faktur No would number it."""
        return (
            self.tax_enabled
            and self.status != STATUS_CANCELLED
            and not self.holds_number
            and not self.coretax_number
            and takes_range_number(self.transaction_code)
        )

    @property
    def lacks_number(self) -> bool:
        """Needs an E-Faktur No for any file, and has none (code 10 invoices need none)."""
        return not self.holds_number and takes_range_number(self.transaction_code)


# Two rules of the pure modules as SQL, so that a period of 100,000 invoices is checked without
# reading their buyers and facilities (tests/test_exports.py checks each against its predicate).
def buyer_unidentified_sql():
    """identity.lacks_domestic_identity(document, npwp, country), as a column."""
    return and_(Invoice.buyer_country == DEFAULT_COUNTRY,
                not_(or_(and_(Invoice.buyer_document == BUYER_TIN, Invoice.npwp != ""), Invoice.buyer_document == BUYER_NIK)))


def lacks_facility_sql():
    """facilities.needs_facility(code) without both codes, as a column."""
    return and_(Invoice.transaction_code.in_(FACILITY_CODES),
                or_(Invoice.facility_add_info == "", Invoice.facility_stamp == ""))


_CANDIDATE_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.invoice_date,
    Invoice.tax_enabled,
    Invoice.status,
    Invoice.transaction_code,
    Invoice.coretax_number,
    NumberAssignment.id.is_not(None).label("holds_number"),
    buyer_unidentified_sql().label("buyer_unidentified"),
    lacks_facility_sql().label("lacks_facility"),
)


def candidates_by_ids(invoice_ids: list[int], chunk: int = 5000) -> list[Candidate]:
    found = []
    for i in range(0, len(invoice_ids), chunk):
        found.extend(
            Candidate(*row)
            for row in db.session.execute(
                db.select(*_CANDIDATE_COLUMNS)
                .outerjoin(NumberAssignment, _live_number_join())
                .where(id_in(Invoice.id, invoice_ids[i : i + chunk]))
            )
        )
    return sorted(found, key=lambda c: (c.invoice_date, c.id))


def candidates_of_period(period: Period, export_status: str) -> list[Candidate]:
    listed = period_invoices(period, export_status).subquery()
    return [
        Candidate(*row)
        for row in db.session.execute(
            db.select(*_CANDIDATE_COLUMNS)
            .outerjoin(NumberAssignment, _live_number_join())
            .where(Invoice.id.in_(db.select(listed.c.id)))
            .order_by(Invoice.invoice_date, Invoice.id)
        )
    ]


# Everything the files say of an invoice, and of its lines: two statements per chunk, run
# inside one snapshot (see services.stream_export), so totals and lines always agree.
# services._records unpacks these rows by position: keep the two in the same order.
_FILE_INVOICE_COLUMNS = (
    Invoice.id,
    Invoice.revision,
    Invoice.number,
    Invoice.invoice_date,
    Invoice.status,
    Invoice.tax_enabled,
    Invoice.transaction_code,
    Invoice.customer_name,
    Invoice.npwp_name,
    Invoice.npwp,
    Invoice.address,
    Invoice.customer_email,
    Invoice.buyer_document,
    Invoice.buyer_document_number,
    Invoice.buyer_country,
    Invoice.buyer_branch_code,
    Invoice.dpp_cents,
    Invoice.dpp_other_cents,
    Invoice.vat_rate,
    Invoice.vat_cents,
    Invoice.facility_add_info,
    Invoice.facility_stamp,
    Invoice.custom_doc,
    Invoice.custom_doc_period,
    NumberAssignment.number.label("nsfp"),
    NumberAssignment.status_digit,
)
_FILE_LINE_COLUMNS = (
    InvoiceLine.invoice_id,
    InvoiceLine.kind,
    InvoiceLine.goods_code,
    InvoiceLine.item,
    InvoiceLine.unit,
    InvoiceLine.unit_price,
    InvoiceLine.quantity,
    InvoiceLine.discount,
    InvoiceLine.tax_base_cents,
    InvoiceLine.other_tax_base_cents,
    InvoiceLine.vat_cents,
)


def file_invoices(invoice_ids: list[int]):
    """These invoices with their live numbers. Core on the session's connection: plain rows."""
    return db.session.connection().execute(
        db.select(*_FILE_INVOICE_COLUMNS)
        .outerjoin(NumberAssignment, _live_number_join())
        .where(id_in(Invoice.id, invoice_ids))
    )


def file_lines(invoice_ids: list[int]):
    """The lines of these invoices, in invoice then line order."""
    return db.session.connection().execute(
        db.select(*_FILE_LINE_COLUMNS)
        .where(id_in(InvoiceLine.invoice_id, invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
    )
