"""Invoices in a spreadsheet, in the two layouts the import reads. Pure: no Flask, no database; the values are
handed on as the cells hold them (invoices/imports.py parses them with the project's one parser of each kind).

1. Our own layout (the template the Invoices page offers): one row per invoice line, on the first sheet or in a
   CSV. The invoice's columns are filled on its first line and repeated or left empty on the next ones: a row
   whose Invoice No is empty, or the same as the row above, is one more line of that invoice. Headers are found
   by name in the first rows, in English or Indonesian (the caller gives the names), in any order.
2. DJP's converter template ("Sample Faktur PK Template"), as DJP ships it: sheet Faktur (its header row below
   the seller's NPWP) with one row per invoice, sheet DetailFaktur with one row per line, joined by Baris, each
   ending at a row whose Baris is END. Tanggal Faktur is DD/MM/YYYY (or a date cell). The columns DJP's
   converter computes (DPP, DPP Nilai Lain, PPN, the rates) are not read: the app computes them by its rules.
"""
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from efaktur.formats.workbooks import WorkbookRefused
from efaktur.language.lang import N_, gettext

HEADER_ROWS_SEARCHED = 10
END = "END"

# What the import reads of an invoice and of a line (the keys of SheetInvoice.values and SheetLine.values).
INVOICE_KEYS = ("number", "invoice_date", "due_date", "customer_name", "npwp_name", "buyer_document", "npwp",
                "buyer_document_number", "buyer_country", "buyer_branch_code", "address", "customer_email",
                "customer_language", "tax_enabled", "transaction_code", "add_info", "stamp", "custom_doc",
                "custom_doc_period", "invoice_type", "buyer_nitku", "seller_nitku")
LINE_KEYS = ("item", "kind", "goods_code", "unit", "quantity", "unit_price", "discount")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header in English (a catalogue text: the Indonesian header is its translation)
    help: str  # what goes in it, for the template's second sheet
    example: tuple  # the example invoice's value on its first and second line
    required: bool = False


# Our layout, in the template's order.
OUR_COLUMNS = (
    Column("number", N_("Invoice No"), N_("Your invoice number, unique: letters, digits and / . _ -. Required on the "
                                          "invoice's first line; its next lines repeat it or leave it empty."),
           ("INV-2026-000101", "INV-2026-000101"), True),
    Column("invoice_date", N_("Invoice Date"), N_("A date cell, or YYYY-MM-DD or DD/MM/YYYY, between 2000 and 2099."),
           (date(2026, 6, 15), None), True),
    Column("due_date", N_("Due Date"), N_("As the invoice date; empty: the invoice date."), (date(2026, 7, 15), None)),
    Column("customer_name", N_("Customer Name"), N_("The buyer's name as on the invoice."),
           ("PT Contoh Pelanggan", None), True),
    Column("npwp_name", N_("NPWP Name"), N_("The name registered with the NPWP, when it differs; else empty."),
           ("", None)),
    Column("buyer_document", N_("Buyer ID"), N_("How the buyer is identified: NPWP, NIK, Passport or Other ID; empty: "
                                                "NPWP."), ("NPWP", None)),
    Column("npwp", N_("NPWP"), N_("15 or 16 digits (dots and dashes allowed), as text so that the leading zero stays."),
           ("0012345678901000", None)),
    Column("buyer_document_number", N_("ID Number"), N_("The NIK (16 digits), passport or other ID number, when the "
                                                        "buyer is not identified by NPWP."), ("", None)),
    Column("buyer_country", N_("Country"), N_("ISO 3166 three-letter code; empty: IDN (Indonesia)."), ("IDN", None)),
    Column("buyer_branch_code", N_("Branch code (NITKU)"), N_("The buyer's business location: 6 digits; empty: 000000, "
                                                              "the head office."), ("000000", None)),
    Column("address", N_("Address"), N_("The buyer's address."), ("Jl. Sudirman No. 1, Jakarta", None)),
    Column("customer_email", N_("Customer Email"), N_("Where the e-Faktur PDF is e-mailed; may be empty."),
           ("finance@contoh.co.id", None)),
    Column("customer_language", N_("E-mail Language"), N_("id or en: the language of the customer's e-mail; empty: id."),
           ("id", None)),
    Column("tax_enabled", N_("Invoice Tax"), N_("Yes or No (Ya or Tidak); empty: Yes."), ("Yes", None)),
    Column("transaction_code", N_("Transaction Code"), N_("01 to 10; empty: 04 for invoices dated from 2025, 01 "
                                                          "before."), ("04", None)),
    Column("add_info", N_("Keterangan Tambahan"), N_("Codes 07 and 08 only: the facility, TD.005.. from DJP's list."),
           ("", None)),
    Column("stamp", N_("Cap Fasilitas"), N_("Codes 07 and 08 only: the stamp, TD.011.. from DJP's list."), ("", None)),
    Column("custom_doc", N_("Supporting document"), N_("Codes 07 and 08 only: the supporting document's number."),
           ("", None)),
    Column("custom_doc_period", N_("Supporting document period"), N_("Codes 07 and 08 only: its period, MMYYYY."),
           ("", None)),
    Column("item", N_("Item"), N_("The line's goods or service. Required on every line."),
           ("Jasa konsultasi Juni 2026", "Biaya perjalanan"), True),
    Column("kind", N_("Goods or Services"), N_("A (goods) or B (services); empty: A."), ("B", "B")),
    Column("goods_code", N_("Code"), N_("The 6-digit goods or services code; empty: 000000."), ("000000", "000000")),
    Column("unit", N_("Unit"), N_("A DJP unit code, e.g. UM.0018; empty: UM.0018."), ("UM.0030", "UM.0030")),
    Column("quantity", N_("Quantity"), N_("Above 0, at most two decimals; empty: 1."), (1, 2)),
    Column("unit_price", N_("Unit Price"), N_("Whole rupiah, before the discount. Required on every line."),
           (15000000, 750000), True),
    Column("discount", N_("Discount"), N_("Whole rupiah off the line's unit price x quantity; empty: 0."), (0, 0)),
)
OUR_INVOICE_KEYS = tuple(c.key for c in OUR_COLUMNS if c.key not in LINE_KEYS)

# DJP's converter template.
DJP_INVOICE_SHEET, DJP_LINE_SHEET = "Faktur", "DetailFaktur"
DJP_INVOICE_HEADERS = {
    "baris": "baris", "tanggal faktur": "invoice_date", "jenis faktur": "invoice_type",
    "kode transaksi": "transaction_code", "keterangan tambahan": "add_info", "dokumen pendukung": "custom_doc",
    "period dok pendukung": "custom_doc_period", "periode dok pendukung": "custom_doc_period",
    "referensi": "number", "cap fasilitas": "stamp", "npwp/nik pembeli": "npwp", "jenis id pembeli": "buyer_document",
    "negara pembeli": "buyer_country", "nomor dokumen pembeli": "buyer_document_number", "nama pembeli": "customer_name",
    "alamat pembeli": "address", "email pembeli": "customer_email", "id tku pembeli": "buyer_nitku",
    "id tku penjual": "seller_nitku",
}
DJP_LINE_HEADERS = {
    "baris": "baris", "barang/jasa": "kind", "kode barang jasa": "goods_code", "kode barang/jasa": "goods_code",
    "nama barang/jasa": "item", "nama barang jasa": "item", "nama satuan ukur": "unit", "harga satuan": "unit_price",
    "jumlah barang jasa": "quantity", "jumlah barang/jasa": "quantity", "total diskon": "discount",
}
DJP_REQUIRED = {DJP_INVOICE_SHEET: ("baris", "tanggal faktur", "kode transaksi", "referensi", "nama pembeli"),
                DJP_LINE_SHEET: ("baris", "nama barang/jasa", "harga satuan", "jumlah barang jasa")}


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int
    column: str  # "" when the row as a whole is wrong
    message: str


@dataclass(slots=True)
class SheetLine:
    row: int
    values: dict[str, object]  # key -> the cell's value as it holds it (text, a number, a date; None when empty)


@dataclass(slots=True)
class SheetInvoice:
    sheet: str
    row: int  # its first row
    values: dict[str, object]
    headers: dict[str, str]  # key -> its column's header as the file writes it (shared by the sheet's rows)
    lines: list[SheetLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    line_sheet: str = ""  # where its lines are (DJP: DetailFaktur)
    line_headers: dict[str, str] = field(default_factory=dict)


def normal_header(header) -> str:
    text = " ".join(str(header or "").split()).lower()
    return text.replace(" / ", "/").replace(" /", "/").replace("/ ", "/")


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as the text a parser reads: a whole float without its '.0', a Decimal in full, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _header_row(rows: Iterator[tuple], known: dict[str, str], anchor: str) -> tuple[int, dict[str, tuple[int, str]]]:
    """(row number, key -> (index, header as written)) of the first row naming `anchor`, among the first rows."""
    for number, row in enumerate(rows, start=1):
        found = {}
        for index, header in enumerate(row):
            key = known.get(normal_header(header))
            if key and key not in found:
                found[key] = (index, str(header).strip())
        if anchor in found:
            return number, found
        if number >= HEADER_ROWS_SEARCHED:
            break
    return 0, {}


def _values(row: tuple, columns: dict[str, tuple[int, str]], keys) -> dict[str, object]:
    return {key: row[index] if index < len(row) else None for key, (index, _) in columns.items() if key in keys}


def _headers(columns: dict[str, tuple[int, str]]) -> dict[str, str]:
    return {key: header for key, (_, header) in columns.items()}


def _too_many(max_lines: int) -> WorkbookRefused:
    return WorkbookRefused(gettext("The file has more than %(max_lines)s lines; import it in parts (a month at a time).",
                                   max_lines=max_lines))


def read_our_layout(sheet: str, rows: Iterable[tuple], headers: dict[str, str], max_lines: int) -> Iterator[SheetInvoice]:
    """Invoices of our layout. `headers`: normalised header (either language) -> key."""
    rows = iter(rows)
    header_at, columns = _header_row(rows, headers, "number")
    missing = [c for c in OUR_COLUMNS if c.required and c.key not in columns]
    if not header_at or missing:
        raise WorkbookRefused(gettext("No header row with the template's columns was found (missing: %(columns)s): "
                                      "download the template from the Invoices page and keep its first row.",
                                      columns=", ".join(gettext(c.label) for c in missing)))
    headers_of = _headers(columns)
    invoice_keys, line_keys = set(OUR_INVOICE_KEYS), set(LINE_KEYS)
    current, current_no, lines = None, "", 0
    for number, row in enumerate(rows, start=header_at + 1):
        if all(is_empty(v) for v in row):
            continue
        lines += 1
        if lines > max_lines:
            raise _too_many(max_lines)
        line = SheetLine(number, _values(row, columns, line_keys))
        invoice_values = _values(row, columns, invoice_keys)
        invoice_no = cell_text(invoice_values["number"])
        if current is not None and (not invoice_no or invoice_no == current_no):
            for key, value in invoice_values.items():  # a later line: its invoice columns are empty or the same
                if key != "number" and not is_empty(value) and cell_text(value) != cell_text(current.values[key]):
                    current.problems.append(Problem(sheet, number, headers_of[key], gettext(
                        "differs from the invoice's first line (row %(row)s): leave it empty on its next lines",
                        row=str(current.row))))
            current.lines.append(line)
            continue
        if current is not None:
            yield current
        current, current_no = SheetInvoice(sheet, number, invoice_values, headers_of, [line], line_sheet=sheet,
                                           line_headers=headers_of), invoice_no
        if not invoice_no:
            current.problems.append(Problem(sheet, number, headers_of["number"],
                                            gettext("is empty: every invoice's first line names its Invoice No")))
    if current is not None:
        yield current


def is_djp_template(sheet_names: list[str]) -> bool:
    names = {name.strip().lower() for name in sheet_names}
    return DJP_INVOICE_SHEET.lower() in names and DJP_LINE_SHEET.lower() in names


def _djp_columns(sheet: str, rows: Iterator[tuple], known: dict[str, str]) -> tuple[int, dict]:
    header_at, columns = _header_row(rows, {h: h for h in known}, "baris")
    missing = [h for h in DJP_REQUIRED[sheet] if h not in columns]
    if not header_at or missing:
        raise WorkbookRefused(gettext("Sheet %(sheet)s of DJP's template has no column %(columns)s.", sheet=sheet,
                                      columns=", ".join(missing) or "Baris"))
    return header_at, {known[h]: place for h, place in columns.items()}


def _baris(value) -> str:
    return cell_text(value).upper()


def _rows_to_end(rows: Iterator[tuple], columns: dict, header_at: int) -> Iterator[tuple[int, tuple, str]]:
    """(row number, row, its Baris) of a sheet of DJP's template below its header row, up to the END row; empty rows
    skipped."""
    for number, row in enumerate(rows, start=header_at + 1):
        if all(is_empty(v) for v in row):
            continue
        baris = _baris(_values(row, columns, {"baris"}).get("baris"))
        if baris == END:
            return
        yield number, row, baris


def read_djp_template(invoice_rows: Iterable[tuple], line_rows: Iterable[tuple], max_lines: int,
                      file_problems: list[Problem]) -> Iterator[SheetInvoice]:
    """Invoices of DJP's converter template: the Faktur rows with their DetailFaktur lines (by Baris), in the
    Faktur sheet's order. A line whose Baris names no invoice goes to `file_problems` (it belongs to no invoice,
    and the file does not import whole while it is there)."""
    invoice_rows, line_rows = iter(invoice_rows), iter(line_rows)
    header_at, columns = _djp_columns(DJP_INVOICE_SHEET, invoice_rows, DJP_INVOICE_HEADERS)
    headers_of, invoice_keys = _headers(columns), set(INVOICE_KEYS)
    invoices: dict[str, SheetInvoice] = {}
    ordered: list[SheetInvoice] = []
    for number, row, baris in _rows_to_end(invoice_rows, columns, header_at):
        invoice = SheetInvoice(DJP_INVOICE_SHEET, number, _values(row, columns, invoice_keys), headers_of,
                               line_sheet=DJP_LINE_SHEET)
        ordered.append(invoice)
        if not baris:
            invoice.problems.append(Problem(DJP_INVOICE_SHEET, number, headers_of["baris"],
                                            gettext("is empty: it joins the invoice to its lines in DetailFaktur")))
        elif baris in invoices:
            invoice.problems.append(Problem(DJP_INVOICE_SHEET, number, headers_of["baris"], gettext(
                "%(baris)s is the Baris of row %(row)s too", baris=baris, row=str(invoices[baris].row))))
        else:
            invoices[baris] = invoice
    if not ordered:
        raise WorkbookRefused(gettext("Sheet Faktur of DJP's template holds no invoice."))
    header_at, columns = _djp_columns(DJP_LINE_SHEET, line_rows, DJP_LINE_HEADERS)
    line_headers, line_keys, lines = _headers(columns), set(LINE_KEYS), 0
    for number, row, baris in _rows_to_end(line_rows, columns, header_at):
        lines += 1
        if lines > max_lines:
            raise _too_many(max_lines)
        invoice = invoices.get(baris)
        if invoice is None:
            file_problems.append(Problem(DJP_LINE_SHEET, number, line_headers["baris"], gettext(
                "%(baris)s names no row of sheet Faktur", baris=baris or gettext("(empty)"))))
            continue
        invoice.line_headers = line_headers
        invoice.lines.append(SheetLine(number, _values(row, columns, line_keys)))
    for invoice in ordered:
        if not invoice.lines and not invoice.problems:
            invoice.problems.append(Problem(DJP_INVOICE_SHEET, invoice.row, "", gettext(
                "has no line in DetailFaktur (no row with its Baris)")))
    yield from ordered


def template_workbook(headers: list[str], explanations: list[tuple[str, str, str, str]], sheet_names: tuple[str, str],
                      explanation_headers: tuple[str, ...]) -> bytes:
    """Our template as .xlsx: the header row (`headers`, in OUR_COLUMNS' order), the example invoice of two lines,
    and a second sheet explaining each column (header and help, in English and in Indonesian)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_names[0]
    sheet.append(headers)
    for line in range(2):
        sheet.append([column.example[line] for column in OUR_COLUMNS])
    bold = openpyxl.styles.Font(bold=True)
    for index, column in enumerate(OUR_COLUMNS, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = bold
        width = max(len(str(header.value)), *(len(cell_text(v)) for v in column.example)) + 2
        sheet.column_dimensions[header.column_letter].width = min(width, 40)
        for row in (2, 3):
            cell = sheet.cell(row=row, column=index)
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str) or cell.value is None:
                cell.number_format = "@"  # text: an NPWP or a code keeps its leading zeros
    for index, column in enumerate(OUR_COLUMNS, start=1):  # the rows to come: text where text is meant
        if column.key not in ("invoice_date", "due_date", "quantity", "unit_price", "discount"):
            letter = sheet.cell(row=1, column=index).column_letter
            for row in range(4, 204):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(sheet_names[1])
    help_sheet.append(list(explanation_headers))
    for cell in help_sheet[1]:
        cell.font = bold
    for row in explanations:
        help_sheet.append(list(row))
    for letter, width in zip("ABCD", (28, 28, 70, 70), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
