"""The desktop e-Faktur import CSV (Faktur Keluaran). Pure: no Flask, no database.

Three header lines, then per invoice one FK row followed by one OF row per line, every
field quoted, CRLF line ends. FK amounts are the invoice's totals in whole rupiah; the
OF rows of an invoice add up to them exactly (see vat.split_over_lines). For the 11/12
case the DPP written is the other value, and the PPN 12% of it.
"""
import csv
import io
from collections.abc import Iterable, Iterator

from ..identity import BUYER_NIK, BUYER_TIN, NO_NPWP_15
from ..goods import NO_GOODS_CODE
from ..money import format_quantity
from ..nsfp import nsfp_digits
from .records import ExportInvoice, one_line

HEADER_LINES = (
    (
        "FK", "KD_JENIS_TRANSAKSI", "FG_PENGGANTI", "NOMOR_FAKTUR", "MASA_PAJAK", "TAHUN_PAJAK",
        "TANGGAL_FAKTUR", "NPWP", "NAMA", "ALAMAT_LENGKAP", "JUMLAH_DPP", "JUMLAH_PPN", "JUMLAH_PPNBM",
        "ID_KETERANGAN_TAMBAHAN", "FG_UANG_MUKA", "UANG_MUKA_DPP", "UANG_MUKA_PPN", "UANG_MUKA_PPNBM",
        "REFERENSI", "KODE_DOKUMEN_PENDUKUNG",
    ),
    (
        "LT", "NPWP", "NAMA", "JALAN", "BLOK", "NOMOR", "RT", "RW", "KECAMATAN", "KELURAHAN", "KABUPATEN",
        "PROPINSI", "KODE_POS", "NOMOR_TELEPON",
    ),
    ("OF", "KODE_OBJEK", "NAMA", "HARGA_SATUAN", "JUMLAH_BARANG", "HARGA_TOTAL", "DISKON", "DPP", "PPN", "TARIF_PPNBM", "PPNBM"),
)
MEDIA_TYPE = "text/csv"
FLUSH_AT = 64 * 1024


def buyer_npwp_and_name(invoice: ExportInvoice) -> tuple[str, str]:
    """NPWP and NAMA as the importer takes them: the NPWP, or 15 zeros; a NIK buyer as <NIK>#NIK#NAMA#<name>."""
    name = one_line(invoice.buyer_name)
    if invoice.buyer.document == BUYER_TIN and invoice.buyer.npwp:
        return invoice.buyer.npwp, name
    if invoice.buyer.document == BUYER_NIK:
        return NO_NPWP_15, f"{invoice.buyer.number}#NIK#NAMA#{name}"
    return NO_NPWP_15, name


def fk_row(invoice: ExportInvoice) -> list[str]:
    if invoice.nsfp is None or invoice.status_digit is None:
        raise ValueError(f"invoice {invoice.invoice_number} has no E-Faktur No for the desktop CSV")
    day = invoice.invoice_date
    npwp, name = buyer_npwp_and_name(invoice)
    return [
        "FK", invoice.transaction_code, invoice.status_digit, nsfp_digits(invoice.nsfp), str(day.month), str(day.year),
        f"{day.day}/{day.month}/{day.year}", npwp, name, one_line(invoice.buyer_address),
        str(invoice.tax_base), str(invoice.ppn), "0", "", "0", "0", "0", "0", one_line(invoice.invoice_number), "0",
    ]


def of_rows(invoice: ExportInvoice) -> list[list[str]]:
    return [
        [
            "OF", "" if line.goods_code == NO_GOODS_CODE else line.goods_code, one_line(line.name),
            str(line.unit_price), format_quantity(line.quantity), str(line.total), "0",
            str(tax.other_tax_base), str(tax.vat), "0", "0",
        ]
        for line, tax in zip(invoice.lines, invoice.line_taxes())
    ]


def write_csv(invoices: Iterable[ExportInvoice]) -> Iterator[str]:
    """The whole file, yielded in pieces of about 64 KB: never all of it in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(HEADER_LINES)
    for invoice in invoices:
        writer.writerow(fk_row(invoice))
        writer.writerows(of_rows(invoice))
        if buffer.tell() >= FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
