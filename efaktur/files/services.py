"""Uploading approved e-Faktur PDFs, recording Coretax numbers, and what makes an invoice reported.

An upload is read twice and written once: first every file is named and checked (the
number in its name, which invoice holds that number, whether it is a PDF within the
limits); a zip with anything wrong with it is refused whole. Then, in one write
transaction, the matched files are stored and their invoices become reported. Nothing of
a refused upload is stored.
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func

from ..activity.services import current_actor, record
from ..clock import utc_now
from ..database import write_transaction
from ..errors import Refused
from ..extensions import db
from ..formats.pdf_names import CORETAX, DESKTOP, NameProblem, PdfNumber, coretax_number, number_in_name
from ..invoices.models import Invoice
from ..lang import N_, gettext
from ..numbers.ledger import mark_replacement
from ..numbers.models import NumberAssignment
from ..uploads import FileProblem, UploadedFile, UploadLimits, UploadRefused, list_files, shown_name
from .models import EMAIL_READY, EfakturFile, EfakturFileContent

__all__ = ["UploadRefused", "process_upload", "record_coretax_number", "upload_limits"]

LOOKUP_CHUNK = 1000
CONTENT_BATCH_BYTES = 8 * 2**20  # file contents are written in batches of about this much, then let go


class CoretaxRefused(Refused):
    pass


def upload_limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(
        max_pdf_bytes=int(config["EFAKTUR_MAX_PDF_BYTES"]),
        max_upload_bytes=int(config["EFAKTUR_MAX_UPLOAD_BYTES"]),
        max_files=int(config["EFAKTUR_MAX_UPLOAD_FILES"]),
    )


@dataclass
class FileOutcome:
    """What became of one file of an upload."""

    name: str
    number: PdfNumber | None = None
    invoice_id: int | None = None
    invoice_number: str | None = None
    problem: str | None = None
    history_only: bool = False  # an older file than the invoice's current one: kept in its history
    skipped: bool = False
    source: UploadedFile | None = field(default=None, repr=False)

    @property
    def matched(self) -> bool:
        return self.invoice_id is not None and self.problem is None


@dataclass
class UploadResult:
    outcomes: list[FileOutcome]

    @property
    def matched(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.matched]

    @property
    def unmatched(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if not o.matched and not o.skipped]


@dataclass(frozen=True)
class Holder:
    """The invoice that holds a number, as the match needs it."""

    invoice_id: int
    invoice_number: str
    transaction_code: str
    status: str  # desktop: the live E-Faktur No's status digit; Coretax: the recorded number's status code


def _desktop_holders(nsfps: list[int]) -> dict[int, Holder]:
    holders = {}
    for i in range(0, len(nsfps), LOOKUP_CHUNK):
        rows = db.session.execute(
            db.select(NumberAssignment.number, Invoice.id, Invoice.number, NumberAssignment.transaction_code,
                      NumberAssignment.status_digit)
            .join(Invoice, Invoice.id == NumberAssignment.invoice_id)
            .where(NumberAssignment.number.in_(nsfps[i : i + LOOKUP_CHUNK]), NumberAssignment.released_at.is_(None))
        )
        for nsfp, invoice_id, number, code, status in rows:
            holders[nsfp] = Holder(invoice_id, number, code, status)
    return holders


def _coretax_holders(serials: list[str]) -> dict[str, Holder]:
    """By serial (the last 13 digits): a replacement keeps the serial and changes the status code."""
    holders = {}
    serial = func.substr(Invoice.coretax_number, 5)
    for i in range(0, len(serials), LOOKUP_CHUNK):
        rows = db.session.execute(
            db.select(Invoice.coretax_number, Invoice.id, Invoice.number)
            .where(Invoice.coretax_number.is_not(None), serial.in_(serials[i : i + LOOKUP_CHUNK]))
        )
        for coretax, invoice_id, number in rows:
            holders[coretax[4:]] = Holder(invoice_id, number, coretax[:2], coretax[2:4])
    return holders


def _match(outcomes: list[FileOutcome]) -> None:
    """Find the invoice of every named file; say why where there is none."""
    named = [o for o in outcomes if o.number is not None and o.problem is None]
    desktop = _desktop_holders(sorted({o.number.nsfp for o in named if o.number.kind == DESKTOP}))
    coretax = _coretax_holders(sorted({o.number.serial for o in named if o.number.kind == CORETAX}))
    for outcome in named:
        number = outcome.number
        holder = desktop.get(number.nsfp) if number.kind == DESKTOP else coretax.get(number.serial)
        if holder is None:
            outcome.problem = (gettext("no invoice holds E-Faktur No %(number)s",
                                       number=number.label) if number.kind == DESKTOP
                               else gettext("no invoice holds Coretax number %(number)s", number=number.label))
            continue
        if holder.transaction_code != number.transaction_code:
            outcome.problem = (
                gettext("%(label)s has transaction code %(code)s, but invoice %(invoice)s has code %(invoice_code)s",
                        label=number.label, code=number.transaction_code, invoice=holder.invoice_number,
                        invoice_code=holder.transaction_code)
            )
            continue
        outcome.invoice_id, outcome.invoice_number = holder.invoice_id, holder.invoice_number
        # An older file than what the invoice holds now (the normal one after its replacement).
        outcome.history_only = number.status < holder.status


def _check_contents(outcomes: list[FileOutcome], limits: UploadLimits) -> None:
    """Read every file once, within the limits: a zip with anything but PDFs is refused whole.

    A file that is no PDF, or too large, says so whatever its name says.
    """
    for outcome in outcomes:
        if outcome.skipped:
            continue
        try:
            outcome.source.read(limits)
        except FileProblem as problem:
            outcome.problem = str(problem)


def _name_files(files: list[UploadedFile]) -> list[FileOutcome]:
    outcomes = []
    for f in files:
        outcome = FileOutcome(f.name, source=f, skipped=f.skipped is not None, problem=f.skipped)
        if not outcome.skipped:
            try:
                outcome.number = number_in_name(f.file_name)
            except NameProblem as problem:
                outcome.problem = str(problem)
        outcomes.append(outcome)
    # The same number (one serial) in two files: which one is right is not for us to guess.
    by_serial = defaultdict(list)
    for outcome in outcomes:
        if outcome.number is not None:
            by_serial[(outcome.number.kind, outcome.number.serial)].append(outcome)
    for same in by_serial.values():
        if len(same) > 1:
            for outcome in same:
                outcome.problem = gettext("the same number is in %(count)s files of this upload", count=len(same))
    return outcomes


def _lock_invoices(invoice_ids: list[int]) -> dict[int, Invoice]:
    locked = {}
    for i in range(0, len(invoice_ids), LOOKUP_CHUNK):
        for invoice in db.session.scalars(
            db.select(Invoice)
            .where(Invoice.id.in_(invoice_ids[i : i + LOOKUP_CHUNK]))
            .order_by(Invoice.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            locked[invoice.id] = invoice
    return locked


class _ContentWriter:
    """PDF bytes go to the database in batches (Core inserts) and are let go at once: an upload of
    2,000 files never holds them all, neither here nor in the session."""

    def __init__(self):
        self.pending: list[tuple[EfakturFile, bytes]] = []
        self.size = 0

    def add(self, stored: EfakturFile, content: bytes) -> None:
        self.pending.append((stored, content))
        self.size += len(content)
        if self.size >= CONTENT_BATCH_BYTES:
            self.write()

    def write(self) -> None:
        if not self.pending:
            return
        db.session.flush()  # the files' ids
        db.session.execute(
            EfakturFileContent.__table__.insert(), [{"file_id": f.id, "data": data} for f, data in self.pending]
        )
        self.pending, self.size = [], 0


def _store(outcomes: list[FileOutcome], limits: UploadLimits, upload_name: str) -> None:
    matched = sorted((o for o in outcomes if o.matched), key=lambda o: o.invoice_id)
    actor_id, actor = current_actor()
    now = utc_now()
    contents = _ContentWriter()
    with write_transaction():
        invoices = _lock_invoices([o.invoice_id for o in matched])  # lock order as everywhere: invoices first
        # Under the lock, the numbers are read again: one may have been cancelled since the match.
        holders = _desktop_holders([o.number.nsfp for o in matched if o.number.kind == DESKTOP])
        current = {
            f.invoice_id: f
            for f in db.session.scalars(
                db.select(EfakturFile).where(
                    EfakturFile.invoice_id.in_([o.invoice_id for o in matched]), EfakturFile.superseded_at.is_(None)
                )
            )
        } if matched else {}
        for outcome in matched:
            number, invoice = outcome.number, invoices.get(outcome.invoice_id)
            if number.kind == DESKTOP:
                holder = holders.get(number.nsfp)
                still = holder is not None and holder.invoice_id == outcome.invoice_id
            else:
                still = invoice is not None and invoice.coretax_number is not None and invoice.coretax_number[4:] == number.serial
            if not still:
                outcome.problem, outcome.invoice_id = gettext("the number was cancelled while the upload was read"), None
                continue
            content = outcome.source.read(limits)
            stored = EfakturFile(
                invoice_id=invoice.id, kind=number.kind, number=number.digits, replacement=number.replacement,
                file_name=outcome.source.file_name[:255], size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), uploaded_at=now, uploaded_by=actor,
                email_status=EMAIL_READY, superseded_at=now if outcome.history_only else None,
            )
            if not outcome.history_only:
                previous = current.get(invoice.id)
                if previous is not None:
                    previous.superseded_at = now
                    db.session.flush()  # one current file per invoice, also while this one goes in
                if number.replacement:
                    if number.kind == DESKTOP:
                        mark_replacement(invoice.id, number.status)
                    else:
                        invoice.coretax_number = number.digits
            db.session.add(stored)
            contents.add(stored, content)
            if invoice.efaktur_reported_at is None:
                invoice.efaktur_reported_at = now
        contents.write()
        stored_now = [o for o in outcomes if o.matched]
        unmatched = [o for o in outcomes if not o.matched and not o.skipped]
        params = {"upload": upload_name, "count": len(stored_now),
                  "stored": {"some_of": [o.invoice_number for o in stored_now[:5]], "total": len(stored_now)},
                  "unmatched": len(unmatched),
                  "names": {"some_of": [o.name for o in unmatched[:5]], "total": len(unmatched)}}
        one = len(stored_now) == 1
        if stored_now and unmatched:
            message = (N_("Uploaded %(upload)s: %(count)s file matched and stored (%(stored)s); %(unmatched)s not "
                          "matched "
                          "(%(names)s).") if one else
                       N_("Uploaded %(upload)s: %(count)s files matched and stored (%(stored)s); %(unmatched)s not "
                          "matched "
                          "(%(names)s)."))
        elif stored_now:
            message = (N_("Uploaded %(upload)s: %(count)s file matched and stored (%(stored)s).") if one else
                       N_("Uploaded %(upload)s: %(count)s files matched and stored (%(stored)s)."))
        elif unmatched:
            message = N_("Uploaded %(upload)s: 0 files matched and stored; %(unmatched)s not matched (%(names)s).")
        else:
            message = N_("Uploaded %(upload)s: 0 files matched and stored.")
        record("files.uploaded", message, subject="files", **params)


def process_upload(uploads: list[tuple[str, object]]) -> UploadResult:
    """Match, check and store an upload; raises UploadRefused when it is refused whole."""
    limits = upload_limits()
    files = list_files(uploads, limits)
    outcomes = _name_files(files)
    _check_contents(outcomes, limits)
    _match(outcomes)
    names = [shown_name(name) for name, _ in uploads]
    upload_name = names[0] if len(names) == 1 else f"{len(names):,} files"
    _store(outcomes, limits, upload_name)
    return UploadResult(outcomes)


def record_coretax_number(invoice_id: int, text: str) -> Invoice:
    """Record (or clear, with an empty text) the 17-digit number DJP assigned the invoice in Coretax."""
    text = (text or "").strip()
    number = None
    if text:
        try:
            number = coretax_number(text)
        except NameProblem as problem:
            raise CoretaxRefused({"coretax_number": str(problem)}) from None
    with write_transaction():
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if invoice is None:
            raise CoretaxRefused({"coretax_number": gettext("This invoice no longer exists.")})
        has_coretax_file = db.session.scalar(
            db.select(EfakturFile.id).where(EfakturFile.invoice_id == invoice_id, EfakturFile.kind == CORETAX).limit(1)
        )
        if has_coretax_file:
            raise CoretaxRefused(
                {"coretax_number": gettext("The Coretax PDF of this invoice is uploaded: its number stays as the PDF "
                                           "says.")}
            )
        if number is not None:
            errors = None
            if number.transaction_code != invoice.transaction_code:
                errors = (gettext("%(digits)s has transaction code %(code)s; this invoice has %(invoice_code)s.",
                                  digits=number.digits,
                                 code=number.transaction_code, invoice_code=invoice.transaction_code))
            elif number.serial[:2] != f"{invoice.invoice_date.year % 100:02d}":
                errors = (gettext("The year digits of %(digits)s are %(year_digits)s; the invoice is dated %(year)s.",
                                 digits=number.digits, year_digits=number.serial[:2], year=str(invoice.invoice_date.year)))
            else:
                other = db.session.scalar(
                    db.select(Invoice.number).where(Invoice.coretax_number == number.digits, Invoice.id != invoice_id)
                )
                if other:
                    errors = gettext("Invoice %(other)s holds %(digits)s already.", other=other, digits=number.digits)
            if errors:
                raise CoretaxRefused({"coretax_number": errors})
        before = invoice.coretax_number
        invoice.coretax_number = number.digits if number else None
        if before != invoice.coretax_number:
            record("invoice.coretax_number", N_("Invoice %(number)s: Coretax number %(before)s to %(after)s."),
                   subject=f"invoice:{invoice.id}", number=invoice.number, before=before or {"t": N_("(none)")},
                   after=invoice.coretax_number or {"t": N_("(none)")})
    return invoice
