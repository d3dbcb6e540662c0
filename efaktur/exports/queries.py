"""Reading the invoices of a tax period for the Export CSV tab and for the files."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, func, not_, or_

from efaktur.database import id_in
from efaktur.exports.models import PeriodTotal
from efaktur.extensions import db
from efaktur.invoices.models import STATUS_CANCELLED, Invoice, InvoiceLine
from efaktur.invoices.numbering import live_number_join
from efaktur.invoices.queries import month_bounds
from efaktur.language.lang import N_, month_year
from efaktur.numbers.models import NumberAssignment
from efaktur.paging import Window, date_key, int_key, keyset_page
from efaktur.rules.facilities import FACILITY_CODES
from efaktur.rules.identity import BUYER_NIK, BUYER_TIN, DEFAULT_COUNTRY

EXPORTED = "exported"
NOT_EXPORTED = "not_exported"
EXPORT_STATUS_LABELS = {"": N_("All"), EXPORTED: N_("Exported"), NOT_EXPORTED: N_("Not Exported")}
PER_PAGE = 50


@dataclass(frozen=True, order=True)
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


def period_conditions(period: Period, export_status: str = "") -> list:
    """The invoices the Export CSV tab lists: Invoice Tax on, not cancelled, dated in the period."""
    conditions = [
        Invoice.invoice_date >= period.start,
        Invoice.invoice_date < period.end,
        Invoice.tax_enabled.is_(True),
        Invoice.status != STATUS_CANCELLED,
    ]
    if export_status == EXPORTED:
        conditions.append(Invoice.exported_at.is_not(None))
    elif export_status == NOT_EXPORTED:
        conditions.append(Invoice.exported_at.is_(None))
    return conditions


def period_invoices(period: Period, export_status: str = ""):
    return db.select(Invoice).where(*period_conditions(period, export_status)).order_by(Invoice.invoice_date, Invoice.id)


@dataclass(frozen=True)
class PeriodTotals:
    count: int
    dpp_cents: int
    ppn: int  # the PPN billed (whole rupiah, each invoice rounded down), where it is charged
    ppn_not_charged: int  # codes 07 and 08: computed, not charged


def period_totals(period: Period, export_status: str = "") -> PeriodTotals:
    """The period's count, DPP and PPN above the Export tab's table: read from the totals the database keeps
    (exports/models.py), one or two rows however many invoices the period holds."""
    query = db.select(func.coalesce(func.sum(PeriodTotal.invoices), 0), func.coalesce(func.sum(PeriodTotal.dpp_cents), 0),
                      func.coalesce(func.sum(PeriodTotal.ppn), 0), func.coalesce(func.sum(PeriodTotal.ppn_not_charged), 0)
                      ).where(PeriodTotal.period == period.year * 100 + period.month)
    if export_status in (EXPORTED, NOT_EXPORTED):
        query = query.where(PeriodTotal.exported.is_(export_status == EXPORTED))
    count, dpp, ppn, exempt = db.session.execute(query).one()
    return PeriodTotals(int(count), int(dpp), int(ppn), int(exempt))


PERIOD_ORDER = [date_key(Invoice.invoice_date), int_key(Invoice.id)]  # file order, as period_invoices orders


def period_page(period: Period, export_status: str, page: int, count: int, after: str | None = None,
                before: str | None = None) -> Window:
    """A page of the period's invoices; `count` is period_totals' (so the period is not counted twice)."""
    return keyset_page(period_invoices(period, export_status).order_by(None), PERIOD_ORDER, False, page, PER_PAGE,
                       after, before, count=(count, False))


# ---- a selection of invoices, checked in SQL ------------------------------------------------------
# A file's invoices are a *selection*: the ticked ids, or every invoice of a period (and export
# status). Everything decided about them before the first byte (how many, which problems, which
# periods) is asked of the database, so a period of 200,000 invoices is checked without loading one.

@dataclass(frozen=True)
class Selection:
    conditions: tuple  # WHERE conditions on Invoice
    ids: tuple[int, ...] = ()  # the ids ticked (to name the unknown ones), or () for a period

    @classmethod
    def of_ids(cls, invoice_ids: list[int]) -> "Selection":
        ids = tuple(sorted(set(invoice_ids)))
        return cls((id_in(Invoice.id, list(ids)),), ids)

    @classmethod
    def of_period(cls, period: Period, export_status: str) -> "Selection":
        return cls(tuple(period_conditions(period, export_status)))

    def where(self, query, *extra):
        return query.where(*self.conditions, *extra)

    def count(self, *extra) -> int:
        return db.session.scalar(self.where(db.select(func.count(Invoice.id)), *extra))

    def numbers(self, *extra, limit: int) -> list[str]:
        """The first invoice numbers (by date, then id) of those also meeting `extra`."""
        return list(db.session.scalars(self.where(db.select(Invoice.number), *extra)
                                       .order_by(Invoice.invoice_date, Invoice.id).limit(limit)))

    def invoice_ids(self, *extra) -> list[int]:
        """The ids in file order: invoice date, then id."""
        return list(db.session.scalars(self.where(db.select(Invoice.id), *extra).order_by(Invoice.invoice_date, Invoice.id)))

    def missing_ids(self) -> list[int]:
        known = set(db.session.scalars(self.where(db.select(Invoice.id)))) if self.ids else set()
        return [i for i in self.ids if i not in known]

    def periods(self) -> list[Period]:
        year, month = func.extract("year", Invoice.invoice_date), func.extract("month", Invoice.invoice_date)
        rows = db.session.execute(self.where(db.select(year, month)).group_by(year, month)).all()
        return sorted(Period(int(y), int(m)) for y, m in rows)


# Two rules of the pure modules as SQL, so that a period of 100,000 invoices is checked without
# reading their buyers and facilities (tests/test_djp_amounts.py checks each against its predicate).
def buyer_unidentified_sql():
    """identity.lacks_domestic_identity(document, npwp, country), as a condition."""
    return and_(Invoice.buyer_country == DEFAULT_COUNTRY,
                not_(or_(and_(Invoice.buyer_document == BUYER_TIN, Invoice.npwp != ""), Invoice.buyer_document == BUYER_NIK)))


def lacks_facility_sql():
    """facilities.needs_facility(code) without both codes, as a condition."""
    return and_(Invoice.transaction_code.in_(FACILITY_CODES),
                or_(Invoice.facility_add_info == "", Invoice.facility_stamp == ""))


# Everything the files say of an invoice, and of its lines: two statements per chunk, run
# inside one snapshot (see services.stream_export), so totals and lines always agree.
class FileInvoice(NamedTuple):
    """One invoice as an export file needs it: the columns of file_invoices(), by name.

    A named tuple made from each row (no attribute lookups through SQLAlchemy's Row on 100,000
    invoices); the query's columns are taken from these names, so the two cannot drift apart.
    """

    id: int
    revision: int
    number: str
    invoice_date: date
    status: str
    tax_enabled: bool
    transaction_code: str
    customer_name: str
    npwp_name: str | None
    npwp: str
    address: str
    customer_email: str | None
    buyer_document: str
    buyer_document_number: str | None
    buyer_country: str
    buyer_branch_code: str
    dpp_cents: int
    dpp_other_cents: int
    vat_rate: int
    vat_cents: int
    facility_add_info: str | None
    facility_stamp: str | None
    custom_doc: str | None
    custom_doc_period: str | None
    nsfp: int | None  # the live E-Faktur No's NSFP (None: no range number)
    status_digit: str | None


class FileLine(NamedTuple):
    invoice_id: int
    kind: str
    goods_code: str
    item: str
    unit: str
    unit_price: int
    quantity: object
    discount: int
    tax_base_cents: int
    other_tax_base_cents: int
    vat_cents: int


_NUMBER_COLUMNS = {"nsfp": NumberAssignment.number.label("nsfp"), "status_digit": NumberAssignment.status_digit}
_FILE_INVOICE_COLUMNS = tuple(
    _NUMBER_COLUMNS[name] if name in _NUMBER_COLUMNS else getattr(Invoice, name) for name in FileInvoice._fields
)
_FILE_LINE_COLUMNS = tuple(getattr(InvoiceLine, name) for name in FileLine._fields)


def file_invoices(invoice_ids: list[int]) -> Iterator[FileInvoice]:
    """These invoices with their live numbers. Core on the session's connection."""
    rows = db.session.connection().execute(
        db.select(*_FILE_INVOICE_COLUMNS)
        .outerjoin(NumberAssignment, live_number_join())
        .where(id_in(Invoice.id, invoice_ids))
    )
    return map(FileInvoice._make, rows)


def file_lines(invoice_ids: list[int]) -> Iterator[FileLine]:
    """The lines of these invoices, in invoice then line order."""
    rows = db.session.connection().execute(
        db.select(*_FILE_LINE_COLUMNS)
        .where(id_in(InvoiceLine.invoice_id, invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
    )
    return map(FileLine._make, rows)
