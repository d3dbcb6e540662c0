"""Export to the tax office's import files: which invoices may go, the file, and the Exported mark.

The file is written as it is read, a chunk of invoices at a time (a generator: 100,000
invoices never sit in memory). Only when the last byte is written are the invoices
marked Exported, in one statement, and only those unchanged since they were read: an
invoice edited while the file was being written stays Not Exported. A download that
is broken off marks nothing.
"""
import json
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, text

from efaktur.activity.services import current_actor, record
from efaktur.database import is_postgresql, write_transaction
from efaktur.exports.queries import (
    Period,
    Selection,
    buyer_unidentified_sql,
    file_invoices,
    file_lines,
    lacks_facility_sql,
)
from efaktur.extensions import db
from efaktur.formats import coretax_xml, efaktur_csv
from efaktur.formats.records import ExportInvoice, ExportLine, Seller
from efaktur.invoices.models import STATUS_CANCELLED, Invoice
from efaktur.invoices.numbering import holds_a_number
from efaktur.language.lang import N_, SHOWN, gettext, ngettext, some_of
from efaktur.rules import reporting
from efaktur.rules.amounts import RATE_12_FROM
from efaktur.rules.clock import utc_now
from efaktur.rules.facilities import Facility, needs_facility
from efaktur.rules.identity import BuyerIdentity, lacks_domestic_identity
from efaktur.rules.nsfp import CORETAX_ONLY_CODE
from efaktur.settings.services import company_route, current_settings
from efaktur.types import UTCDateTime
from efaktur.web.errors import Refused

log = logging.getLogger(__name__)

CSV = "csv"
XML = "xml"
FORMATS = {
    CSV: {"label": "e-Faktur CSV", "suffix": "e-Faktur-CSV.csv", "media_type": efaktur_csv.MEDIA_TYPE},
    XML: {"label": "Coretax XML", "suffix": "Coretax-XML.xml", "media_type": coretax_xml.MEDIA_TYPE},
}
# DJP takes at most 1,000 invoices in one TaxInvoiceBulk (DDTC, from DJP's guidance): a larger selection
# downloads as a zip of XML files of at most this many, each a valid file on its own.
XML_PART_SIZE = 1000
ZIP_MEDIA_TYPE = "application/zip"
READ_CHUNK = 1000
MAX_EXPORT = 200_000  # one file; ticked one by one, at most MAX_BATCH (the rest: tick all of the period)


class ExportRefused(Refused):
    """Nothing was exported; the message says why, naming the invoices."""

    def __init__(self, message: str):
        super().__init__({"invoice_ids": message})


class ExportChanged(RuntimeError):
    """An invoice stopped being exportable while its file was written: the download is broken off."""


# Each problem: (said of one invoice, said of several, what to do), and which invoices have it, as a
# condition the database checks (a period of 200,000 invoices is never loaded to be checked).
_TAX_OFF = (("has Invoice Tax switched off", "have Invoice Tax switched off", ""), lambda: Invoice.tax_enabled.is_(False))
_CANCELLED = (("is cancelled", "are cancelled", ""), lambda: Invoice.status == STATUS_CANCELLED)
_NO_NUMBER = (
    ("has no E-Faktur No", "have no E-Faktur No", "generate their numbers first, or untick them"),
    lambda: and_(Invoice.transaction_code != CORETAX_ONLY_CODE, ~holds_a_number()),
)
_CORETAX_ONLY = (
    ("has transaction code 10, which exists only in Coretax", "have transaction code 10, which exists only in Coretax",
     "export them as XML"),
    lambda: Invoice.transaction_code == CORETAX_ONLY_CODE,
)
_BEFORE_CORETAX = (
    ("is dated before 2025, which Coretax does not take", "are dated before 2025, which Coretax does not take",
     "export them as CSV"),
    lambda: Invoice.invoice_date < RATE_12_FROM,
)
_RANGE_NUMBERED = (
    ("holds an E-Faktur No from an NSFP range, so it goes to desktop e-Faktur as CSV (in the XML, Coretax would number "
     "it a second time)",
     "hold an E-Faktur No from an NSFP range, so they go to desktop e-Faktur as CSV (in the XML, Coretax would number "
     "them a second time)",
     "export them as CSV"),
    holds_a_number,
)
_IN_CORETAX = (
    ("holds a Coretax number, so it is in Coretax already", "hold a Coretax number, so they are in Coretax already", ""),
    lambda: Invoice.coretax_number.is_not(None),
)
_BUYER_UNIDENTIFIED = (
    ("has a buyer in Indonesia with neither NPWP nor NIK", "have a buyer in Indonesia with neither NPWP nor NIK",
     "fill in the buyer's NPWP, or the NIK of a person without NPWP, on the invoice"),
    buyer_unidentified_sql,
)
_NO_FACILITY = (
    ("has code 07 or 08 without its facility and stamp", "have code 07 or 08 without their facility and stamp",
     "choose the Keterangan Tambahan and the Cap Fasilitas on the invoice"),
    lambda: and_(Invoice.tax_enabled.is_(True), lacks_facility_sql()),
)
_NOT_ON_DESKTOP = (
    ("has code 06 or 07 and is dated 2025 or later, which desktop e-Faktur may not report (KEP-54/PJ/2025)",
     "have code 06 or 07 and are dated 2025 or later, which desktop e-Faktur may not report (KEP-54/PJ/2025)",
     "export them as XML for Coretax"),
    lambda: and_(Invoice.transaction_code.in_(DESKTOP_EXCLUDED_CODES), Invoice.invoice_date >= RATE_12_FROM),
)
# The words above, for the catalogue (they are put together at the time of the message).
PROBLEM_WORDS = {text: text for text in (
    N_("has Invoice Tax switched off"), N_("have Invoice Tax switched off"), N_("is cancelled"), N_("are cancelled"),
    N_("has no E-Faktur No"), N_("have no E-Faktur No"), N_("generate their numbers first, or untick them"),
    N_("has transaction code 10, which exists only in Coretax"), N_("have transaction code 10, which exists only in Coretax"),
    N_("export them as XML"), N_("is dated before 2025, which Coretax does not take"),
    N_("are dated before 2025, which Coretax does not take"), N_("export them as CSV"),
    N_("holds a Coretax number, so it is in Coretax already"), N_("hold a Coretax number, so they are in Coretax already"),
    N_("has a buyer in Indonesia with neither NPWP nor NIK"), N_("have a buyer in Indonesia with neither NPWP nor NIK"),
    N_("fill in the buyer's NPWP, or the NIK of a person without NPWP, on the invoice"),
    N_("has code 07 or 08 without its facility and stamp"), N_("have code 07 or 08 without their facility and stamp"),
    N_("choose the Keterangan Tambahan and the Cap Fasilitas on the invoice"),
    N_("has code 06 or 07 and is dated 2025 or later, which desktop e-Faktur may not report (KEP-54/PJ/2025)"),
    N_("have code 06 or 07 and are dated 2025 or later, which desktop e-Faktur may not report (KEP-54/PJ/2025)"),
    N_("export them as XML for Coretax"),
    N_("holds an E-Faktur No from an NSFP range, so it goes to desktop e-Faktur as CSV (in the XML, Coretax would "
       "number it a second time)"),
    N_("hold an E-Faktur No from an NSFP range, so they go to desktop e-Faktur as CSV (in the XML, Coretax would "
       "number them a second time)"),
)}
# Desktop e-Faktur is allowed again from 12 February 2025, but not for these codes (KEP-54/PJ/2025).
DESKTOP_EXCLUDED_CODES = frozenset({"06", "07"})
_PROBLEMS = {
    CSV: (_TAX_OFF, _CANCELLED, _CORETAX_ONLY, _NOT_ON_DESKTOP, _NO_NUMBER, _BUYER_UNIDENTIFIED, _NO_FACILITY),
    # Each invoice goes one way: numbered from a range to the desktop CSV, without one to Coretax's XML.
    XML: (_TAX_OFF, _CANCELLED, _BEFORE_CORETAX, _IN_CORETAX, _RANGE_NUMBERED, _BUYER_UNIDENTIFIED, _NO_FACILITY),
}


def refusals(fmt: str, selection: Selection) -> list[str]:
    """What stops these invoices from going into a file of this format, one sentence per problem."""
    sentences = []
    for (one, several, advice), condition in _PROBLEMS[fmt]:
        count = selection.count(condition())
        if count:
            said = gettext(PROBLEM_WORDS[one]) if count == 1 else gettext(PROBLEM_WORDS[several])
            sentence = ngettext("%(num)s invoice %(said)s (%(names)s)", "%(num)s invoices %(said)s (%(names)s)", count,
                                said=said, names=some_of(selection.numbers(condition(), limit=SHOWN), count))
            sentences.append(sentence + (": " + gettext(PROBLEM_WORDS[advice]) if advice else ""))
    return sentences


def seller() -> Seller:
    """The company as the files name it; refused while its NPWP is not set."""
    settings = current_settings()
    if not settings.company_npwp:
        raise ExportRefused(
            gettext("The company's NPWP is not set, and the tax office's files need it. An admin sets it under " "Billing Settings, Company.")
        )
    return Seller(settings.company_npwp, settings.business_location_code or "000000", settings.company_name)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[A-Za-z0-9]+", ascii_text))[:60] or "company"


def file_name(company: str, fmt: str, periods: list[Period]) -> str:
    """e.g. PT-Maju-Jaya_2026-11_e-Faktur-CSV.csv: the company, the period(s) and the format."""
    first, last = min(periods, key=lambda p: (p.year, p.month)), max(periods, key=lambda p: (p.year, p.month))
    span = first.value if first == last else f"{first.value}_to_{last.value}"
    return f"{_slug(company)}_{span}_{FORMATS[fmt]['suffix']}"


@dataclass
class ExportPlan:
    """What one download will hold, checked before the first byte is sent."""

    fmt: str
    seller: Seller
    invoice_ids: list[int]  # in file order: invoice date, then id
    file_name: str
    periods: list[Period]

    @property
    def parts(self) -> list[list[int]]:
        """The invoice ids of each file: one file, or for XML parts of at most XML_PART_SIZE."""
        if self.fmt != XML or len(self.invoice_ids) <= XML_PART_SIZE:
            return [self.invoice_ids]
        return [self.invoice_ids[i : i + XML_PART_SIZE] for i in range(0, len(self.invoice_ids), XML_PART_SIZE)]

    @property
    def zipped(self) -> bool:
        return len(self.parts) > 1

    @property
    def media_type(self) -> str:
        return ZIP_MEDIA_TYPE if self.zipped else FORMATS[self.fmt]["media_type"]

    @property
    def download_name(self) -> str:
        """The file the browser saves: the XML or CSV itself, or the zip of the parts."""
        return self.file_name.rsplit(".", 1)[0] + ".zip" if self.zipped else self.file_name

    def part_name(self, part: int) -> str:
        """PT-Maju-Jaya_2026-11_Coretax-XML-part-1-of-3.xml"""
        stem, _, suffix = self.file_name.rpartition(".")
        return f"{stem}-part-{part}-of-{len(self.parts)}.{suffix}"

    @property
    def period_label(self) -> str:
        labels = sorted({(p.year, p.month): p.label for p in self.periods}.items())
        return labels[0][1] if len(labels) == 1 else gettext("%(start)s to %(end)s", start=labels[0][1], end=labels[-1][1])

    @property
    def period_months(self) -> dict:
        """The period for the activity log, shown in each reader's language: {"months": ["2026-05", "2026-06"]}."""
        return {"months": sorted({p.value for p in self.periods})}


def plan_export(fmt: str, selection: Selection) -> ExportPlan:
    """Check the selected invoices for this format, in SQL; raises ExportRefused naming the ones that cannot go."""
    if fmt not in FORMATS:
        raise ExportRefused(gettext("Choose Export CSV or Export XML."))
    if fmt == XML and not reporting.uses_coretax(company_route()):
        raise ExportRefused(gettext("Nothing was exported: this company reports through e-Faktur desktop (Billing "
                                    "Settings), so its invoices go out as CSV once numbered. To send invoices to "
                                    "Coretax as XML, choose Coretax or both there."))
    company = seller()
    missing_ids = selection.missing_ids()
    if missing_ids:
        raise ExportRefused(gettext("Nothing was exported: unknown invoice id %(ids)s.",
                                    ids=some_of([str(i) for i in missing_ids])))
    count = selection.count()
    if not count:
        raise ExportRefused(gettext("Tick at least one invoice to export."))
    if count > MAX_EXPORT:
        raise ExportRefused(gettext("At most %(max_export)s invoices go into one file; choose a shorter period.",
                                    max_export=MAX_EXPORT))
    problems = refusals(fmt, selection)
    if problems:
        raise ExportRefused(gettext("Nothing was exported: ") + "; ".join(problems) + ".")
    periods = selection.periods()
    return ExportPlan(fmt, company, selection.invoice_ids(), file_name(company.name, fmt, periods), periods)


def _records(invoices, lines, order: list[int], fmt: str, written: list[tuple[int, int]]) -> Iterator[ExportInvoice]:
    """ExportInvoice records, in `order`, from file_invoices() and file_lines() of one chunk."""
    heads = {head.id: head for head in invoices}
    lines_of: dict[int, list[ExportLine]] = {}
    for line in lines:
        lines_of.setdefault(line.invoice_id, []).append(ExportLine(
            line.kind, line.goods_code, line.item, line.unit, line.unit_price, line.quantity, line.discount,
            line.tax_base_cents, line.other_tax_base_cents, line.vat_cents))
    for invoice_id in order:
        head = heads.get(invoice_id)
        if head is None or invoice_id not in lines_of:
            raise ExportChanged(gettext("invoice %(invoice_id)s disappeared while its file was written",
                                        invoice_id=invoice_id))
        wrong_route = head.nsfp is None if fmt == CSV else head.nsfp is not None  # a range number to the CSV only
        if (not head.tax_enabled or head.status == STATUS_CANCELLED or wrong_route
                or lacks_domestic_identity(head.buyer_document, head.npwp, head.buyer_country)
                or (needs_facility(head.transaction_code) and not (head.facility_add_info and head.facility_stamp))):
            raise ExportChanged(gettext("invoice %(number)s stopped being exportable while its file was written",
                                        number=head.number))
        written.append((invoice_id, head.revision))
        yield ExportInvoice(
            invoice_id, head.number, head.invoice_date, head.transaction_code, head.status_digit, head.nsfp,
            BuyerIdentity(head.buyer_document, head.npwp, head.buyer_document_number), head.buyer_country,
            head.npwp_name or head.customer_name, head.address, head.customer_email, head.buyer_branch_code,
            head.dpp_cents, head.dpp_other_cents, head.vat_rate, head.vat_cents,
            Facility(head.facility_add_info, head.facility_stamp, head.custom_doc, head.custom_doc_period),
            tuple(lines_of[invoice_id]),
        )


def _begin_snapshot() -> None:
    """Read the whole file from one snapshot of the database.

    The request's read transaction ends first (it wrote nothing). PostgreSQL: the next one
    is REPEATABLE READ, one snapshot for every statement of the export. SQLite (WAL): a
    read transaction sees one snapshot until it ends anyway.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    if is_postgresql():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def export_records(plan: ExportPlan, written: list[tuple[int, int]], invoice_ids: list[int] | None = None
                   ) -> Iterator[ExportInvoice]:
    """The plan's invoices (or these of them) as file records, read a chunk at a time; (id, revision) of each goes
    to `written`."""
    invoice_ids = plan.invoice_ids if invoice_ids is None else invoice_ids
    for i in range(0, len(invoice_ids), READ_CHUNK):
        chunk = invoice_ids[i : i + READ_CHUNK]
        yield from _records(file_invoices(chunk), file_lines(chunk), chunk, plan.fmt, written)


class _ZipSink:
    """Where a streamed zip writes: the bytes since the last take(), and how many in all (zipfile asks tell();
    with no seek() it writes each member's sizes after its data, as a stream can)."""

    def __init__(self):
        self.chunks, self.size = [], 0

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _zipped_parts(plan: ExportPlan, written: list[tuple[int, int]], recorded) -> Iterator[bytes]:
    """The XML parts in one zip, each written as its invoices are read: never a part, let alone all, in memory."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, ids in enumerate(plan.parts, start=1):
            with archive.open(plan.part_name(number), "w") as member:
                for piece in coretax_xml.write_xml(plan.seller, recorded(export_records(plan, written, ids))):
                    member.write(piece.encode("utf-8"))
                    if sink.size:
                        yield sink.take()
        yield sink.take()
    yield sink.take()


# Mark what was written, in one statement whatever the count; `revision` must still be what
# was read, so an invoice edited meanwhile is left Not Exported.
_MARK_POSTGRESQL = text(
    """
    UPDATE invoice SET exported_at = :now, exported_by = :actor, exported_file = :file
    FROM unnest(CAST(:ids AS integer[]), CAST(:revisions AS integer[])) AS written(id, revision)
    WHERE invoice.id = written.id AND invoice.revision = written.revision
    """
).bindparams(bindparam("now", type_=UTCDateTime()))
_MARK_SQLITE = text(
    """
    UPDATE invoice SET exported_at = :now, exported_by = :actor, exported_file = :file
    FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS revision
          FROM json_each(:written)) AS written
    WHERE invoice.id = written.id AND invoice.revision = written.revision
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def mark_exported(written: list[tuple[int, int]], actor_email: str, file_name: str = "") -> int:
    """Mark these (id, revision) pairs Exported (in `file_name`) in one statement; returns how many were marked."""
    now = utc_now()
    common = {"now": now, "actor": actor_email, "file": file_name[:120] or None}
    if is_postgresql():
        params = {"ids": [w[0] for w in written], "revisions": [w[1] for w in written]}
        return db.session.execute(_MARK_POSTGRESQL, {**common, **params}).rowcount
    return db.session.execute(_MARK_SQLITE, {**common, "written": json.dumps(written)}).rowcount


def _log(plan: ExportPlan, first_numbers: list[str], marked: int) -> None:
    count = len(plan.invoice_ids)
    params = {"count": count, "period": plan.period_months, "format": {"t": FORMATS[plan.fmt]["label"]},
              "file": plan.download_name, "numbers": {"some_of": first_numbers, "total": count}, "changed": count - marked}
    if count == 1:
        message = N_("Exported %(count)s invoice of %(period)s as %(format)s (%(file)s): %(numbers)s.")
    else:
        message = N_("Exported %(count)s invoices of %(period)s as %(format)s (%(file)s): %(numbers)s.")
    if marked < count:
        message = (N_("Exported %(count)s invoice of %(period)s as %(format)s (%(file)s): %(numbers)s. %(changed)s "
                      "changed "
                      "while the file was written and stays Not Exported.") if count == 1 else
                   N_("Exported %(count)s invoices of %(period)s as %(format)s (%(file)s): %(numbers)s. %(changed)s "
                      "changed "
                      "while the file was written and stay Not Exported."))
    record(f"export.{plan.fmt}", message, subject="export", **params)


def stream_export(plan: ExportPlan) -> Iterator[str]:
    """The file's text, piece by piece; after the last piece, the Exported marks and the log entry."""
    actor = current_actor()
    written: list[tuple[int, int]] = []
    numbers: list[str] = []
    _begin_snapshot()

    def recorded(records):
        for rec in records:
            if len(numbers) < SHOWN:
                numbers.append(rec.invoice_number)
            yield rec

    if plan.zipped:
        yield from _zipped_parts(plan, written, recorded)
    elif plan.fmt == CSV:
        yield from efaktur_csv.write_csv(recorded(export_records(plan, written)))
    else:
        yield from coretax_xml.write_xml(plan.seller, recorded(export_records(plan, written)))
    db.session.commit()  # the snapshot ends; the marks go in a transaction of their own
    with write_transaction():
        marked = mark_exported(written, actor[1], plan.download_name)
        _log(plan, numbers, marked)
    log.info("exported %s invoices as %s (%s marked)", len(written), plan.fmt, marked)
