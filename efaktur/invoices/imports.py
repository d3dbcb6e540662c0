"""Import Invoices: the month's invoices from a spreadsheet (our template, or DJP's converter template).

`preview` reads the whole file and says what an import would do: how many invoices and lines, their DPP, PPN and
Total by the app's rules, and every problem by sheet, row and column. `import_invoices` reads it again (the
file is sent again with the button, so nothing of an upload is kept between the two) and creates all its valid
invoices in ONE transaction, or none: a file with problems imports nothing unless the user asked for its valid
invoices only. Every value goes through the project's one parser of its kind, and every draft through
services.check_draft and services.draft_rows (services.insert_invoices adds them a thousand at a time): an imported
invoice is what the New Invoice form makes of the same values.
"""
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func

from efaktur.activity.services import record
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.formats.invoice_sheets import (
    DJP_INVOICE_SHEET,
    DJP_LINE_SHEET,
    LINE_KEYS,
    OUR_COLUMNS,
    Problem,
    SheetInvoice,
    cell_text,
    is_djp_template,
    is_empty,
    normal_header,
    read_djp_template,
    read_our_layout,
    template_workbook,
)
from efaktur.formats.workbooks import (
    CSV,
    XLSX,
    Limits,
    WorkbookRefused,
    csv_rows,
    has_merged_cells,
    open_workbook,
    read_upload,
    sheet_rows,
)
from efaktur.invoices.models import Invoice
from efaktur.invoices.services import (
    INVOICE_NUMBER_MAX_LENGTH,
    MAX_LINES,
    DraftLine,
    InvoiceDraft,
    InvoiceRefused,
    check_draft,
    insert_invoices,
    invoice_number_problem,
    lock_invoice_numbers,
)
from efaktur.language.i18n import LANGUAGES, in_language, parse_language
from efaktur.language.lang import N_, gettext
from efaktur.rules.amounts import default_transaction_code
from efaktur.rules.emails import EmailError, parse_email
from efaktur.rules.facilities import FacilityError, parse_facility
from efaktur.rules.goods import DEFAULT_UNIT, GOODS, LINE_KINDS, UNIT_CODES, GoodsError, parse_goods_code
from efaktur.rules.identity import (
    BUYER_DOCUMENTS,
    BUYER_NIK,
    BUYER_TIN,
    CORETAX_BUYER_DOCUMENT,
    IdentityError,
    npwp16,
    parse_buyer_identity,
    parse_country,
    parse_location_code,
)
from efaktur.rules.money import MoneyError, parse_quantity, parse_rupiah
from efaktur.rules.nsfp import INVOICE_TRANSACTION_CODES
from efaktur.rules.text import formula_problem, text_problem
from efaktur.settings.services import current_settings

SHOWN_PROBLEMS = 200  # the preview lists so many problems; it counts all of them
LOOKUP_CHUNK = 1000
YES, NO = {"yes", "ya", "y", "true", "1"}, {"no", "tidak", "t", "n", "false", "0"}


def _again() -> str:
    return gettext("Save the file again from your spreadsheet as .xlsx or .csv, or download the template from the "
                   "Invoices page.")


def limits() -> Limits:
    """The import's limits: EFAKTUR_IMPORT_MAX_LINES lines (default 20,000), and the upload's size."""
    config = current_app.config
    return Limits(max_rows=int(config["EFAKTUR_IMPORT_MAX_LINES"]), max_file_bytes=int(config["EFAKTUR_IMPORT_MAX_BYTES"]))


@dataclass(frozen=True)
class ImportedDraft:
    draft: InvoiceDraft
    lines: int
    sheet: str  # where the invoice is in the file
    row: int
    column: str  # its Invoice No's header


@dataclass
class ImportPreview:
    file_name: str
    layout: str  # "template" (ours) or "djp"
    invoices: int = 0  # valid ones, which Import creates
    lines: int = 0  # their lines
    dpp_cents: int = 0
    ppn: int = 0  # whole rupiah, as billed
    total_cents: int = 0
    rejected: list[str] = field(default_factory=list)  # the invoice numbers (or rows) that have problems
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN_PROBLEMS
    problem_count: int = 0
    existing: list[str] = field(default_factory=list)  # numbers the app holds already
    created: list[int] = field(default_factory=list)  # the ids of the invoices imported
    digest: str = ""  # the file's SHA-256, carried by the page from Preview to Import
    drafts: list[ImportedDraft] = field(default_factory=list, repr=False)

    @property
    def clean(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(problem)


class ImportRefused(InvoiceRefused):
    """Nothing was imported; the message says why, and `preview` what the file holds (when it could be read)."""

    def __init__(self, errors: dict[str, str], preview: "ImportPreview | None" = None):
        super().__init__(errors)
        self.preview = preview


# ---- reading the file -------------------------------------------------------------------------

def header_names() -> dict[str, str]:
    """Our template's headers in both languages (and the keys themselves) -> their keys."""
    names = {}
    for language in LANGUAGES:
        with in_language(language):
            names.update({normal_header(gettext(column.label)): column.key for column in OUR_COLUMNS})
    names.update({column.key: column.key for column in OUR_COLUMNS})
    return names


def _sheet_invoices(name: str, upload, file_problems: list[Problem]) -> Iterator[tuple[str, SheetInvoice]]:
    """("template" | "djp", invoice as read) for each invoice of the upload. Raises WorkbookRefused."""
    bounds, again = limits(), _again()
    if upload.kind == CSV:
        for invoice in read_our_layout("CSV", csv_rows(upload.text, again), header_names(), bounds.max_rows):
            yield "template", invoice
        return
    if upload.kind != XLSX:
        raise WorkbookRefused(gettext("%(name)s is neither an .xlsx workbook nor a CSV.", name=name[-80:]))
    with open_workbook(upload, again) as workbook:
        sheets = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
        if is_djp_template(list(sheets)):
            chosen = [sheets[DJP_INVOICE_SHEET.lower()], sheets[DJP_LINE_SHEET.lower()]]
        else:
            chosen = workbook.worksheets[:1]
        for sheet in chosen:
            if has_merged_cells(upload, sheet):
                raise WorkbookRefused(gettext("Sheet %(sheet)s has merged cells: a merged cell's value is in its first "
                                              "cell only. Unmerge them (and fill every cell) and save.",
                                              sheet=sheet.title))
        if len(chosen) == 2:
            invoice_sheet, line_sheet = chosen
            for invoice in read_djp_template(sheet_rows(invoice_sheet, again, invoice_sheet.title),
                                             sheet_rows(line_sheet, again, line_sheet.title), bounds.max_rows,
                                             file_problems):
                yield "djp", invoice
        else:
            sheet = chosen[0]
            for invoice in read_our_layout(sheet.title, sheet_rows(sheet, again, sheet.title), header_names(),
                                           bounds.max_rows):
                yield "template", invoice


# ---- one invoice's values, each by its parser ---------------------------------------------------

class _Cells:
    """An invoice's values as text for the parsers, and its problems by column."""

    def __init__(self, invoice: SheetInvoice):
        self.invoice = invoice
        self.problems: list[Problem] = list(invoice.problems)

    def raw(self, key: str):
        return self.invoice.values.get(key)

    def text(self, key: str) -> str:
        return cell_text(self.raw(key))

    def problem(self, key: str, message: str, line=None) -> None:
        headers = self.invoice.line_headers if line is not None else self.invoice.headers
        sheet = self.invoice.line_sheet if line is not None else self.invoice.sheet
        row = line.row if line is not None else self.invoice.row
        self.problems.append(Problem(sheet, row, headers.get(key, key), message))


def _date(value) -> date | None:
    """A date cell, or YYYY-MM-DD, or DD/MM/YYYY (DJP's template); None when it is none of them."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        day, month, year = text.split("/")
        if len(year) == 4 and 1 <= len(day) <= 2 and 1 <= len(month) <= 2:
            return date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


def _parse_date(cells: _Cells, key: str, required: bool) -> date | None:
    value = cells.raw(key)
    if is_empty(value):
        if required:
            cells.problem(key, gettext("is empty"))
        return None
    parsed = _date(value)
    if parsed is None:
        cells.problem(key, gettext("%(value)s is not a date: use a date cell, YYYY-MM-DD or DD/MM/YYYY",
                                   value=cell_text(value)[:40]))
    elif not 2000 <= parsed.year <= 2099:
        cells.problem(key, gettext("Enter a date between 2000 and 2099."))
        return None
    return parsed


def _plain_text(cells: _Cells, key: str, max_length: int, required: bool = False, in_desktop_file: bool = True,
                line=None) -> str:
    value = cell_text(line.values.get(key) if line is not None else cells.raw(key))
    if not value:
        if required:
            cells.problem(key, gettext("is empty"), line)
        return ""
    problem = (gettext("has more than %(max)s characters", max=str(max_length)) if len(value) > max_length else None) \
        or text_problem(value, multiline=max_length > 200) or (formula_problem(value) if in_desktop_file else None)
    if problem:
        cells.problem(key, problem, line)
    return value


def _code(text: str) -> str:
    """A transaction code as spreadsheets write it: "04", "4", "04 - DPP Nilai Lain", DJP's "TD.00304"."""
    text = text.strip().upper()
    if text.startswith("TD.003") and text[6:8].isdigit():
        return text[6:8]
    digits = text.split(" ")[0].split("-")[0].strip()
    return f"{int(digits):02d}" if digits.isascii() and digits.isdigit() and len(digits) <= 2 else text[:20]


_DOCUMENTS = {**{code.lower(): key for key, code in CORETAX_BUYER_DOCUMENT.items()},
              **{key: key for key in BUYER_DOCUMENTS}, "npwp": BUYER_TIN, "ktp": BUYER_NIK}


def _document(cells: _Cells) -> str | None:
    text = cells.text("buyer_document")
    if not text:
        return BUYER_TIN
    found = _DOCUMENTS.get(text.lower())
    if found is None:
        for key, label in BUYER_DOCUMENTS.items():  # the form's words in the user's language
            if gettext(label).lower() == text.lower():
                found = key
    if found is None:
        cells.problem("buyer_document", gettext("%(value)s is not one of NPWP, NIK, Passport or Other ID",
                                                value=text[:40]))
    return found


def _saved_as_number(cells: _Cells, key: str) -> bool:
    """An identifier saved as a number has lost its leading zeros (and, past 15 digits, its last digits)."""
    value = cells.raw(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cells.problem(key, gettext("was saved as a number, which loses its leading zero: format the column as text "
                                   "and type the number again"))
        return True
    return False


def _buyer(cells: _Cells, djp: bool):
    document = _document(cells)
    if _saved_as_number(cells, "npwp") | _saved_as_number(cells, "buyer_document_number"):
        return None
    npwp, number = cells.text("npwp"), cells.text("buyer_document_number")
    if djp and document != BUYER_TIN:  # DJP's template: 16 zeros (or the NIK) in NPWP/NIK Pembeli
        if number in ("", "-") and npwp.strip("0"):
            number = npwp
        npwp = ""
    if djp and npwp.strip("0") == "" and npwp:
        npwp = ""
    if document is None:
        return None
    try:
        return parse_buyer_identity(document, npwp, number)
    except IdentityError as error:
        cells.problem("npwp" if error.field == "npwp" else "buyer_document_number", str(error))
        return None


def _branch(cells: _Cells, djp: bool) -> str:
    try:
        if djp:
            if _saved_as_number(cells, "buyer_nitku"):
                return ""
            nitku = cells.text("buyer_nitku").replace(".", "").replace("-", "")
            if nitku and len(nitku) != 22 and cells.text("buyer_document").upper() == "TIN":
                cells.problem("buyer_nitku", gettext("%(value)s is not an ID TKU: the buyer's NPWP (16 digits) and its "
                                                     "6-digit location, 22 digits", value=nitku[:30]))
                return ""
            return parse_location_code(nitku[-6:] if len(nitku) == 22 else "")
        return parse_location_code(cells.text("buyer_branch_code"))
    except IdentityError as error:
        cells.problem("buyer_nitku" if djp else "buyer_branch_code", str(error))
        return ""


def _tax_enabled(cells: _Cells) -> bool:
    text = cells.text("tax_enabled").lower()
    if not text or text in YES:
        return True
    if text in NO:
        return False
    cells.problem("tax_enabled", gettext("%(value)s is neither Yes nor No", value=text[:20]))
    return True


def _line(cells: _Cells, line) -> DraftLine | None:
    before = len(cells.problems)
    item = _plain_text(cells, "item", 200, required=True, line=line)
    kind = cell_text(line.values.get("kind")).upper() or GOODS
    if kind not in LINE_KINDS:
        cells.problem("kind", gettext("%(value)s is neither A (goods) nor B (services)", value=kind[:20]), line)
    try:
        goods_code = parse_goods_code(cell_text(line.values.get("goods_code")))
    except GoodsError as error:
        cells.problem("goods_code", str(error), line)
        goods_code = ""
    unit = cell_text(line.values.get("unit")).upper() or DEFAULT_UNIT
    if unit not in UNIT_CODES:
        cells.problem("unit", gettext("%(value)s is not one of DJP's unit codes (UM.0001 ... UM.0039)", value=unit[:20]),
                      line)
    quantity_value = line.values.get("quantity")
    try:
        quantity = parse_quantity(cell_text(quantity_value) or "1", gettext("quantity"),
                                  decimal_mark="." if isinstance(quantity_value, (int, float)) else None)
    except MoneyError as error:
        cells.problem("quantity", str(error), line)
        quantity = None
    amounts = []
    for key, what, required in (("unit_price", gettext("unit price"), True), ("discount", gettext("discount"), False)):
        text = cell_text(line.values.get(key))
        if not text and not required:
            amounts.append(0)
            continue
        try:
            amounts.append(parse_rupiah(text, what))
        except MoneyError as error:
            cells.problem(key, str(error), line)
            amounts.append(None)
    if len(cells.problems) > before or quantity is None or None in amounts:
        return None
    parsed = DraftLine(item, quantity, amounts[0], amounts[1], kind=kind, goods_code=goods_code, unit=unit)
    if parsed.discount_problem:
        cells.problem("discount", gettext("The discount cannot be more than the unit price x quantity."), line)
        return None
    return parsed


# The fields check_draft names, and the column they are read from.
_DRAFT_FIELDS = {"number": "number", "transaction_code": "transaction_code", "due_date": "due_date",
                 "buyer_document": "buyer_document", "add_info": "add_info", "lines": "item"}


def _seller(cells: _Cells, company_npwp: str) -> None:
    """DJP's template names the seller (ID TKU Penjual): another company's file is not this company's invoices."""
    if _saved_as_number(cells, "seller_nitku"):
        return
    nitku = cells.text("seller_nitku").replace(".", "").replace("-", "")
    if nitku and company_npwp and nitku[:16] != npwp16(company_npwp):
        cells.problem("seller_nitku", gettext("%(value)s is not this company's NPWP %(npwp)s (Billing Settings): is the "
                                              "file another company's?", value=nitku[:30], npwp=npwp16(company_npwp)))


def parse_invoice(invoice: SheetInvoice, layout: str, company_npwp: str = "") -> tuple[InvoiceDraft | None,
                                                                                       list[Problem]]:
    """The draft of one invoice of the file, or None and why not (each problem at its cell)."""
    cells, djp = _Cells(invoice), layout == "djp"
    if djp:
        _seller(cells, company_npwp)
    number = cells.text("number")
    if not number:
        if not any(p.column == invoice.headers.get("number") for p in cells.problems):
            cells.problem("number", gettext("is empty: it becomes the Invoice No"))
    elif len(number) > INVOICE_NUMBER_MAX_LENGTH or invoice_number_problem(number):
        cells.problem("number", invoice_number_problem(number))
    invoice_date = _parse_date(cells, "invoice_date", required=True)
    due_date = _parse_date(cells, "due_date", required=False) if not djp else None
    if djp and cells.text("invoice_type") and cells.text("invoice_type").lower() != "normal":
        cells.problem("invoice_type", gettext("%(value)s: only Normal invoices are imported (a replacement is made on "
                                              "the invoice in Coretax)", value=cells.text("invoice_type")[:20]))
    customer_name = _plain_text(cells, "customer_name", 200, required=True)
    npwp_name = _plain_text(cells, "npwp_name", 200)
    address = _plain_text(cells, "address", 1000)
    identity, branch = _buyer(cells, djp), _branch(cells, djp)
    try:
        country = parse_country(cells.text("buyer_country"))
    except IdentityError as error:
        cells.problem("buyer_country", str(error))
        country = ""
    try:
        email = parse_email(cells.text("customer_email")) if cells.text("customer_email") else ""
    except EmailError as error:
        cells.problem("customer_email", str(error))
        email = ""
    language = parse_language(cells.text("customer_language").lower() or "id")
    if language is None:
        cells.problem("customer_language", gettext("%(value)s is neither id nor en", value=cells.text("customer_language")[:20]))
    tax_enabled = True if djp else _tax_enabled(cells)
    code_text = cells.text("transaction_code")
    code = _code(code_text) if code_text else (default_transaction_code(invoice_date) if invoice_date else "")
    if code_text and code not in INVOICE_TRANSACTION_CODES:
        cells.problem("transaction_code", gettext("%(value)s is not a transaction code (01 to 10)", value=code_text[:20]))
    facility = None
    try:
        facility = parse_facility(code if tax_enabled else "", cells.text("add_info"), cells.text("stamp"),
                                  cells.text("custom_doc"), cells.text("custom_doc_period"))
    except FacilityError as error:
        cells.problem({"facility_stamp": "stamp"}.get(error.field, error.field), str(error))
    if len(invoice.lines) > MAX_LINES:
        cells.problem("item", gettext("An invoice has at most %(max_lines)s lines; this one has %(count)s. Split it in "
                                      "two.", max_lines=MAX_LINES, count=len(invoice.lines)), invoice.lines[MAX_LINES])
    lines = [_line(cells, line) for line in invoice.lines[:MAX_LINES]]
    if cells.problems or None in lines or identity is None or invoice_date is None or facility is None:
        return None, cells.problems
    draft = InvoiceDraft(
        number=number, customer_name=customer_name, npwp_name=npwp_name, npwp=identity.npwp, address=address,
        customer_email=email, customer_language=language, buyer_document=identity.document,
        buyer_document_number=identity.number, buyer_country=country, buyer_branch_code=branch,
        invoice_date=invoice_date, due_date=due_date or invoice_date, tax_enabled=tax_enabled, transaction_code=code,
        facility=facility, lines=lines)
    try:
        check_draft(draft)
    except InvoiceRefused as refused:
        for name, message in refused.errors.items():
            key = _DRAFT_FIELDS.get(name, name)
            cells.problem(key, message, invoice.lines[0] if key in LINE_KEYS else None)
        return None, cells.problems
    return draft, cells.problems


# ---- the preview and the import ------------------------------------------------------------------

def _existing(numbers: list[str]) -> dict[str, str]:
    """lower(number) -> the number as the app holds it, for those of `numbers` the app holds already."""
    found = {}
    lowered = sorted({n.lower() for n in numbers})
    for i in range(0, len(lowered), LOOKUP_CHUNK):
        found.update(db.session.execute(
            db.select(func.lower(Invoice.number), Invoice.number).where(func.lower(Invoice.number).in_(
                lowered[i:i + LOOKUP_CHUNK]))).all())
    return found


def preview(name: str, stream) -> ImportPreview:
    """What importing this file would do, and every problem in it. Raises ImportRefused for a file it cannot read."""
    file_problems: list[Problem] = []
    result = None
    seen: dict[str, tuple[str, int]] = {}  # lower(number) -> (sheet, row) of its first invoice
    company_npwp = current_settings().company_npwp
    try:
        upload = read_upload(name, stream, limits(), _again())
        digest = hashlib.sha256(upload.data).hexdigest()
        for layout, sheet_invoice in _sheet_invoices(name, upload, file_problems):
            if result is None:
                result = ImportPreview(name, layout, digest=digest)
            draft, problems = parse_invoice(sheet_invoice, layout, company_npwp)
            key = cell_text(sheet_invoice.values.get("number")).lower()
            if key and key in seen:
                problems.append(Problem(sheet_invoice.sheet, sheet_invoice.row,
                                        sheet_invoice.headers.get("number", ""), gettext(
                                            "%(number)s is in the file twice (row %(row)s too)",
                                            number=cell_text(sheet_invoice.values.get("number")),
                                            row=str(seen[key][1]))))
                draft = None
            elif key:
                seen[key] = (sheet_invoice.sheet, sheet_invoice.row)
            for problem in problems:
                result.add_problem(problem)
            if draft is None:
                result.rejected.append(cell_text(sheet_invoice.values.get("number"))
                                       or gettext("row %(row)s", row=str(sheet_invoice.row)))
                continue
            result.drafts.append(ImportedDraft(draft, len(draft.lines), sheet_invoice.sheet, sheet_invoice.row,
                                               sheet_invoice.headers.get("number", "")))
    except WorkbookRefused as refused:
        raise ImportRefused({"file": str(refused)}) from None
    if result is None:
        raise ImportRefused({"file": gettext("The file holds no invoice: fill the rows below the header row.")})
    for problem in file_problems:
        result.add_problem(problem)
    existing = _existing([d.draft.number for d in result.drafts])
    if existing:
        kept = []
        for item in result.drafts:
            held = existing.get(item.draft.number.lower())
            if held is None:
                kept.append(item)
                continue
            result.existing.append(held)
            result.rejected.append(item.draft.number)
            result.add_problem(Problem(item.sheet, item.row, item.column, gettext(
                "Invoice No %(number)s exists already.", number=held)))
        result.drafts = kept
    for item in result.drafts:
        amounts = item.draft.amounts
        result.invoices += 1
        result.lines += item.lines
        result.dpp_cents += amounts.dpp
        result.ppn += amounts.ppn_charged
        result.total_cents += amounts.grand_total
    return result


def import_invoices(name: str, stream, valid_only: bool = False, previewed: str | None = None) -> ImportPreview:
    """Create the file's invoices in one transaction, all or none. Raises ImportRefused (nothing written).

    `previewed`: the digest of the file the user previewed (the page's Import); another file is refused."""
    result = preview(name, stream)
    if previewed is not None and previewed != result.digest:  # another file was chosen after the preview
        raise ImportRefused({"file": gettext("This is not the file that was previewed: Preview it first.")}, result)
    if not result.drafts:
        raise ImportRefused({"file": gettext("No invoice of the file can be imported: see the problems below.")},
                            result)
    if not result.clean and not valid_only:
        raise ImportRefused({"file": gettext("The file has problems, so nothing was imported: mend them, or import "
                                             "its valid invoices only.")}, result)
    with write_transaction():
        lock_invoice_numbers()
        taken = _existing([item.draft.number for item in result.drafts])  # again, under the lock
        if taken:
            raise ImportRefused({"file": gettext("Invoice No %(numbers)s exist already: nothing was imported.",
                                                 numbers=", ".join(sorted(taken.values())[:20]))}, result)
        result.created = insert_invoices([item.draft for item in result.drafts])
        record("invoice.imported", N_("Imported %(invoices)s invoices with %(lines)s lines from %(file)s (DPP %(dpp)s, "
                                      "PPN %(ppn)s)."),
               invoices=result.invoices, lines=result.lines, file=name[-120:], dpp={"cents": result.dpp_cents},
               ppn=result.ppn)
    return result


def template_file() -> bytes:
    """Our template: the headers in the user's language, the example invoice, each column explained in both."""
    texts = {}
    for language in ("en", "id"):
        with in_language(language):
            texts[language] = [(gettext(c.label) + (" *" if c.required else ""), gettext(c.help)) for c in OUR_COLUMNS]
    explanations = [(en[0], id_[0], en[1], id_[1]) for en, id_ in zip(texts["en"], texts["id"], strict=True)]
    return template_workbook([gettext(c.label) for c in OUR_COLUMNS], explanations,
                             (gettext("Invoices"), gettext("Columns")),
                             ("Column (English)", "Kolom (Bahasa Indonesia)", "What goes in it", "Isinya"))
