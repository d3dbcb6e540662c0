"""The desktop e-Faktur import CSV (Faktur Keluaran). Pure: no Flask, no database.

Three header lines, then per invoice one FK row followed by one OF row per line, every
field quoted, CRLF line ends. The file is in whole rupiah: FK's JUMLAH_DPP is the invoice's
tax base (DPP Nilai Lain for the 11/12 case, else the DPP) rounded half up, its JUMLAH_PPN
the PPN billed (the lines' VAT rounded down, as on the invoice). Each OF row carries its
line's figures in whole rupiah, rounded so that the OF rows add up to FK exactly
(amounts.whole_shares). How desktop e-Faktur itself rounds the 2025 code-04 case is not
documented by any peer; FK's PPN is kept equal to the invoice's PPN.

The buyer: its NPWP (15 or 16 digits); a person without NPWP by the NIK in the NPWP column
(DJP's form since e-Faktur 4.0); 15 zeros only for a foreign buyer. A buyer in Indonesia
with neither is refused before the file is written (exports.services).
"""
import csv
import io
from collections.abc import Iterable, Iterator

from efaktur.formats.records import ExportInvoice, one_line
from efaktur.rules.amounts import billed_ppn, price_cents, round_half_up_rupiah, whole_shares
from efaktur.rules.facilities import desktop_additional_info, needs_facility
from efaktur.rules.goods import NO_GOODS_CODE
from efaktur.rules.identity import BUYER_NIK, BUYER_TIN, NO_NPWP_15, lacks_domestic_identity
from efaktur.rules.money import format_quantity
from efaktur.rules.nsfp import nsfp_digits

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


def buyer_npwp(invoice: ExportInvoice) -> str:
    """The NPWP column: the NPWP, a person's NIK, or 15 zeros for a foreign buyer."""
    buyer = invoice.buyer
    if lacks_domestic_identity(buyer.document, buyer.npwp, invoice.buyer_country):
        raise ValueError(f"invoice {invoice.invoice_number}: a buyer in Indonesia with neither NPWP nor NIK")
    if buyer.document == BUYER_TIN and buyer.npwp:
        return buyer.npwp
    if buyer.document == BUYER_NIK:
        return buyer.number
    return NO_NPWP_15


def fk_totals(invoice: ExportInvoice) -> tuple[int, int]:
    """JUMLAH_DPP and JUMLAH_PPN in whole rupiah."""
    return round_half_up_rupiah(invoice.tax_base), billed_ppn(invoice.vat)


def additional_info(invoice: ExportInvoice) -> str:
    """ID_KETERANGAN_TAMBAHAN: the facility's desktop number for 07 and 08, else empty."""
    if needs_facility(invoice.transaction_code) and invoice.facility.add_info:
        return desktop_additional_info(invoice.transaction_code, invoice.facility.add_info)
    return ""


def fk_row(invoice: ExportInvoice) -> list[str]:
    if invoice.nsfp is None or invoice.status_digit is None:
        raise ValueError(f"invoice {invoice.invoice_number} has no E-Faktur No for the desktop CSV")
    day = invoice.invoice_date
    dpp, ppn = fk_totals(invoice)
    return [
        "FK", invoice.transaction_code, invoice.status_digit, nsfp_digits(invoice.nsfp), str(day.month), str(day.year),
        f"{day.day}/{day.month}/{day.year}", buyer_npwp(invoice), one_line(invoice.buyer_name),
        one_line(invoice.buyer_address), str(dpp), str(ppn), "0", additional_info(invoice), "0", "0", "0", "0",
        one_line(invoice.invoice_number), "0",
    ]


def of_rows(invoice: ExportInvoice) -> list[list[str]]:
    dpp, ppn = fk_totals(invoice)
    lines = invoice.lines
    dpps = whole_shares([line.other_tax_base for line in lines], dpp)
    ppns = whole_shares([line.vat for line in lines], ppn)
    return [
        [
            "OF", "" if line.goods_code == NO_GOODS_CODE else line.goods_code, one_line(line.name),
            str(line.unit_price), format_quantity(line.quantity),
            str(round_half_up_rupiah(price_cents(line.unit_price, line.quantity))), str(line.discount),
            str(line_dpp), str(line_ppn), "0", "0",
        ]
        for line, line_dpp, line_ppn in zip(lines, dpps, ppns)
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
