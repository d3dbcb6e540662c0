"""Invoices: the New/Edit Invoice form, status changes, filters.

Every value goes through the project's one parser of its kind (money, identity, goods,
e-mail, text); the service then applies the rules that need more than one field.
"""
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..emails import EmailError, parse_email
from ..form_validators import not_blank, plain_text
from ..goods import DEFAULT_UNIT, LINE_KINDS, NO_GOODS_CODE, UNIT_CODES, GoodsError, parse_goods_code
from ..identity import BUYER_DOCUMENTS, BUYER_TIN, DEFAULT_COUNTRY, IdentityError, countries, parse_buyer_identity
from ..money import MoneyError, parse_quantity, parse_rupiah
from ..nsfp import INVOICE_TRANSACTION_CODES
from .models import STATUS_LABELS, STORED_STATUSES
from .services import MAX_LINES, invoice_number_problem


class LineForm(Form):
    item = StringField("Item", validators=[not_blank("Name the item."), Length(max=200), plain_text])
    kind = SelectField("Goods or Services", choices=[SelectChoice(k, v) for k, v in LINE_KINDS.items()], default="A")
    goods_code = StringField("Code", default=NO_GOODS_CODE)
    unit = SelectField("Unit", choices=[SelectChoice(k, f"{v} ({k})") for k, v in UNIT_CODES.items()], default=DEFAULT_UNIT)
    quantity = StringField("Quantity", validators=[InputRequired("Enter a quantity.")], default="1")
    unit_price = StringField("Unit Price", validators=[InputRequired("Enter a unit price.")])

    def validate_quantity(self, field):
        try:
            field.parsed = parse_quantity(field.data)
        except MoneyError as error:
            raise ValidationError(str(error))

    def validate_unit_price(self, field):
        try:
            field.parsed = parse_rupiah(field.data, "unit price")
        except MoneyError as error:
            raise ValidationError(str(error))

    def validate_goods_code(self, field):
        try:
            field.parsed = parse_goods_code(field.data)
        except GoodsError as error:
            raise ValidationError(str(error))


class LineList(FieldList):
    """The lines; more than MAX_LINES is an error on the lines, never a silently shorter invoice.

    WTForms drops entries beyond max_entries without a word, so the submitted rows are
    counted here first.
    """

    def process(self, formdata, data=None, extra_filters=None):
        self.submitted = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters)


def at_most_max_lines(form, field):
    if getattr(field, "submitted", 0) > MAX_LINES:
        raise ValidationError(
            f"An invoice has at most {MAX_LINES} lines; {field.submitted} were sent. Split it into two invoices."
        )


class InvoiceForm(FlaskForm):
    number = StringField("Invoice No", validators=[Optional(), Length(max=40)])
    customer_name = StringField(
        "Customer Name", validators=[not_blank("Enter the customer's name."), Length(max=200), plain_text]
    )
    npwp_name = StringField("NPWP Name", validators=[Optional(), Length(max=200), plain_text])
    buyer_document = SelectField(
        "Buyer ID", choices=[SelectChoice(k, v) for k, v in BUYER_DOCUMENTS.items()], default=BUYER_TIN
    )
    npwp = StringField("NPWP", validators=[Optional(), Length(max=30)])
    buyer_id_number = StringField("ID Number", validators=[Optional(), Length(max=40)])
    buyer_country = SelectField("Country", default=DEFAULT_COUNTRY)
    address = TextAreaField("Address", validators=[Optional(), Length(max=1000), plain_text])
    customer_email = StringField("Customer Email", validators=[Length(max=254)])
    invoice_date = DateField("Invoice Date", validators=[InputRequired("Enter the invoice date.")])
    due_date = DateField("Due Date", validators=[InputRequired("Enter the due date.")])
    tax_enabled = BooleanField("Invoice Tax", default=True)
    transaction_code = SelectField(
        "Transaction Code",
        choices=[SelectChoice(code, label) for code, label in INVOICE_TRANSACTION_CODES.items()],
        default="04",
    )
    lines = LineList(FormField(LineForm), validators=[at_most_max_lines], min_entries=1, max_entries=MAX_LINES + 1)
    submit = SubmitField("Save")

    def __init__(self, *args, number_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer_country.choices = [SelectChoice(code, name) for code, name in countries().items()]
        self.number_required = number_required

    def validate_number(self, field):
        value = (field.data or "").strip()
        if not value:
            if self.number_required:
                raise ValidationError("Enter the Invoice No.")
            return
        problem = invoice_number_problem(value)
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # The buyer's identification needs two fields at once (which ID, and its number).
        try:
            self.buyer = parse_buyer_identity(self.buyer_document.data, self.npwp.data, self.buyer_id_number.data)
        except IdentityError as error:
            getattr(self, error.field).errors.append(str(error))
            valid = False
        return valid

    def validate_customer_email(self, field):
        if not (field.data or "").strip():
            field.parsed = ""
            return
        try:
            field.parsed = parse_email(field.data, smtputf8=current_app.config["EFAKTUR_SMTPUTF8"])
        except EmailError as error:
            raise ValidationError(str(error))

    def validate_due_date(self, field):
        if self.invoice_date.data and field.data and field.data < self.invoice_date.data:
            raise ValidationError("The due date cannot be before the invoice date.")

    def validate_invoice_date(self, field):
        if field.data and not 2000 <= field.data.year <= 2099:
            raise ValidationError("Enter a date between 2000 and 2099.")


class StatusForm(FlaskForm):
    status = SelectField("Invoice Status", choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STORED_STATUSES])
    submit = SubmitField("Change status")


class GenerateForm(FlaskForm):
    """The ticked invoices; ids are checked by the id parser, and by the ledger as invoices."""

    submit = SubmitField("Yes")


NUMBER_NOT_SET, NUMBER_SET = "not_set", "set"
PAGE_SIZES = (25, 50, 100, 200)


class FilterForm(Form):
    status = SelectField(
        "Invoice Status",
        choices=[SelectChoice("", "All statuses")] + [SelectChoice(s, label) for s, label in STATUS_LABELS.items()],
        default="",
    )
    month = StringField("Month", default="")
    q = StringField("Search", default="")
    efaktur = SelectField(
        "E-Faktur No",
        choices=[SelectChoice("", "All"), SelectChoice(NUMBER_NOT_SET, "(Not Set)"), SelectChoice(NUMBER_SET, "Generated")],
        default="",
    )
    per_page = SelectField("Rows per page", choices=[SelectChoice(str(n), str(n)) for n in PAGE_SIZES], default=str(PAGE_SIZES[0]))
