"""The printable invoice: one document, in the customer's language (its E-mail Language), that the
Print page shows and the PDF writer (formats/invoice_pdf.py) draws. Its words are DJP's, the same
as the invoice page's amounts; its figures are the invoice's as stored."""
from dataclasses import dataclass

from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.queries import live_numbers
from efaktur.language import i18n
from efaktur.language.lang import gettext
from efaktur.rules.amounts import VAT_LABEL, VAT_LABELS
from efaktur.rules.goods import unit_name
from efaktur.rules.identity import BUYER_DOCUMENTS, BUYER_TIN, countries, format_npwp
from efaktur.settings.services import current_settings


@dataclass(frozen=True)
class PrintedInvoice:
    language: str
    title: str
    seller: tuple[str, ...]  # name, NPWP, address lines
    buyer_heading: str
    buyer: tuple[tuple[str, str], ...]  # (label, value)
    facts: tuple[tuple[str, str], ...]  # Invoice No, dates, code, E-Faktur No
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, str], ...]  # (label, value); the last is the total
    notes: tuple[str, ...]
    file_name: str


NUMERIC_COLUMNS = (3, 5, 6, 7)  # quantity, unit price, discount, Harga Jual: right-aligned


def printed_invoice(invoice: Invoice) -> PrintedInvoice:
    """The invoice as printed, in its customer's language."""
    settings = current_settings()
    live = live_numbers([invoice.id]).get(invoice.id)
    with i18n.in_language(invoice.customer_language or "id"):
        code = i18n.language()
        seller = tuple(part for part in (
            settings.company_name or gettext("your company"),
            gettext("NPWP %(npwp)s", npwp=format_npwp(settings.company_npwp)) if settings.company_npwp else "",
            *(settings.company_address or "").splitlines(),
        ) if part.strip())
        buyer = [(gettext("Customer Name"), invoice.customer_name)]
        if invoice.npwp_name and invoice.npwp_name != invoice.customer_name:
            buyer.append((gettext("NPWP Name"), invoice.npwp_name))
        if invoice.buyer_document == BUYER_TIN:
            buyer.append((gettext("NPWP"), format_npwp(invoice.npwp) if invoice.npwp else gettext("(none)")))
            if invoice.npwp and invoice.buyer_branch_code != "000000":
                buyer.append((gettext("Branch code (NITKU)"), invoice.buyer_branch_code))
        else:
            buyer.append((gettext(BUYER_DOCUMENTS[invoice.buyer_document]), invoice.buyer_document_number))
        if invoice.buyer_country != "IDN":
            buyer.append((gettext("Country"), countries(code).get(invoice.buyer_country, invoice.buyer_country)))
        if invoice.address:
            buyer.append((gettext("Address"), invoice.address))
        facts = [(gettext("Invoice No"), invoice.number),
                 (gettext("Invoice Date"), i18n.long_date(invoice.invoice_date)),
                 (gettext("Due Date"), i18n.long_date(invoice.due_date))]
        if invoice.tax_enabled:
            facts.append((gettext("Transaction Code"), invoice.transaction_code))
            if live is not None:
                facts.append((gettext("E-Faktur No"), live.efaktur_no))
            elif invoice.coretax_number:
                facts.append((gettext("Coretax Number"), invoice.coretax_number))
        columns = (gettext("No."), gettext("Item"), gettext("Code"), gettext("Quantity"), gettext("Unit"),
                   gettext("Unit Price"), gettext("Discount"), gettext("Harga Jual (selling price)"))
        rows = tuple(
            (str(number), line.item, line.goods_code, i18n.quantity(line.quantity), unit_name(line.unit, code),
             i18n.money(line.unit_price), i18n.money(line.discount) if line.discount else "–",
             i18n.rupiah(line.selling_price_cents))
            for number, line in enumerate(invoice.lines, start=1)
        )
        amounts = invoice.amounts
        totals = [(gettext("Harga Jual (selling price)"), i18n.rupiah(amounts.selling_price))]
        if amounts.discount:
            totals.append((gettext("Potongan Harga (discount)"), i18n.rupiah(amounts.discount)))
        totals.append((gettext("DPP"), i18n.rupiah(invoice.dpp_cents)))
        notes = []
        if invoice.tax_enabled:
            if invoice.dpp_other_cents is not None:
                totals.append((gettext("DPP Nilai Lain (11/12)"), i18n.rupiah(invoice.dpp_other_cents)))
            label = gettext(VAT_LABELS.get(invoice.transaction_code, VAT_LABEL))
            totals.append((f"{label} {invoice.vat_rate}%", i18n.money(invoice.ppn)))
            if not invoice.vat_charged:
                notes.append(gettext("The PPN is not charged to the buyer (transaction code %(code)s).",
                                     code=invoice.transaction_code))
        else:
            notes.append(gettext("No invoice tax"))
        totals.append((gettext("Total"), i18n.rupiah(invoice.grand_total_cents)))
        return PrintedInvoice(
            language=code, title=gettext("Invoice %(number)s", number=invoice.number), seller=seller,
            buyer_heading=gettext("Bill to"), buyer=tuple(buyer), facts=tuple(facts), columns=columns, rows=rows,
            totals=tuple(totals), notes=tuple(notes), file_name=_file_name(invoice.number),
        )


def _file_name(number: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in number).strip(".-") or "invoice"
    return f"invoice-{safe}.pdf"


def printable(invoice_id: int) -> PrintedInvoice | None:
    invoice = db.session.get(Invoice, invoice_id)
    return printed_invoice(invoice) if invoice is not None else None
