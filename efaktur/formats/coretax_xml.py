"""The Coretax import XML (TaxInvoiceBulk). Pure: no Flask, no database.

Elements in the order the reference gives (checked against TaxInvoice.xsd beside this
module), UTF-8, `.` as decimal mark, empty elements written as `<AddInfo/>`. The seller
is its NPWP made 16 digits; SellerIDTKU adds its 6-digit business-location code. A
buyer with an NPWP is `TIN` with IDTKU = NPWP16 + 000000; a buyer identified otherwise
has a BuyerTin of 16 zeros and its document number (NIK, passport, other ID); a buyer
with no identification at all is `Other ID` with the number `-`.
"""
import re
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from ..identity import BUYER_NIK, BUYER_OTHER, BUYER_TIN, CORETAX_BUYER_DOCUMENT, HEAD_OFFICE_LOCATION, NO_TIN_16, npwp16
from ..money import format_quantity
from .records import ExportInvoice, Seller, one_line

MEDIA_TYPE = "application/xml"
SCHEMA_FILE = "TaxInvoice.xsd"
FLUSH_AT = 64 * 1024
NO_DOCUMENT_NUMBER = "-"
# Characters XML 1.0 cannot carry at all (the forms refuse them; old data may hold them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub(" ", value))


def _element(name: str, value: str) -> str:
    return f"<{name}>{_text(value)}</{name}>" if value else f"<{name}/>"


def buyer_fields(invoice: ExportInvoice) -> dict[str, str]:
    """BuyerTin, BuyerDocument, BuyerDocumentNumber and BuyerIDTKU for the invoice's buyer."""
    buyer = invoice.buyer
    if buyer.document == BUYER_TIN and buyer.npwp:
        tin = npwp16(buyer.npwp)
        return {"BuyerTin": tin, "BuyerDocument": "TIN", "BuyerDocumentNumber": "", "BuyerIDTKU": tin + HEAD_OFFICE_LOCATION}
    if buyer.document == BUYER_TIN:  # no NPWP and no other identification
        return {"BuyerTin": NO_TIN_16, "BuyerDocument": CORETAX_BUYER_DOCUMENT[BUYER_OTHER],
                "BuyerDocumentNumber": NO_DOCUMENT_NUMBER, "BuyerIDTKU": NO_TIN_16 + HEAD_OFFICE_LOCATION}
    identity = buyer.number if buyer.document == BUYER_NIK else NO_TIN_16
    return {"BuyerTin": NO_TIN_16, "BuyerDocument": CORETAX_BUYER_DOCUMENT[buyer.document],
            "BuyerDocumentNumber": buyer.number, "BuyerIDTKU": identity + HEAD_OFFICE_LOCATION}


def tax_invoice(seller_idtku: str, invoice: ExportInvoice) -> str:
    buyer = buyer_fields(invoice)
    head = "".join(
        (
            "\n    <TaxInvoice>",
            f"\n      <TaxInvoiceDate>{invoice.invoice_date.isoformat()}</TaxInvoiceDate>",
            "\n      <TaxInvoiceOpt>Normal</TaxInvoiceOpt>",
            f"\n      <TrxCode>{invoice.transaction_code}</TrxCode>",
            "\n      <AddInfo/>\n      <CustomDoc/>\n      <CustomDocMonthYear/>",
            f"\n      {_element('RefDesc', invoice.invoice_number)}",
            "\n      <FacilityStamp/>",
            f"\n      <SellerIDTKU>{seller_idtku}</SellerIDTKU>",
            f"\n      <BuyerTin>{buyer['BuyerTin']}</BuyerTin>",
            f"\n      <BuyerDocument>{buyer['BuyerDocument']}</BuyerDocument>",
            f"\n      <BuyerCountry>{invoice.buyer_country}</BuyerCountry>",
            f"\n      {_element('BuyerDocumentNumber', buyer['BuyerDocumentNumber'])}",
            f"\n      {_element('BuyerName', one_line(invoice.buyer_name))}",
            f"\n      {_element('BuyerAdress', one_line(invoice.buyer_address))}",
            f"\n      {_element('BuyerEmail', invoice.buyer_email)}",
            f"\n      <BuyerIDTKU>{buyer['BuyerIDTKU']}</BuyerIDTKU>",
            "\n      <ListOfGoodService>",
        )
    )
    rate = str(invoice.vat_rate)
    goods = "".join(
        f"""
        <GoodService>
          <Opt>{line.kind}</Opt>
          <Code>{line.goods_code}</Code>
          {_element('Name', one_line(line.name))}
          <Unit>{line.unit}</Unit>
          <Price>{line.unit_price}</Price>
          <Qty>{format_quantity(line.quantity)}</Qty>
          <TotalDiscount>0</TotalDiscount>
          <TaxBase>{tax.tax_base}</TaxBase>
          <OtherTaxBase>{tax.other_tax_base}</OtherTaxBase>
          <VATRate>{rate}</VATRate>
          <VAT>{tax.vat}</VAT>
          <STLGRate>0</STLGRate>
          <STLG>0</STLG>
        </GoodService>"""
        for line, tax in zip(invoice.lines, invoice.line_taxes())
    )
    return head + goods + "\n      </ListOfGoodService>\n    </TaxInvoice>"


def write_xml(seller: Seller, invoices: Iterable[ExportInvoice]) -> Iterator[str]:
    """The whole document, yielded in pieces of about 64 KB: never all of it in memory."""
    tin = npwp16(seller.npwp)
    seller_idtku = tin + seller.location_code
    pieces = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<TaxInvoiceBulk xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:noNamespaceSchemaLocation="{SCHEMA_FILE}">\n'
        f"  <TIN>{tin}</TIN>\n  <ListOfTaxInvoice>"
    ]
    size = len(pieces[0])
    for invoice in invoices:
        piece = tax_invoice(seller_idtku, invoice)
        pieces.append(piece)
        size += len(piece)
        if size >= FLUSH_AT:
            yield "".join(pieces)
            pieces, size = [], 0
    pieces.append("\n  </ListOfTaxInvoice>\n</TaxInvoiceBulk>\n")
    yield "".join(pieces)
