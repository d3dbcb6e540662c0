"""Import Coretax List: Coretax's output-tax list (Pajak Keluaran) brings each invoice its number and state.

The file is read whole first (formats/coretax_list.py): a file refused for what it is (not a list, encrypted,
a zip bomb, no headers, too many rows, formulas) changes nothing. Then every row finds its invoice:
1. by its Referensi, our invoice number as the XML carried it (whatever its letter case);
2. else by its number, when an invoice holds that number already;
3. else, for a replacement (same 13-digit serial, a higher status code), by the invoice holding that serial.
Each matched row is then applied on its own, by the rules of invoices/coretax.py, under the invoice's row lock,
a chunk of rows per transaction: one bad row never refuses the file, importing the same file again changes
nothing (and says so), and two imports at once end as one after the other would.

Every row gets an outcome (recorded, replaced, cancelled, unchanged, not applied and why), shown after the
import, answered by the API and kept with the import (CoretaxImport) to be opened again or downloaded as CSV.
"""
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from efaktur.activity.services import current_actor, record
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.files.models import CoretaxImport
from efaktur.files.uploads import shown_name
from efaktur.formats.coretax_list import ListLimits, ListRefused, ListRow, read_list
from efaktur.formats.pdf_names import CORETAX_NORMAL_STATUS
from efaktur.invoices import coretax
from efaktur.invoices.models import Invoice
from efaktur.invoices.numbering import holds_a_number
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.web.errors import Refused

ROW_CHUNK = 500  # rows applied per transaction (their invoices locked together, in id order)
LOOKUP_CHUNK = 1000
OUTCOMES = (coretax.RECORDED, coretax.REPLACED, coretax.CANCELLED, coretax.UNCHANGED, coretax.NOT_APPLIED)


class ListImportRefused(Refused):
    """The whole file is refused; nothing of it was applied."""


@dataclass
class RowOutcome:
    row: int
    reference: str
    number: str
    status: str
    kind: str = coretax.NOT_APPLIED
    message: str = ""
    invoice_id: int | None = None
    invoice_number: str | None = None

    def as_list(self) -> list:
        return [self.row, self.reference, self.number, self.status, self.kind, self.invoice_id, self.invoice_number,
                self.message]

    @classmethod
    def from_list(cls, values: list) -> "RowOutcome":
        row, reference, number, status, kind, invoice_id, invoice_number, message = values
        return cls(row, reference, number, status, kind, message, invoice_id, invoice_number)

    @property
    def kind_label(self) -> str:
        return gettext(coretax.OUTCOME_LABELS[self.kind])


@dataclass
class ListImport:
    id: int | None
    file_name: str
    outcomes: list[RowOutcome]
    counts: dict[str, int] = field(default_factory=dict)
    at: object = None
    actor: str = ""
    same_file_before: CoretaxImport | None = None  # an earlier import of this very file

    @property
    def rows(self) -> int:
        return len(self.outcomes)

    @property
    def changed(self) -> int:
        return sum(self.counts.get(kind, 0) for kind in (coretax.RECORDED, coretax.REPLACED, coretax.CANCELLED))

    def shown(self, first: int = 0, count: int | None = None) -> list[RowOutcome]:
        """Rows not applied first (they need the reader), then the others, each in the file's order."""
        ordered = sorted(self.outcomes, key=lambda o: (o.kind != coretax.NOT_APPLIED, o.row))
        return ordered[first:] if count is None else ordered[first:first + count]


def list_limits() -> ListLimits:
    config = current_app.config
    return ListLimits(max_rows=int(config["EFAKTUR_MAX_LIST_ROWS"]), max_file_bytes=int(config["EFAKTUR_MAX_LIST_BYTES"]))


def _lookup(column, keys: list, *extra) -> dict:
    """{key: (invoice id, invoice number, whether it holds a range number)}, looked up by a column."""
    found = {}
    for i in range(0, len(keys), LOOKUP_CHUNK):
        rows = db.session.execute(
            db.select(column, Invoice.id, Invoice.number, holds_a_number()).where(column.in_(keys[i:i + LOOKUP_CHUNK]), *extra)
        )
        for key, invoice_id, number, ranged in rows:
            found[key] = (invoice_id, number, bool(ranged))
    return found


def _targets(rows: list[ListRow], outcomes: list[RowOutcome]) -> dict[int, int]:
    """Row index -> the id of its invoice; rows without one get their reason here."""
    references = sorted({r.reference.lower() for r in rows if r.reference and r.problem is None})
    numbers = sorted({r.number for r in rows if r.number and r.problem is None})
    by_reference = _lookup(func.lower(Invoice.number), references)
    by_number = _lookup(Invoice.coretax_number, numbers)
    serial = func.substr(Invoice.coretax_number, 5)
    serials = sorted({r.number[4:] for r in rows if r.number and r.problem is None and r.number not in by_number
                      and r.number[2:4] != CORETAX_NORMAL_STATUS})
    by_serial = _lookup(serial, serials, Invoice.coretax_number.is_not(None))
    targets = {}
    for index, (row, outcome) in enumerate(zip(rows, outcomes)):
        if row.problem is not None:
            outcome.message = gettext("Row %(row)s: %(problem)s.", row=row.row, problem=row.problem)
            continue
        found = (by_reference.get(row.reference.lower()) if row.reference else None) or by_number.get(row.number) \
            or (by_serial.get(row.number[4:]) if row.number and row.number[2:4] != CORETAX_NORMAL_STATUS else None)
        if found is None:
            if row.reference:
                outcome.message = gettext("No invoice has the reference %(reference)s.", reference=row.reference)
            else:
                outcome.message = gettext(
                    "The Referensi is blank and no invoice holds %(number)s: match it by hand (buyer %(buyer)s, dated "
                    "%(date)s), then type the number on the invoice's page.", number=row.number or "–",
                    buyer=row.buyer or "–", date=row.invoice_date.isoformat() if row.invoice_date else "–")
            continue
        invoice_id, invoice_number, ranged = found
        outcome.invoice_id, outcome.invoice_number = invoice_id, invoice_number
        if ranged:
            outcome.message = gettext("Invoice %(invoice)s is numbered from an NSFP range (e-Faktur desktop), so "
                                      "Coretax's numbers are not its.", invoice=invoice_number)
            continue
        targets[index] = invoice_id
    return targets


def _row_problem(row: ListRow, invoice: Invoice) -> str | None:
    """What the row says that the invoice contradicts (its number is checked by apply_report)."""
    if row.code and row.code != invoice.transaction_code:
        return gettext("The row has transaction code %(code)s; invoice %(invoice)s has %(invoice_code)s.",
                       code=row.code, invoice=invoice.number, invoice_code=invoice.transaction_code)
    if row.invoice_date and row.invoice_date.year != invoice.invoice_date.year:
        return gettext("The row is dated %(year)s; invoice %(invoice)s is dated %(invoice_year)s.",
                       year=str(row.invoice_date.year), invoice=invoice.number, invoice_year=str(invoice.invoice_date.year))
    return None


def _apply_chunk(rows: list[ListRow], outcomes: list[RowOutcome], indexes: list[int], targets: dict[int, int],
                 source_name: str) -> None:
    invoice_ids = sorted({targets[i] for i in indexes})
    actor = current_actor()[1]  # before the transaction: its start expires the loaded user
    with write_transaction():
        locked = {
            invoice.id: invoice for invoice in db.session.scalars(
                db.select(Invoice).where(Invoice.id.in_(invoice_ids)).order_by(Invoice.id).with_for_update()
                .execution_options(populate_existing=True))
        }
        # Who holds the chunk's numbers, and the numbers its invoices hold: read once, kept as rows apply.
        holders = coretax.Holders(sorted({rows[i].number for i in indexes if rows[i].number}
                                         | {i.coretax_number for i in locked.values() if i.coretax_number}))
        for index in indexes:
            row, outcome = rows[index], outcomes[index]
            invoice = locked.get(targets[index])
            if invoice is None:
                outcome.kind, outcome.message = coretax.NOT_APPLIED, gettext("The invoice was deleted meanwhile.")
                continue
            problem = _row_problem(row, invoice)
            if problem:
                outcome.kind, outcome.message = coretax.NOT_APPLIED, problem
                continue
            applied = coretax.apply_report(invoice, row.number, row.status, "list",
                                           detail=gettext("%(file)s, row %(row)s", file=source_name, row=row.row),
                                           actor=actor, holders=holders)
            outcome.kind, outcome.message = applied.kind, applied.message


def _apply(rows: list[ListRow], outcomes: list[RowOutcome], targets: dict[int, int], source_name: str) -> None:
    indexes = sorted(targets)
    for start in range(0, len(indexes), ROW_CHUNK):
        chunk = indexes[start:start + ROW_CHUNK]
        try:
            _apply_chunk(rows, outcomes, chunk, targets, source_name)
        except IntegrityError:
            # Another import gave one of these numbers to another invoice between our check and our write: the
            # chunk is applied again, and its check now sees that invoice.
            db.session.rollback()
            _apply_chunk(rows, outcomes, chunk, targets, source_name)


SUMMARY = N_("%(recorded)s recorded, %(replaced)s replaced, %(cancelled)s cancelled, %(unchanged)s unchanged, "
             "%(not_applied)s not applied")


def summary(counts: dict[str, int]) -> str:
    return gettext(SUMMARY, **{kind: counts.get(kind, 0) for kind in OUTCOMES})


def import_output_list(name: str, stream) -> ListImport:
    """Read, match and apply one output-tax list; raises ListImportRefused when the file is refused whole."""
    limits = list_limits()
    data = stream.read(limits.max_file_bytes + 1)
    file_name = shown_name(name or "") or gettext("(no name)")
    try:
        rows = list(read_list(file_name, io.BytesIO(data), limits))
    except ListRefused as refused:
        raise ListImportRefused({"file": str(refused)}) from None
    if not rows:
        raise ListImportRefused({"file": gettext("The list has no rows below its headers: nothing to import.")})
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = db.session.scalar(db.select(CoretaxImport).where(CoretaxImport.sha256 == sha256)
                                .order_by(CoretaxImport.id.desc()).limit(1))
    outcomes = [RowOutcome(r.row, r.reference, r.number, r.status) for r in rows]
    targets = _targets(rows, outcomes)
    _apply(rows, outcomes, targets, file_name[:80])
    counts = dict(Counter(o.kind for o in outcomes))
    actor = current_actor()[1]
    with write_transaction():
        stored = CoretaxImport(
            at=utc_now(), actor=actor, file_name=file_name[:255], sha256=sha256, rows=len(rows),
            outcomes=json.dumps([o.as_list() for o in outcomes], ensure_ascii=False),
            **{kind: counts.get(kind, 0) for kind in OUTCOMES},
        )
        db.session.add(stored)
        record("coretax.list_imported",
               N_("Imported Coretax's list %(file)s, %(rows)s rows: %(recorded)s recorded, %(replaced)s replaced, "
                  "%(cancelled)s cancelled, %(unchanged)s unchanged, %(not_applied)s not applied."),
               subject="files", file=file_name[:120], rows=len(rows), **{kind: counts.get(kind, 0) for kind in OUTCOMES})
    return ListImport(stored.id, stored.file_name, outcomes, counts, stored.at, actor, earlier)


def load_import(import_id: int) -> ListImport | None:
    stored = db.session.get(CoretaxImport, import_id)
    if stored is None:
        return None
    outcomes = [RowOutcome.from_list(values) for values in json.loads(stored.outcomes)]
    counts = {kind: getattr(stored, kind) for kind in OUTCOMES}
    return ListImport(stored.id, stored.file_name, outcomes, counts, stored.at, stored.actor)


def recent_imports(limit: int = 10) -> list[CoretaxImport]:
    return list(db.session.scalars(db.select(CoretaxImport).order_by(CoretaxImport.id.desc()).limit(limit)))
