"""Coretax's own files, built in the tests as Coretax makes them: approved PDFs whose text carries the
reference and the number (fpdf2), and the output-tax list (Pajak Keluaran) as an xlsx (openpyxl) or a CSV."""
import csv
import io
import zipfile

from fpdf import FPDF

SELLER_16 = "0012345678901000"
ID_HEADERS = ["NPWP Pembeli / Identitas lainnya", "Nama Pembeli", "Kode Transaksi", "Nomor Faktur Pajak",
              "Tanggal Faktur Pajak", "Masa Pajak", "Tahun", "Status Faktur", "ESignStatus",
              "Harga Jual/Penggantian/DPP", "DPP Nilai Lain/DPP", "PPN", "PPnBM", "Penandatangan", "Referensi",
              "Dilaporkan oleh Penjual", "Dilaporkan oleh Pemungut PPN"]
EN_HEADERS = ["BuyerTIN", "BuyerName", "TransactionCode", "TaxInvoiceNumber", "TaxInvoiceDate", "TaxInvoicePeriod",
              "TaxInvoiceYear", "TaxInvoiceStatus", "ESignStatus", "SellingPrice", "OtherTaxBase", "VAT", "STLG",
              "Signer", "Reference", "ReportedBySeller", "RecordId", "AmendedRecordId"]


def coretax_pdf(reference: str | None, number: str | None, buyer: str = "PT Maju Jaya", lines: int = 3) -> bytes:
    """An approved e-Faktur as Coretax prints it: its number at the top, the reference under the buyer."""
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=10)
    document.cell(0, 8, "Faktur Pajak", new_x="LMARGIN", new_y="NEXT")
    if number is not None:
        document.cell(0, 8, f"Kode dan Nomor Seri Faktur Pajak: {number}", new_x="LMARGIN", new_y="NEXT")
    document.cell(0, 8, "Pengusaha Kena Pajak: PT Sumber Makmur, NPWP 0012345678901000", new_x="LMARGIN", new_y="NEXT")
    document.cell(0, 8, f"Pembeli Barang Kena Pajak/Penerima Jasa Kena Pajak: {buyer}", new_x="LMARGIN", new_y="NEXT")
    for n in range(1, lines + 1):
        document.cell(0, 6, f"{n}  Jasa konsultasi  Rp 1.000.000,00", new_x="LMARGIN", new_y="NEXT")
    if reference is not None:
        document.cell(0, 8, f"(Referensi: {reference})", new_x="LMARGIN", new_y="NEXT")
    document.cell(0, 8, "Ditandatangani secara elektronik", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def coretax_pdf_name(number: str, seller: str = SELLER_16, buyer: str = "", uuid: str = "6f2c9a1e-7b3d-4e21-9c55-1a2b3c4d5e6f") -> str:
    return f"OutputTaxInvoice-{uuid}-{seller}-{number}-{buyer}.pdf"


def list_row(reference: str, number: str, status: str = "APPROVED", code: str | None = None, date: str = "2026-06-01",
             buyer: str = "PT Maju Jaya") -> dict:
    """One row of the list, by meaning (output_list_xlsx and output_list_csv write it under either header set)."""
    code = code or (number[:2] if number else "04")
    return {"buyer_tin": "0012345678901000", "buyer": buyer, "code": code, "number": number, "date": date,
            "period": "Juni", "year": date[:4], "status": status, "esign": "SIGNED", "price": 1_000_000,
            "other": 916_667, "vat": 110_000, "stlg": 0, "signer": "Budi", "reference": reference,
            "reported": "TRUE"}


_ID_KEYS = ["buyer_tin", "buyer", "code", "number", "date", "period", "year", "status", "esign", "price", "other",
            "vat", "stlg", "signer", "reference", "reported", "reported"]
_EN_KEYS = ["buyer_tin", "buyer", "code", "number", "date", "period", "year", "status", "esign", "price", "other",
            "vat", "stlg", "signer", "reference", "reported", None, None]


def _cells(rows, english):
    keys = _EN_KEYS if english else _ID_KEYS
    yield EN_HEADERS if english else ID_HEADERS
    for row in rows:
        yield [row.get(k, "") if k else "" for k in keys]


def output_list_xlsx(rows, english: bool = False, title_rows: int = 0, number_as_number: bool = False,
                     formula: str | None = None) -> bytes:
    """The xlsx Coretax's Pajak Keluaran table downloads: every value a text, the number included."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pajak Keluaran"
    for _ in range(title_rows):
        sheet.append(["Daftar Faktur Pajak Keluaran"])
    for index, values in enumerate(_cells(rows, english)):
        if index and number_as_number:
            number_column = (EN_HEADERS if english else ID_HEADERS).index("TaxInvoiceNumber" if english else "Nomor Faktur Pajak")
            if values[number_column]:
                values[number_column] = int(values[number_column])
        sheet.append(values)
    if formula:
        sheet.append([formula])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def output_list_csv(rows, english: bool = False, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for values in _cells(rows, english):
        writer.writerow(values)
    return buffer.getvalue().encode("utf-8")


def zipped(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()
