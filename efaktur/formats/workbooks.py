"""Reading an uploaded spreadsheet safely: an .xlsx workbook (openpyxl, read-only mode, row by row) or a CSV.
Pure: no Flask, no database. Used by every upload of rows (Coretax's output-tax list, the invoice import).

What is refused whole, before a row is read, each with a message for the user: a file that is too large or
empty, an encrypted workbook or an old .xls (both OLE files), a zip that is broken or encrypted or would
unpack beyond the limits (a zip bomb), a workbook openpyxl cannot open. While rows are read: a cell holding a
formula (its value is not read: the file is refused naming the cell, see `sheet_rows`), merged cells (their
value sits in one cell of the merge only), more rows than the limit (said by the caller, who knows its rows).
Every message ends with `again`: what the user should do (the caller's words: "Download the list from
Coretax again.", ...).
"""
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from efaktur.language.lang import gettext

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted xlsx (or an old .xls) is an OLE compound file
ZIP_MAGIC = b"PK\x03\x04"
XLSX, CSV, ZIP = "xlsx", "csv", "zip"
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b")
_SCAN = 1 << 20

log = logging.getLogger(__name__)


class WorkbookRefused(ValueError):
    """The whole file is refused; nothing of it is used. The message is for the user."""


@dataclass(frozen=True)
class Limits:
    max_rows: int = 100_000
    max_file_bytes: int = 50 * 2**20  # the file as uploaded
    max_unpacked_bytes: int = 500 * 2**20  # what a workbook (or a zip of CSVs) unpacks to, in all
    max_ratio: int = 100  # unpacked / packed size of one member, as for the zip of PDFs


@dataclass(frozen=True)
class Upload:
    kind: str  # XLSX, CSV or ZIP (a zip that is not a workbook: its members are the caller's business)
    data: bytes
    text: str = ""  # a CSV's text
    archive: zipfile.ZipFile | None = None


def _refused(message: str, again: str) -> WorkbookRefused:
    return WorkbookRefused(f"{message} {again}".strip())


def check_zip(data: bytes, limits: Limits, again: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as error:
        log.info("upload: not a zip: %s", error)
        raise _refused(gettext("The file cannot be read as a workbook: it is damaged or not an .xlsx file."),
                       again) from None
    unpacked = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refused(gettext("The file is encrypted."), again)
        unpacked += info.file_size
        if info.file_size > 64 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise WorkbookRefused(gettext("The file unpacks to %(ratio)s times its size: refused as a zip bomb.",
                                          ratio=info.file_size // max(info.compress_size, 1)))
    if unpacked > limits.max_unpacked_bytes:
        raise WorkbookRefused(gettext("The file unpacks to more than %(megabytes)s MB: refused.",
                                      megabytes=limits.max_unpacked_bytes // 2**20))
    return archive


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WorkbookRefused(gettext("The CSV is neither UTF-8 nor Windows text."))


def read_upload(name: str, stream: BinaryIO, limits: Limits, again: str) -> Upload:
    """What was uploaded: a workbook, a CSV's text, or another zip; refused whole when it is none of them."""
    data = stream.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise WorkbookRefused(gettext("The file is larger than %(megabytes)s MB.", megabytes=limits.max_file_bytes // 2**20))
    if not data.strip():
        raise WorkbookRefused(gettext("The file is empty."))
    if data[:4] == OLE_MAGIC:
        raise _refused(gettext("The workbook is encrypted (or an old .xls): save it as .xlsx without a password."),
                       again)
    if data[:4] == ZIP_MAGIC:
        archive = check_zip(data, limits, again)
        names = archive.namelist()
        if "[Content_Types].xml" in names or any(n.startswith("xl/") for n in names):
            return Upload(XLSX, data, archive=archive)
        return Upload(ZIP, data, archive=archive)
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xlsm", ".xls")):
        raise WorkbookRefused(gettext("%(name)s is not a workbook that can be read.", name=name[-80:]))
    text = decode(data)
    if "\x00" in text[:4096] or not lowered.endswith((".csv", ".txt")) and "," not in text[:4096] and ";" not in text[:4096]:
        raise WorkbookRefused(gettext("%(name)s is neither an .xlsx workbook nor a CSV.", name=name[-80:]))
    return Upload(CSV, data, text=text)


@contextmanager
def open_workbook(upload: Upload, again: str):
    """The workbook of an XLSX upload, in openpyxl's read-only mode (rows streamed, never all in memory)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(upload.data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook; none may be a 500
        log.info("upload: openpyxl refused the workbook: %s: %s", type(error).__name__, error)
        raise _refused(gettext("The workbook cannot be read: it is damaged, or not a workbook as spreadsheets save "
                               "them."), again) from None
    try:
        yield workbook
    except WorkbookRefused:
        raise
    except Exception as error:
        raise WorkbookRefused(gettext("The workbook cannot be read (%(error)s).",
                                      error=str(error)[:200] or type(error).__name__)) from None
    finally:
        workbook.close()


def has_merged_cells(upload: Upload, sheet) -> bool:
    """Whether the sheet merges cells: read-only mode does not load merges, so the sheet's part is scanned for one
    (in pieces, however large the sheet)."""
    path = getattr(sheet, "_worksheet_path", None)  # openpyxl 3.1's read-only sheet keeps its part's name here
    if not path or upload.archive is None:
        return False
    try:
        with upload.archive.open(path.lstrip("/")) as part:
            tail = b""
            while piece := part.read(_SCAN):
                if _MERGE.search(tail + piece):
                    return True
                tail = piece[-32:]
    except KeyError:
        return False
    return False


def sheet_rows(sheet, again: str, sheet_label: str = "") -> Iterator[tuple]:
    """The sheet's rows as tuples of values. A formula is refused naming its cell: read-only mode gives the formula,
    and its cached value may be stale or missing (a workbook written by a program holds none)."""
    for cells in sheet.iter_rows():
        row = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                where = f"{sheet_label}!{cell.coordinate}" if sheet_label else cell.coordinate
                raise _refused(gettext("Cell %(cell)s holds a formula (%(formula)s), not its value: paste the values "
                                       "(Paste Special, Values) and save.", cell=where, formula=str(cell.value)[:40]),
                               again)
            row.append(cell.value)
        yield tuple(row)


def csv_rows(text: str, again: str) -> Iterator[list[str]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text), delimiter=delimiter)
    except csv.Error as error:
        log.info("upload: unreadable CSV: %s", error)
        raise _refused(gettext("The CSV cannot be read: it is not text in rows separated by commas or semicolons."),
                       again) from None
