"""What the API takes and gives, as marshmallow schemas (the OpenAPI document is generated from them).

Every value goes through the project's one parser of its kind, exactly as in the forms:
money.py for amounts, identity.py for NPWP/NIK/IDs, goods.py for line codes, emails.py,
text.py. Nothing here decides a rule the services decide.
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from efaktur.exports.queries import EXPORTED, NOT_EXPORTED
from efaktur.formats.coretax_list import CREATED, STATUSES
from efaktur.invoices.coretax import OUTCOME_LABELS, STATE_LABELS
from efaktur.invoices.models import STATUS_LABELS, STORED_STATUSES
from efaktur.invoices.services import MAX_LINES, invoice_number_problem
from efaktur.language.i18n import DEFAULT_LANGUAGE, LANGUAGES
from efaktur.numbers.ledger import MAX_BATCH
from efaktur.rules.amounts import Line, default_transaction_code
from efaktur.rules.emails import EmailError, parse_email
from efaktur.rules.facilities import FacilityError, parse_facility
from efaktur.rules.goods import DEFAULT_UNIT, GOODS, LINE_KINDS, NO_GOODS_CODE, UNIT_CODES, GoodsError, parse_goods_code
from efaktur.rules.identity import (
    BUYER_DOCUMENTS,
    BUYER_TIN,
    DEFAULT_COUNTRY,
    HEAD_OFFICE_LOCATION,
    IdentityError,
    countries,
    parse_buyer_identity,
    parse_location_code,
)
from efaktur.rules.ids import MAX_ID
from efaktur.rules.money import MAX_QUANTITY, MAX_RUPIAH, MoneyError, parse_quantity, parse_rupiah
from efaktur.rules.nsfp import INVOICE_TRANSACTION_CODES
from efaktur.rules.text import formula_problem, text_pattern, text_problem


class Strict(Schema):
    class Meta:
        unknown = RAISE  # a misspelt field is an error, not silently nothing


class Rupiah(fields.Field):
    """Whole rupiah: an integer, or a string the money parser accepts ("15.000.000", "15,000,000")."""

    def __init__(self, what: str = "unit price", metadata: dict | None = None, **kwargs):
        self.what = what
        metadata = {"description": "Whole rupiah: an integer, or a string such as \"15.000.000\" or \"15,000,000\"",
                    "oneOf": [{"type": "integer", "minimum": 0, "maximum": MAX_RUPIAH}, {"type": "string", "maxLength": 40}],
                    **(metadata or {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Send whole rupiah: an integer, or a string such as \"15.000.000\".")
        if isinstance(value, int):
            if not 0 <= value <= MAX_RUPIAH:
                raise ValidationError(f"Whole rupiah from 0 to {MAX_RUPIAH:,}.")
            return value
        try:
            return parse_rupiah(value[:60], self.what)
        except MoneyError as error:
            raise ValidationError(str(error))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else int(value)


QUANTITY_AS_NUMBER = "Send the quantity as a JSON number (1000, 1.5) to be unambiguous."


class Quantity(fields.Field):
    """Above 0 with at most two decimals: a number, or a string ("1,5", "2")."""

    def __init__(self, **kwargs):
        metadata = {"description": "Above 0, at most two decimals: a number, or a string such as \"1,5\"",
                    "oneOf": [{"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1_000_000_000}, {"type": "string", "maxLength": 40}]}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
            raise ValidationError("Send the quantity as a number or a string.")
        if isinstance(value, str):
            try:
                return parse_quantity(value[:60])  # no reader's convention: "1.000" or "1,555" is refused
            except MoneyError as error:
                raise ValidationError(str(error) + " " + QUANTITY_AS_NUMBER) from None
        try:
            # A JSON number means what it says, exactly as sent (api/jsonbody.py reads it as a Decimal):
            # 1.125 is not 1,125, and 1.0000000000000001 has more than two decimals.
            quantity = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Not a number.")
        if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
            raise ValidationError(f"The quantity must be above 0 and at most {MAX_QUANTITY:,}.")
        if quantity != quantity.quantize(Decimal("0.01")):
            raise ValidationError("The quantity has more than two decimals.")
        return quantity

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value).normalize():f}"


def _plain(max_length: int, required_text: str | None = None, in_desktop_file: bool = False):
    def check(value: str) -> None:
        if required_text and not value.strip():
            raise ValidationError(required_text)
        if len(value) > max_length:
            raise ValidationError(f"At most {max_length} characters.")
        problem = text_problem(value, multiline=max_length > 200) or (formula_problem(value) if in_desktop_file else None)
        if problem:
            raise ValidationError(problem)

    return check


def _text(max_length: int, required_text: str | None = None, in_desktop_file: bool = False, **kwargs) -> fields.String:
    """A text field: checked by text.py's rules (and, for what the desktop import file carries, no leading
    = + - @), documented with the same rule as a pattern."""
    multiline = max_length > 200
    metadata = {"pattern": text_pattern(bool(required_text), multiline), **kwargs.pop("metadata", {})}
    return fields.String(validate=[validate.Length(max=max_length), _plain(max_length, required_text, in_desktop_file)],
                         metadata=metadata, **kwargs)


def _email(value: str) -> None:
    if value:
        try:
            parse_email(value)
        except EmailError as error:
            raise ValidationError(str(error))


def _year_2000_2099(value: date) -> None:
    if not 2000 <= value.year <= 2099:
        raise ValidationError("A date between 2000 and 2099.")


class CustomerIn(Strict):
    name = _text(200, "Name the customer.", in_desktop_file=True, required=True)
    npwp_name = _text(200, in_desktop_file=True, load_default="")
    id_type = fields.String(load_default=BUYER_TIN, validate=validate.OneOf(list(BUYER_DOCUMENTS)),
                            metadata={"description": "tin (NPWP), nik, passport or other"})
    npwp = fields.String(load_default="", validate=validate.Length(max=30),
                         metadata={"description": "15 or 16 digits with id_type tin; empty for a buyer without NPWP"})
    id_number = fields.String(load_default="", validate=validate.Length(max=40),
                              metadata={"description": "The NIK, passport or other ID number, with those id_types"})
    country = fields.String(load_default=DEFAULT_COUNTRY, validate=validate.OneOf(list(countries())),
                            metadata={"description": "ISO 3166 alpha-3, e.g. IDN"})
    email = fields.String(load_default="", validate=[validate.Length(max=254), _email])
    language = fields.String(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(list(LANGUAGES)),
                             metadata={"description": "The language of the e-Faktur e-mail to this customer: id (Bahasa Indonesia) or en"})
    address = _text(1000, in_desktop_file=True, load_default="")
    branch_code = fields.String(load_default=HEAD_OFFICE_LOCATION, validate=validate.Length(max=6),
                                metadata={"description": "The buyer's business location: the 6 digits after its NPWP in "
                                                         "its NITKU (BuyerIDTKU); 000000 is its head office",
                                          "pattern": r"^([0-9]{6})?$"})

    @validates_schema
    def identity(self, data, **kwargs):
        try:
            data["identity"] = parse_buyer_identity(data.get("id_type"), data.get("npwp"), data.get("id_number"))
        except IdentityError as error:
            raise ValidationError({{"npwp": "npwp", "buyer_id_number": "id_number"}.get(error.field, "id_type"): [str(error)]})
        try:
            data["branch_code"] = parse_location_code(data.get("branch_code"))
        except IdentityError as error:
            raise ValidationError({"branch_code": [str(error)]})


class LineIn(Strict):
    item = _text(200, "Name the item.", in_desktop_file=True, required=True)
    quantity = Quantity(load_default=Decimal(1))
    unit_price = Rupiah(required=True, metadata={"description": "Whole rupiah, before the discount"})
    discount = Rupiah("discount", load_default=0, metadata={"description": "Whole rupiah off this line's unit price x quantity"})
    kind = fields.String(load_default=GOODS, validate=validate.OneOf(list(LINE_KINDS)),
                         metadata={"description": "A goods, B services"})
    goods_code = fields.String(load_default=NO_GOODS_CODE,
                               metadata={"description": "6 digits; 000000 when none", "pattern": r"^\s*([0-9]{6})?\s*$"})
    unit = fields.String(load_default=DEFAULT_UNIT, validate=validate.OneOf(list(UNIT_CODES)),
                         metadata={"description": "A DJP unit code, e.g. UM.0018 (Unit)"})

    @validates_schema
    def code(self, data, **kwargs):
        try:
            data["goods_code"] = parse_goods_code(data.get("goods_code"))
        except GoodsError as error:
            raise ValidationError({"goods_code": [str(error)]})
        if "quantity" in data and "unit_price" in data and Line("", data["quantity"], data["unit_price"],
                                                                data.get("discount", 0)).discount_problem:
            raise ValidationError({"discount": ["The discount cannot be more than the unit price x quantity."]})


class FacilityIn(Strict):
    """Codes 07 and 08: DJP's facility (Keterangan Tambahan) and stamp (Cap Fasilitas)."""

    add_info = fields.String(required=True, validate=validate.Length(max=20),
                             metadata={"description": "TD.00501 ... from DJP's list for the invoice's code"})
    stamp = fields.String(required=True, validate=validate.Length(max=20),
                          metadata={"description": "TD.01101 ... from DJP's list for the invoice's code"})
    document = _text(100, load_default="", metadata={"description": "The supporting document's number (CustomDoc)"})
    document_period = fields.String(load_default="", validate=validate.Length(max=10),
                                    metadata={"description": "Its period, MMYYYY (CustomDocMonthYear)"})


def _invoice_number(value: str) -> None:
    problem = invoice_number_problem(value.strip()) if value.strip() else None
    if problem:
        raise ValidationError(problem)


def _lines(value: list) -> None:
    if not value:
        raise ValidationError("Add at least one line.")
    if len(value) > MAX_LINES:
        raise ValidationError(f"An invoice has at most {MAX_LINES} lines; {len(value)} were sent. Split it into two invoices.")


DATE_2000_2099 = {"pattern": r"^20[0-9]{2}-", "description": "YYYY-MM-DD, in 2000-2099"}


class InvoiceIn(Strict):
    number = fields.String(load_default="", validate=[validate.Length(max=40), _invoice_number],
                           metadata={"description": "Left empty, one is generated: INV-2026-000001",
                                     "pattern": r"^\s*([A-Za-z0-9][A-Za-z0-9/._-]*)?\s*$"})
    external_ref = _text(100, "An empty reference is none.", load_default=None, allow_none=True,
                         metadata={"description": "Your own reference, unique for your token: a retried create is refused as a duplicate"})
    customer = fields.Nested(CustomerIn, load_default=None, metadata={"description": "The buyer; or give customer_id"})
    customer_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, MAX_ID),
                                 metadata={"description": "A customer of /customers: the buyer's fields are taken from it "
                                                          "(give this or customer, not both)"})
    invoice_date = fields.Date(required=True, validate=_year_2000_2099, metadata=DATE_2000_2099)
    due_date = fields.Date(required=True, validate=_year_2000_2099, metadata=DATE_2000_2099)
    tax_enabled = fields.Boolean(load_default=True)
    transaction_code = fields.String(load_default=None, allow_none=True,
                                     validate=validate.OneOf(list(INVOICE_TRANSACTION_CODES)),
                                     metadata={"description": "01-10; by default 04 from 2025, 01 before"})
    facility = fields.Nested(FacilityIn, load_default=None, allow_none=True,
                             metadata={"description": "Required for codes 07 and 08; ignored for the others"})
    lines = fields.List(fields.Nested(LineIn), required=True, validate=_lines,
                        metadata={"minItems": 1, "maxItems": MAX_LINES})

    @validates_schema
    def one_buyer(self, data, **kwargs):
        if data.get("customer") is None and data.get("customer_id") is None:
            raise ValidationError({"customer": ["Give the buyer as customer, or a customer's id as customer_id."]})
        if data.get("customer") is not None and data.get("customer_id") is not None:
            raise ValidationError({"customer_id": ["Give customer or customer_id, not both."]})

    @validates_schema
    def facility_of_the_code(self, data, **kwargs):
        code = data.get("transaction_code") or (default_transaction_code(data["invoice_date"]) if "invoice_date" in data else "")
        given = data.get("facility") or {}
        if not data.get("tax_enabled", True):
            code = ""
        try:
            data["parsed_facility"] = parse_facility(code, given.get("add_info"), given.get("stamp"),
                                                     given.get("document"), given.get("document_period"))
        except FacilityError as error:
            name = {"add_info": "add_info", "facility_stamp": "stamp", "custom_doc": "document",
                    "custom_doc_period": "document_period"}[error.field]
            raise ValidationError({"facility": {name: [str(error)]}})


class StatusIn(Strict):
    status = fields.String(required=True, validate=validate.OneOf(list(STORED_STATUSES)))


class InvoiceIdsIn(Strict):
    invoice_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)), required=True,
                              validate=validate.Length(min=1, max=MAX_BATCH))


class ExportIn(Strict):
    invoice_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)),
                              validate=validate.Length(min=1, max=MAX_BATCH),
                              metadata={"description": "These invoices; or leave it out and give month"})
    month = fields.String(validate=validate.Regexp(r"^20\d\d-(0[1-9]|1[0-2])$"), metadata={"description": "YYYY-MM"})
    export_status = fields.String(load_default="", validate=validate.OneOf(["", EXPORTED, NOT_EXPORTED]))

    @validates_schema
    def one_selection(self, data, **kwargs):
        if bool(data.get("invoice_ids")) == bool(data.get("month")):
            raise ValidationError("Give invoice_ids or month, one of them.", "_schema")


STATUS_CHOICES = [""] + list(STATUS_LABELS)
CORETAX_STATES = list(STATE_LABELS)
CORETAX_NONE = "none"


class InvoiceQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="", validate=validate.OneOf(STATUS_CHOICES),
                           metadata={"description": "overdue is unpaid and past its due date; empty for all"})
    month = fields.String(load_default="", validate=validate.Regexp(r"^$|^20\d\d-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM: invoices dated in that month"})
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "Search, as on the Invoices page: Invoice No, customer, or an E-Faktur No"})
    has_number = fields.Boolean(load_default=None, allow_none=True, metadata={"description": "Holds an E-Faktur No"})
    export_status = fields.String(load_default="", validate=validate.OneOf(["", EXPORTED, NOT_EXPORTED]))
    coretax_status = fields.String(load_default="", validate=validate.OneOf(["", CORETAX_NONE, *CORETAX_STATES]),
                                   metadata={"description": "Its Coretax state; none: Coretax has said nothing yet"})
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID),
                           metadata={"description": "The cursor: invoices with an id above this (next_cursor of the last page)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


# ---- what the API gives ------------------------------------------------------------------------

class CustomerOut(Schema):
    id = fields.Integer(required=False, allow_none=True,
                        metadata={"description": "The customer of /customers the buyer was taken from, if any"})
    name = fields.String(required=True)
    npwp_name = fields.String(required=True)
    id_type = fields.String(required=True)
    npwp = fields.String(required=True)
    id_number = fields.String(required=True)
    country = fields.String(required=True)
    email = fields.String(required=True)
    language = fields.String(required=True, metadata={"description": "id or en: the language of its e-Faktur e-mail"})
    address = fields.String(required=True)
    branch_code = fields.String(required=True, metadata={"description": "The 6-digit suffix of the buyer's NITKU"})


class CustomerRecordOut(CustomerOut):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class CustomerPage(Schema):
    items = fields.List(fields.Nested(CustomerRecordOut), required=True)
    next_cursor = fields.Integer(required=True, allow_none=True, metadata={"description": "Pass as after= for the next page; null at the end"})


class CustomerQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "Search, as on the Customers page: name, NPWP name or NPWP"})
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID),
                           metadata={"description": "The cursor: customers with an id above this (next_cursor of the last page)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


CENTS_TEXT = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"}


class LineOut(Schema):
    item = fields.String(required=True)
    kind = fields.String(required=True)
    goods_code = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.String(required=True, metadata={"description": "A decimal, e.g. \"1.5\""})
    unit_price = fields.Integer(required=True, metadata={"description": "Whole rupiah, before the discount"})
    discount = fields.Integer(required=True, metadata={"description": "Whole rupiah"})
    selling_price = fields.String(required=True, metadata={**CENTS_TEXT, "description": "Harga Jual: unit price x quantity, to the cent"})
    tax_base = fields.String(required=True, metadata={**CENTS_TEXT, "description": "TaxBase (DPP): selling price less discount"})
    other_tax_base = fields.String(required=True, metadata={**CENTS_TEXT, "description": "OtherTaxBase: DPP Nilai Lain (11/12) or the DPP"})
    vat = fields.String(required=True, metadata={**CENTS_TEXT, "description": "VAT: other_tax_base x vat_rate, to the cent"})


class FacilityOut(Schema):
    add_info = fields.String(required=True)
    stamp = fields.String(required=True)
    document = fields.String(required=True)
    document_period = fields.String(required=True)


class AmountsOut(Schema):
    selling_price = fields.String(required=True, metadata={**CENTS_TEXT, "description": "Harga Jual: the sum of the lines' unit price x quantity"})
    discount = fields.Integer(required=True, metadata={"description": "The lines' discounts, whole rupiah"})
    dpp = fields.String(required=True, metadata={**CENTS_TEXT, "description": "DPP: the sum of the lines' tax base, to the cent"})
    dpp_other = fields.String(required=True, allow_none=True, metadata={**CENTS_TEXT, "description": "DPP Nilai Lain: the sum of the lines' 11/12, when that is the tax base"})
    vat_rate = fields.Integer(required=True)
    vat = fields.String(required=True, metadata={**CENTS_TEXT, "description": "The sum of the lines' VAT, to the cent"})
    ppn = fields.Integer(required=True, metadata={"description": "The PPN billed: vat in whole rupiah, rounded down (also when not charged: 07, 08)"})
    vat_charged = fields.Boolean(required=True)
    total = fields.String(required=True, metadata={**CENTS_TEXT, "description": "DPP plus the PPN billed where it is charged"})


class InvoiceOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    customer = fields.Nested(CustomerOut, required=True)
    invoice_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True)
    shown_status = fields.String(required=True, metadata={"description": "status, or overdue when unpaid past the due date"})
    tax_enabled = fields.Boolean(required=True)
    transaction_code = fields.String(required=True)
    efaktur_no = fields.String(required=True, allow_none=True, metadata={"description": "e.g. 040.000-26.00000001"})
    coretax_number = fields.String(required=True, allow_none=True, metadata={"description": "The 17-digit number DJP gave it in Coretax"})
    coretax_status = fields.String(required=True, allow_none=True, validate=validate.OneOf(CORETAX_STATES),
                                   metadata={"description": "What Coretax says of it: " + ", ".join(CORETAX_STATES) +
                                             "; null while Coretax has said nothing"})
    facility = fields.Nested(FacilityOut, required=True, allow_none=True, metadata={"description": "Codes 07 and 08"})
    amounts = fields.Nested(AmountsOut, required=True)
    lines = fields.List(fields.Nested(LineOut), required=True)
    export_status = fields.String(required=True, metadata={"description": "exported or not_exported"})
    exported_at = fields.DateTime(required=True, allow_none=True)
    reported_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class InvoicePage(Schema):
    items = fields.List(fields.Nested(InvoiceOut), required=True)
    next_cursor = fields.Integer(required=True, allow_none=True, metadata={"description": "Pass as after= for the next page; null at the end"})


class IssuedOut(Schema):
    invoice_id = fields.Integer(required=True)
    invoice_number = fields.String(required=True)
    efaktur_no = fields.String(required=True)
    year = fields.Integer(required=True)


class AlertOut(Schema):
    outcome = fields.String(required=True, metadata={"description": "sent, partial, failed or not_sent"})
    detail = fields.String(required=True)
    year = fields.Integer(required=True)
    available = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    recipients = fields.Integer(required=True)


class GenerateOut(Schema):
    issued = fields.List(fields.Nested(IssuedOut), required=True)
    threshold_alert = fields.Nested(AlertOut, required=True, allow_none=True,
                                    metadata={"description": "null when the threshold was not reached (or is inactive)"})


class CancelOut(Schema):
    released = fields.String(required=True, metadata={"description": "The E-Faktur No now available again"})
    invoice = fields.Nested(InvoiceOut, required=True)


class YearStockOut(Schema):
    year = fields.Integer(required=True)
    total = fields.Integer(required=True)
    available = fields.Integer(required=True)
    used = fields.Integer(required=True)


class RunOutOut(Schema):
    used_last_30_days = fields.Integer(required=True)
    per_day = fields.Float(required=True)
    run_out_on = fields.Date(required=True, allow_none=True, metadata={"description": "null: no pace, or they last the year"})
    description = fields.String(required=True)


class StockOut(Schema):
    current_year = fields.Integer(required=True)
    years = fields.List(fields.Nested(YearStockOut), required=True)
    threshold_limit = fields.Integer(required=True)
    threshold_active = fields.Boolean(required=True)
    run_out = fields.Nested(RunOutOut, required=True)


class CoretaxNumberIn(Strict):
    number = fields.String(load_default="", validate=validate.Length(max=40),
                           metadata={"description": "The 17-digit number; empty only for CREATED (a draft) or REJECTED"})
    status = fields.String(load_default="APPROVED", validate=validate.OneOf(STATUSES),
                           metadata={"description": "As Coretax's list writes it"})

    @validates_schema
    def _number_needed(self, data, **kwargs):
        if not "".join(data["number"].split()) and data["status"] not in (CREATED, "REJECTED"):
            raise ValidationError(f"A report with status {data['status']} needs its 17-digit number.", "number")


class ListRowOut(Schema):
    row = fields.Integer(required=True, metadata={"description": "The row in the sheet (the header row is 1 when first)"})
    reference = fields.String(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(list(OUTCOME_LABELS)))
    invoice_id = fields.Integer(required=True, allow_none=True)
    invoice_number = fields.String(required=True, allow_none=True)
    message = fields.String(required=True, metadata={"description": "What was recorded, or why not"})


class ListCountsOut(Schema):
    recorded = fields.Integer(required=True)
    replaced = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    not_applied = fields.Integer(required=True)


class ListImportOut(Schema):
    import_id = fields.Integer(required=True)
    file = fields.String(required=True)
    counts = fields.Nested(ListCountsOut, required=True)
    imported_before = fields.Boolean(required=True, metadata={"description": "This very file was imported before"})
    rows = fields.List(fields.Nested(ListRowOut), required=True)


class ListFileIn(Schema):
    file = Upload(required=True, metadata={"description": "Coretax's output-tax list: .xlsx, .csv, or the zip of its bulk download"})


class InvoiceImportIn(Schema):
    file = Upload(required=True, metadata={"description": "A spreadsheet of invoices: our template (.xlsx or .csv, "
                                                          "GET /invoices/import/template.xlsx on the app) or DJP's "
                                                          "converter template (sheets Faktur and DetailFaktur)"})


class InvoiceImportOptionsIn(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "true: only the preview, nothing is written"})
    valid_only = fields.Boolean(load_default=False, metadata={
        "description": "true: import the file's valid invoices even when others have problems (else a file with "
                       "problems imports nothing)"})


class ImportProblemOut(Schema):
    sheet = fields.String(required=True)
    row = fields.Integer(required=True, metadata={"description": "The row in the sheet (1 is its first); 0: the file"})
    column = fields.String(required=True, metadata={"description": "The column's header as the file writes it"})
    message = fields.String(required=True)


class InvoiceImportOut(Schema):
    file = fields.String(required=True)
    layout = fields.String(required=True, metadata={"description": "template (ours) or djp"})
    dry_run = fields.Boolean(required=True)
    imported = fields.Boolean(required=True, metadata={"description": "Whether the invoices were created"})
    invoices = fields.Integer(required=True, metadata={"description": "The valid invoices (created, unless dry_run)"})
    lines = fields.Integer(required=True)
    dpp = fields.String(required=True, metadata={"description": "Their DPP, rupiah with 2 decimals"})
    ppn = fields.Integer(required=True, metadata={"description": "Their PPN billed, whole rupiah"})
    total = fields.String(required=True, metadata={"description": "DPP plus the PPN charged, rupiah with 2 decimals"})
    problem_count = fields.Integer(required=True)
    problems = fields.List(fields.Nested(ImportProblemOut), required=True, metadata={"description": "The first 200"})
    rejected = fields.List(fields.String(), required=True, metadata={"description": "The invoices that cannot be imported"})
    existing = fields.List(fields.String(), required=True, metadata={"description": "Invoice numbers the app holds already"})
    invoice_ids = fields.List(fields.Integer(), required=True, metadata={"description": "The invoices created"})
