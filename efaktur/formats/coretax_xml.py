"""The Coretax import XML (TaxInvoiceBulk). Pure: no Flask, no database.

Elements in the order the reference gives (checked against TaxInvoice.xsd beside this
module), UTF-8, `.` as decimal mark, empty elements written as `<AddInfo/>`. Every amount
is written to the cent as the amount model stored it (Price 100000.00, TaxBase 100000.00,
OtherTaxBase 91666.67, VAT 11000.00): a line's VAT is its own OtherTaxBase x VATRate,
which Coretax checks on every line. Codes 07 and 08 carry their facility (AddInfo,
FacilityStamp) and its supporting document (CustomDoc, CustomDocMonthYear).

The seller is its NPWP made 16 digits; SellerIDTKU adds its 6-digit business-location
code. A buyer with an NPWP is `TIN` with IDTKU = NPWP16 + its branch code (000000 for the
head office); a person identified by NIK is `National ID` with the NIK (IDTKU = NIK +
000000); a passport or other ID has a BuyerTin of 16 zeros and its number. A foreign
buyer with no identification at all is `Other ID` with the number `-`; a buyer in
Indonesia without NPWP or NIK is refused before the file is written (exports.services).
"""
import re
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from efaktur.formats.records import ExportInvoice, Seller, one_line
from efaktur.rules.amounts import CENTS, format_cents
from efaktur.rules.facilities import needs_facility
from efaktur.rules.identity import (
    BUYER_NIK,
    BUYER_OTHER,
    BUYER_TIN,
    CORETAX_BUYER_DOCUMENT,
    HEAD_OFFICE_LOCATION,
    NO_TIN_16,
    lacks_domestic_identity,
    npwp16,
)
from efaktur.rules.money import format_quantity

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
    if lacks_domestic_identity(buyer.document, buyer.npwp, invoice.buyer_country):
        raise ValueError(f"invoice {invoice.invoice_number}: a buyer in Indonesia with neither NPWP nor NIK")
    if buyer.document == BUYER_TIN and buyer.npwp:
        tin = npwp16(buyer.npwp)
        return {"BuyerTin": tin, "BuyerDocument": "TIN", "BuyerDocumentNumber": "",
                "BuyerIDTKU": tin + (invoice.buyer_branch_code or HEAD_OFFICE_LOCATION)}
    if buyer.document == BUYER_TIN:  # a foreign buyer with no identification
        return {"BuyerTin": NO_TIN_16, "BuyerDocument": CORETAX_BUYER_DOCUMENT[BUYER_OTHER],
                "BuyerDocumentNumber": NO_DOCUMENT_NUMBER, "BuyerIDTKU": NO_TIN_16 + HEAD_OFFICE_LOCATION}
    identity = buyer.number if buyer.document == BUYER_NIK else NO_TIN_16
    return {"BuyerTin": NO_TIN_16, "BuyerDocument": CORETAX_BUYER_DOCUMENT[buyer.document],
            "BuyerDocumentNumber": buyer.number, "BuyerIDTKU": identity + HEAD_OFFICE_LOCATION}


def tax_invoice(seller_idtku: str, invoice: ExportInvoice) -> str:
    buyer = buyer_fields(invoice)
    facility = invoice.facility if needs_facility(invoice.transaction_code) else None
    head = "".join(
        (
            "\n    <TaxInvoice>",
            f"\n      <TaxInvoiceDate>{invoice.invoice_date.isoformat()}</TaxInvoiceDate>",
            "\n      <TaxInvoiceOpt>Normal</TaxInvoiceOpt>",
            f"\n      <TrxCode>{invoice.transaction_code}</TrxCode>",
            f"\n      {_element('AddInfo', facility.add_info if facility else '')}",
            f"\n      {_element('CustomDoc', one_line(facility.custom_doc) if facility else '')}",
            f"\n      {_element('CustomDocMonthYear', facility.custom_doc_period if facility else '')}",
            f"\n      {_element('RefDesc', invoice.invoice_number)}",
            f"\n      {_element('FacilityStamp', facility.stamp if facility else '')}",
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
          <Price>{format_cents(line.unit_price * CENTS)}</Price>
          <Qty>{format_quantity(line.quantity)}</Qty>
          <TotalDiscount>{format_cents(line.discount * CENTS)}</TotalDiscount>
          <TaxBase>{format_cents(line.tax_base)}</TaxBase>
          <OtherTaxBase>{format_cents(line.other_tax_base)}</OtherTaxBase>
          <VATRate>{rate}</VATRate>
          <VAT>{format_cents(line.vat)}</VAT>
          <STLGRate>0</STLGRate>
          <STLG>0.00</STLG>
        </GoodService>"""
        for line in invoice.lines
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
