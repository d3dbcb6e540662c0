"""Coretax's output-tax list ("Pajak Keluaran"): the xlsx its table downloads, or the CSV of its bulk download
(also inside its zip). Pure: no Flask, no database. Read with openpyxl in read-only mode, row by row.

Columns are found by their header, in Indonesian or in English (a Coretax session in English exports the raw
keys), in any order, with any capitalisation; columns this module does not know are ignored. The number is
always read as text: a workbook saved with it as a number has lost its leading zero (and, at 17 digits, its
last digits to floating point), so such a row is not read. What is refused whole, before any row is read:
a file that is neither a workbook nor a CSV, an encrypted or broken workbook, one that would unpack beyond
the limits (a zip bomb), a sheet without the headers (naming the missing ones), more rows than the limit,
and formulas instead of values (Coretax's own download holds none).
"""
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from efaktur.formats.workbooks import (
    XLSX,
    ZIP,
    Limits,
    WorkbookRefused,
    csv_rows,
    decode,
    open_workbook,
    read_upload,
    sheet_rows,
)
from efaktur.language.lang import gettext

HEADER_ROWS_SEARCHED = 10

REFERENCE, NUMBER, STATUS, CODE, DATE, BUYER = "reference", "number", "status", "code", "date", "buyer"
REQUIRED = (REFERENCE, NUMBER, STATUS)
# Header -> column, both languages, normalised (lower case, single spaces, no spaces around "/").
HEADERS = {
    "referensi": REFERENCE, "reference": REFERENCE,
    "nomor faktur pajak": NUMBER, "taxinvoicenumber": NUMBER,
    "status faktur": STATUS, "taxinvoicestatus": STATUS,
    "kode transaksi": CODE, "transactioncode": CODE, "trxcode": CODE, "taxinvoicecode": CODE,
    "tanggal faktur pajak": DATE, "taxinvoicedate": DATE,
    "nama pembeli": BUYER, "buyername": BUYER,
}
HEADER_NAMES = {REFERENCE: ("Referensi", "Reference"), NUMBER: ("Nomor Faktur Pajak", "TaxInvoiceNumber"),
                STATUS: ("Status Faktur", "TaxInvoiceStatus")}

CREATED, APPROVED, AMENDED, CANCELED = "CREATED", "APPROVED", "AMENDED", "CANCELED"
WAITING_FOR_CANCELLATION, WAITING_FOR_AMENDMENT, REJECTED = "WAITING_FOR_CANCELLATION", "WAITING_FOR_AMENDMENT", "REJECTED"
STATUSES = (CREATED, APPROVED, AMENDED, CANCELED, WAITING_FOR_CANCELLATION, WAITING_FOR_AMENDMENT, REJECTED)
_STATUS_SPELLINGS = {"CANCELLED": CANCELED}

log = logging.getLogger(__name__)


ListRefused = WorkbookRefused  # the whole file is refused; nothing of it is applied
ListLimits = Limits


@dataclass(frozen=True)
class ListRow:
    """One row of the list, as read: `problem` says why it cannot be applied, whatever the app holds."""

    row: int  # the row number in the sheet (1 is the header row's, or the first line)
    reference: str
    number: str  # 17 digits, or "" (a draft has none)
    status: str  # one of STATUSES, or "" when unreadable (then `problem`)
    code: str  # the transaction code column, two digits, or ""
    invoice_date: date | None
    buyer: str
    problem: str | None = None


def _normal(header) -> str:
    text = " ".join(str(header or "").split()).lower()
    return text.replace(" / ", "/").replace(" /", "/").replace("/ ", "/")


def _columns(header_row) -> dict[str, int]:
    found = {}
    for index, header in enumerate(header_row):
        key = HEADERS.get(_normal(header))
        if key and key not in found:
            found[key] = index
    return found


def _missing(found: dict[str, int]) -> list[str]:
    return [" / ".join(HEADER_NAMES[key]) for key in REQUIRED if key not in found]


def _code(value) -> str:
    text = str(value or "").strip().upper()
    if text.startswith("TD.003") and text[6:8].isdigit():  # Coretax's own code: TD.00304
        return text[6:8]
    match = re.match(r"(\d{1,2})\b", text)  # "04", "04 - DPP Nilai Lain", "4"
    return f"{int(match.group(1)):02d}" if match else ""


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text) or re.match(r"(\d{2})/(\d{2})/(\d{4})", text)
    if not match:
        return None
    try:
        if "-" in match.group(0):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def read_row(row_number: int, values: list, columns: dict[str, int]) -> ListRow | None:
    """One row as a ListRow; None for a row with nothing in it."""
    def cell(key):
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    if all(v is None or str(v).strip() == "" for v in values):
        return None
    raw_number, raw_status = cell(NUMBER), cell(STATUS)
    reference = str(cell(REFERENCE) if cell(REFERENCE) is not None else "").strip()
    status = _STATUS_SPELLINGS.get(str(raw_status or "").strip().upper(), str(raw_status or "").strip().upper())
    problem = None
    number = ""
    if isinstance(raw_number, (int, float)) and not isinstance(raw_number, bool):
        problem = gettext("its Nomor Faktur Pajak was saved as a number, which loses its leading zero; download the "
                          "list from Coretax again without opening and saving it")
    elif raw_number is not None:
        number = re.sub(r"[\s.\-]", "", str(raw_number))
        if number and not (len(number) == 17 and number.isascii() and number.isdigit()):
            problem = gettext("%(number)s is not a 17-digit Coretax number", number=str(raw_number).strip()[:40])
            number = ""
    if status not in STATUSES:
        problem = problem or gettext("its status %(status)s is not one Coretax writes", status=str(raw_status or "")[:40])
        status = ""
    elif status not in (CREATED, REJECTED) and not number and problem is None:  # a draft has no number yet
        problem = gettext("a row with status %(status)s needs its Nomor Faktur Pajak", status=status)
    return ListRow(row_number, reference[:100], number, status, _code(cell(CODE)), _date(cell(DATE)),
                   str(cell(BUYER) or "").strip()[:200], problem)


def _rows_of_sheet(rows: Iterator[tuple], limits: ListLimits) -> Iterator[ListRow]:
    """The data rows below the header row (found among the first rows), within the row limit."""
    columns, header_at, missing = None, 0, None
    for number, row in enumerate(rows, start=1):
        values = list(row)
        if columns is None:
            found = _columns(values)
            if NUMBER in found or STATUS in found or REFERENCE in found:
                missing = _missing(found)
                if missing:
                    break
                columns, header_at = found, number
            elif number >= HEADER_ROWS_SEARCHED:
                break
            continue
        if number - header_at > limits.max_rows:
            raise ListRefused(gettext("The list has more than %(max_rows)s rows; import it in parts (a month at a time).",
                                      max_rows=limits.max_rows))
        read = read_row(number, values, columns)
        if read is not None:
            yield read
    if columns is None:
        if missing:
            raise ListRefused(gettext("The sheet has no column %(columns)s: is it Coretax's output-tax list (Pajak "
                                      "Keluaran)?", columns=", ".join(missing)))
        raise ListRefused(gettext("No header row with Referensi, Nomor Faktur Pajak and Status Faktur was found in the "
                                  "first %(rows)s rows: is it Coretax's output-tax list (Pajak Keluaran)?",
                                  rows=HEADER_ROWS_SEARCHED))


def _again() -> str:
    return gettext("Download the list from Coretax again.")


def read_list(name: str, stream: BinaryIO, limits: Limits | None = None) -> Iterator[ListRow]:
    """The rows of an output-tax list upload (xlsx, csv, or the bulk download's zip of CSVs)."""
    limits = limits or Limits()
    upload = read_upload(name, stream, limits, _again())
    if upload.kind == XLSX:
        with open_workbook(upload, _again()) as workbook:
            yield from _rows_of_sheet(sheet_rows(workbook.worksheets[0], _again()), limits)
    elif upload.kind == ZIP:
        members = [n for n in upload.archive.namelist() if n.lower().endswith(".csv")]
        if not members:
            raise ListRefused(gettext("The zip holds no CSV of Coretax's list."))
        for member in members:
            yield from _rows_of_sheet(csv_rows(decode(upload.archive.read(member)), _again()), limits)
    else:
        yield from _rows_of_sheet(csv_rows(upload.text, _again()), limits)
