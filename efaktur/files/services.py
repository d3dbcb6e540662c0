"""Uploading approved e-Faktur PDFs, recording Coretax numbers, and what makes an invoice reported.

An upload is read twice and written once: first every file is named and checked (the
number in its name, which invoice it belongs to, whether it is a PDF within the limits);
a zip with anything wrong with it is refused whole. Then, in one write transaction, the
matched files are stored and their invoices become reported. Nothing of a refused upload
is stored.

How a file finds its invoice:
- a desktop PDF by the E-Faktur No in its name (the invoice holding that range number), when the seller NPWP in
  its name is the company's and the buyer NPWP in its name the invoice's buyer's (zeros for a buyer without one);
- a Coretax PDF by the reference printed inside it (`(Referensi: INV-7)`: the invoice number the XML carried),
  when the 17-digit number printed beside it is the one in its name. An invoice with no Coretax number yet gets
  the PDF's, when the number's checks pass (invoices/coretax.py); one holding another number keeps it.
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func

from efaktur.activity.services import current_actor, record
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.files.models import EMAIL_READY, EMAIL_SENDING, EMAIL_SENT, EMAIL_UNKNOWN, EfakturFile, EfakturFileContent
from efaktur.files.uploads import FileProblem, UploadedFile, UploadLimits, UploadRefused, list_files, shown_name
from efaktur.formats.coretax_list import APPROVED
from efaktur.formats.coretax_pdf import CoretaxPdfText, PdfUnreadable, coretax_text
from efaktur.formats.pdf_names import (
    CORETAX,
    DESKTOP,
    NameParties,
    NameProblem,
    PdfNumber,
    coretax_number,
    number_in_name,
    parties_in_name,
)
from efaktur.invoices import coretax
from efaktur.invoices.models import Invoice
from efaktur.invoices.numbering import holds_a_number
from efaktur.language.lang import N_, gettext
from efaktur.numbers.ledger import mark_replacement
from efaktur.numbers.models import NumberAssignment
from efaktur.rules.clock import utc_now
from efaktur.rules.identity import npwp16
from efaktur.settings.services import current_settings
from efaktur.web.errors import Refused

__all__ = ["UploadRefused", "process_upload", "upload_limits"]

LOOKUP_CHUNK = 1000
CONTENT_BATCH_BYTES = 8 * 2**20  # file contents are written in batches of about this much, then let go


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
    parties: NameParties | None = None  # the NPWPs in the name
    text: CoretaxPdfText | None = None  # what a Coretax PDF prints of itself
    records_number: bool = False  # the file gives its invoice the Coretax number

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
    buyer_ids: frozenset[str] = frozenset()  # what a file name may carry as the buyer's NPWP (16 digits)


def _buyer_ids(npwp: str | None, document: str, document_number: str | None) -> frozenset[str]:
    """A buyer's NPWP as a PDF name carries it (16 digits); zeros for a buyer without one (or its NIK)."""
    if npwp:
        return frozenset({npwp16(npwp)})
    return frozenset({"0" * 16} | ({document_number} if document == "nik" and document_number else set()))


def _desktop_holders(nsfps: list[int]) -> dict[int, Holder]:
    holders = {}
    for i in range(0, len(nsfps), LOOKUP_CHUNK):
        rows = db.session.execute(
            db.select(NumberAssignment.number, Invoice.id, Invoice.number, NumberAssignment.transaction_code,
                      NumberAssignment.status_digit, Invoice.npwp, Invoice.buyer_document,
                      Invoice.buyer_document_number)
            .join(Invoice, Invoice.id == NumberAssignment.invoice_id)
            .where(NumberAssignment.number.in_(nsfps[i : i + LOOKUP_CHUNK]), NumberAssignment.released_at.is_(None))
        )
        for nsfp, invoice_id, number, code, status, npwp, document, document_number in rows:
            holders[nsfp] = Holder(invoice_id, number, code, status, _buyer_ids(npwp, document, document_number))
    return holders


@dataclass(frozen=True)
class Referenced:
    """The invoice a Coretax PDF's reference names, as the match needs it."""

    invoice_id: int
    invoice_number: str
    coretax_number: str | None
    holds_range_number: bool


def _referenced(references: list[str]) -> dict[str, Referenced]:
    """By reference, lower case (invoice numbers are unique whatever their case)."""
    found = {}
    for i in range(0, len(references), LOOKUP_CHUNK):
        rows = db.session.execute(
            db.select(func.lower(Invoice.number), Invoice.id, Invoice.number, Invoice.coretax_number, holds_a_number())
            .where(func.lower(Invoice.number).in_(references[i : i + LOOKUP_CHUNK]))
        )
        for key, invoice_id, number, held_coretax, ranged in rows:
            found[key] = Referenced(invoice_id, number, held_coretax, bool(ranged))
    return found


def _company_npwp() -> str:
    return current_settings().company_npwp or ""


def _seller_problem(outcome: FileOutcome, company_npwp: str) -> str | None:
    """The seller NPWP in a file's name must be the company's."""
    if outcome.parties is None:
        return None
    if not company_npwp:
        return gettext("its name carries the seller NPWP %(npwp)s, and the company's NPWP is not set on Billing "
                       "Settings to compare it with", npwp=outcome.parties.seller)
    if npwp16(outcome.parties.seller) != npwp16(company_npwp):
        return gettext("its name carries the seller NPWP %(npwp)s, which is not the company's (%(company)s)",
                       npwp=outcome.parties.seller, company=company_npwp)
    return None


def _match_desktop(outcome: FileOutcome, holder: Holder | None) -> None:
    number = outcome.number
    if holder is None:
        outcome.problem = gettext("no invoice holds E-Faktur No %(number)s", number=number.label)
        return
    if holder.transaction_code != number.transaction_code:
        outcome.problem = gettext("%(label)s has transaction code %(code)s, but invoice %(invoice)s has code "
                                  "%(invoice_code)s", label=number.label, code=number.transaction_code,
                                  invoice=holder.invoice_number, invoice_code=holder.transaction_code)
        return
    buyer = outcome.parties.buyer if outcome.parties else None
    if buyer and npwp16(buyer) not in holder.buyer_ids:
        outcome.problem = gettext("its name carries the buyer NPWP %(npwp)s, which is not the buyer's of invoice "
                                  "%(invoice)s", npwp=buyer, invoice=holder.invoice_number)
        return
    outcome.invoice_id, outcome.invoice_number = holder.invoice_id, holder.invoice_number
    # An older file than what the invoice holds now (the normal one after its replacement).
    outcome.history_only = number.status < holder.status


def _match_coretax(outcome: FileOutcome, invoice: Referenced | None) -> None:
    number, text = outcome.number, outcome.text
    if invoice is None:
        outcome.problem = gettext("no invoice has the reference %(reference)s that the PDF prints",
                                  reference=text.reference)
        return
    if invoice.holds_range_number:
        outcome.problem = gettext("invoice %(invoice)s is numbered from an NSFP range, so it goes to e-Faktur desktop, "
                                  "not to Coretax", invoice=invoice.invoice_number)
        return
    held = invoice.coretax_number
    if held is None:
        problem = coretax.number_problem(db.session.get(Invoice, invoice.invoice_id), number.digits)
        if problem:
            outcome.problem = problem
            return
        outcome.records_number = True
    elif held[4:] != number.serial:
        outcome.problem = gettext("invoice %(invoice)s holds Coretax number %(held)s, and the PDF is of %(number)s",
                                  invoice=invoice.invoice_number, held=held, number=number.digits)
        return
    elif number.status > held[2:4]:
        outcome.records_number = True  # its replacement: the invoice takes the newer number
    outcome.invoice_id, outcome.invoice_number = invoice.invoice_id, invoice.invoice_number
    # An older file than what the invoice holds now (the normal one after its replacement).
    outcome.history_only = held is not None and number.status < held[2:4]


def _match(outcomes: list[FileOutcome]) -> None:
    """Find the invoice of every named file; say why where there is none."""
    named = [o for o in outcomes if o.number is not None and o.problem is None]
    company_npwp = _company_npwp()
    for outcome in named:
        outcome.problem = _seller_problem(outcome, company_npwp)
    named = [o for o in named if o.problem is None]
    desktop = _desktop_holders(sorted({o.number.nsfp for o in named if o.number.kind == DESKTOP}))
    referenced = _referenced(sorted({o.text.reference.lower() for o in named if o.number.kind == CORETAX}))
    for outcome in named:
        if outcome.number.kind == DESKTOP:
            _match_desktop(outcome, desktop.get(outcome.number.nsfp))
        else:
            _match_coretax(outcome, referenced.get(outcome.text.reference.lower()))


def _check_contents(outcomes: list[FileOutcome], limits: UploadLimits) -> None:
    """Read every file once, within the limits: a zip with anything but PDFs is refused whole.

    A file that is no PDF, or too large, says so whatever its name says. A Coretax PDF's text is read here:
    its reference finds the invoice, and its number must be the one in its name.
    """
    for outcome in outcomes:
        if outcome.skipped:
            continue
        try:
            content = outcome.source.read(limits)
        except FileProblem as problem:
            outcome.problem = str(problem)
            continue
        if outcome.number is not None and outcome.number.kind == DESKTOP:
            continue
        if outcome.number is None and outcome.problem is None:
            continue
        _read_coretax_text(outcome, content)


def _read_coretax_text(outcome: FileOutcome, content: bytes) -> None:
    """A Coretax PDF (by its name, or a PDF whose name holds no number): its reference and printed number."""
    unnamed = outcome.number is None
    try:
        outcome.text = coretax_text(content)
    except PdfUnreadable as unreadable:
        if not unnamed:
            outcome.problem = str(unreadable)
        return
    printed = outcome.text.number
    if unnamed:  # a renamed Coretax PDF: its printed number stands for the name's
        if printed is None or outcome.text.reference is None:
            return  # not a Coretax PDF either: the name's problem stands
        try:
            outcome.number, outcome.problem = coretax_number(printed), None
        except NameProblem as problem:
            outcome.problem = str(problem)
        return
    if outcome.problem is not None:
        return
    if outcome.text.reference is None:
        outcome.problem = gettext("its text has no (Referensi: ...), so it cannot be matched to an invoice")
    elif printed is None:
        outcome.problem = gettext("its text has no Kode dan Nomor Seri Faktur Pajak to compare with its name")
    elif printed != outcome.number.digits:
        outcome.problem = gettext("its name says %(name_number)s but the PDF prints %(printed)s",
                                  name_number=outcome.number.digits, printed=printed)


def _name_files(files: list[UploadedFile]) -> list[FileOutcome]:
    outcomes = []
    for f in files:
        outcome = FileOutcome(f.name, source=f, skipped=f.skipped is not None, problem=f.skipped)
        if not outcome.skipped:
            try:
                outcome.number = number_in_name(f.file_name)
                outcome.parties = parties_in_name(f.file_name)
            except NameProblem as problem:
                outcome.problem = str(problem)
        outcomes.append(outcome)
    return outcomes


def _same_number_twice(outcomes: list[FileOutcome]) -> None:
    """The same number (one serial) in two files: which one is right is not for us to guess."""
    by_serial = defaultdict(list)
    for outcome in outcomes:
        if outcome.number is not None and not outcome.skipped:
            by_serial[(outcome.number.kind, outcome.number.serial)].append(outcome)
    for same in by_serial.values():
        if len(same) > 1:
            for outcome in same:
                outcome.problem = gettext("the same number is in %(count)s files of this upload", count=len(same))


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


def _store(outcomes: list[FileOutcome], limits: UploadLimits, upload_name: str | dict) -> None:
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
            elif outcome.records_number and invoice is not None:
                # The PDF gives the invoice its number (or its replacement's), by the rules of every report.
                applied = coretax.apply_report(invoice, number.digits, APPROVED, "pdf", detail=outcome.source.file_name)
                still = applied.kind in (coretax.RECORDED, coretax.REPLACED, coretax.UNCHANGED)
                if not still:
                    outcome.problem, outcome.invoice_id = applied.message, None
                    continue
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
                if number.replacement and number.kind == DESKTOP:
                    mark_replacement(invoice.id, number.status)
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
    _same_number_twice(outcomes)
    _match(outcomes)
    names = [shown_name(name) for name, _ in uploads]
    upload_name = names[0] if len(names) == 1 else {"each": [{"m": N_("%(count)s files"), "count": len(names)}]}
    _store(outcomes, limits, upload_name)
    return UploadResult(outcomes)


class FileRefused(Refused):
    pass


def removal_refusal(stored: EfakturFile) -> str | None:
    """Why a file cannot be removed (None: it can): once an e-mail has gone out with it, it stays."""
    if stored.email_status in (EMAIL_SENT, EMAIL_SENDING, EMAIL_UNKNOWN):
        return gettext("An e-mail with this file has gone out to the customer (or is going now), so it stays.")
    if stored.kind == DESKTOP and stored.replacement:
        return gettext("This replacement's file made the E-Faktur No a replacement; it cannot be taken back here.")
    return None


def remove_file(file_id: int, reason: str) -> EfakturFile:
    """Remove a wrongly matched file while no e-mail went out with it. The invoice's earlier file (if any) is its
    current one again; with none left the invoice is unreported again; a Coretax number the file gave goes too."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise FileRefused({"reason": gettext("Say why the file is wrong for this invoice: the activity log keeps it.")})
    with write_transaction():
        invoice_id = db.session.scalar(db.select(EfakturFile.invoice_id).where(EfakturFile.id == file_id))
        if invoice_id is None:
            raise FileRefused({"reason": gettext("This file was removed already.")})
        invoice = _lock_invoices([invoice_id])[invoice_id]  # lock order as everywhere: invoices first
        stored = db.session.scalars(db.select(EfakturFile).where(EfakturFile.id == file_id).with_for_update()
                                    .execution_options(populate_existing=True)).first()
        if stored is None:
            raise FileRefused({"reason": gettext("This file was removed already.")})
        refusal = removal_refusal(stored)
        if refusal:
            raise FileRefused({"reason": refusal})
        was_current = stored.superseded_at is None
        name, number, kind = stored.file_name, stored.number, stored.kind
        db.session.execute(EfakturFileContent.__table__.delete().where(EfakturFileContent.file_id == file_id))
        db.session.execute(EfakturFile.__table__.delete().where(EfakturFile.id == file_id))
        if was_current:
            earlier = db.session.scalars(db.select(EfakturFile).where(EfakturFile.invoice_id == invoice_id)
                                         .order_by(EfakturFile.uploaded_at.desc(), EfakturFile.id.desc()).limit(1)).first()
            if earlier is not None:
                earlier.superseded_at = None
            else:
                invoice.efaktur_reported_at = None
        if kind == CORETAX:
            coretax.take_back_pdf_number(invoice, number)
        record("files.removed", N_("Removed file %(file)s from invoice %(invoice)s: %(reason)s"),
               subject=f"invoice:{invoice_id}", file=name, invoice=invoice.number, reason=reason[:300])
    return stored
