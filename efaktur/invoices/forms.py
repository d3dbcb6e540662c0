import re
from decimal import Decimal, InvalidOperation

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
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..nsfp import TRANSACTION_CODES
from .models import STATUS_LABELS, STORED_STATUSES

MAX_LINES = 100
MAX_UNIT_PRICE = 10**13
MAX_QUANTITY = Decimal("1000000000")


def _ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


class LineForm(Form):
    item = StringField("Item", validators=[InputRequired("Name the item."), Length(max=200)])
    quantity = StringField("Quantity", validators=[InputRequired("Enter a quantity.")], default="1")
    unit_price = StringField("Unit Price", validators=[InputRequired("Enter a unit price.")])

    def validate_quantity(self, field):
        try:
            value = Decimal(field.data.strip().replace(",", "."))
        except (InvalidOperation, AttributeError):
            raise ValidationError("Enter a number, e.g. 2 or 1.5.")
        if not value.is_finite() or value <= 0 or value > MAX_QUANTITY or value != value.quantize(Decimal("0.01")):
            raise ValidationError("Enter a quantity above 0 with at most 2 decimals.")
        field.parsed = value

    def validate_unit_price(self, field):
        digits = field.data.strip().replace(".", "").replace(",", "") if field.data else ""
        if not _ascii_digits(digits):
            raise ValidationError("Enter whole rupiah, digits only.")
        value = int(digits)
        if value > MAX_UNIT_PRICE:
            raise ValidationError("That price is too large.")
        field.parsed = value


class InvoiceForm(FlaskForm):
    number = StringField("Invoice No", validators=[Optional(), Length(max=40)])
    customer_name = StringField("Customer Name", validators=[DataRequired("Enter the customer's name."), Length(max=200)])
    npwp_name = StringField("NPWP Name", validators=[Optional(), Length(max=200)])
    npwp = StringField("NPWP", validators=[Optional(), Length(max=30)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=1000)])
    invoice_date = DateField("Invoice Date", validators=[InputRequired("Enter the invoice date.")])
    due_date = DateField("Due Date", validators=[InputRequired("Enter the due date.")])
    tax_enabled = BooleanField("Invoice Tax", default=True)
    transaction_code = SelectField(
        "Transaction Code",
        choices=[SelectChoice(code, label) for code, label in TRANSACTION_CODES.items()],
        default="01",
    )
    lines = FieldList(FormField(LineForm), min_entries=1, max_entries=MAX_LINES)
    submit = SubmitField("Save")

    def validate_number(self, field):
        if field.data and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._-]*", field.data.strip()):
            raise ValidationError("Use letters, digits and / . _ - only.")

    def validate_npwp(self, field):
        digits = (field.data or "").replace(".", "").replace("-", "").replace(" ", "")
        if digits and (not _ascii_digits(digits) or len(digits) not in (15, 16)):
            raise ValidationError("NPWP is 15 or 16 digits; leave it empty for a buyer without NPWP.")
        field.digits = digits

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
    """The ticked invoices; ids are checked here as numbers, and by the ledger as invoices."""

    submit = SubmitField("Yes")


class FilterForm(Form):
    status = SelectField(
        "Invoice Status",
        choices=[SelectChoice("", "All statuses")] + [SelectChoice(s, label) for s, label in STATUS_LABELS.items()],
        default="",
    )
    month = StringField("Month", default="")
    q = StringField("Search", default="")
