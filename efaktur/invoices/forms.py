"""Invoices: the New/Edit Invoice form, status changes, filters.

Every value goes through the project's one parser of its kind (money, identity, goods,
facilities, e-mail, text); the service then applies the rules that need more than one field.
"""
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from efaktur.customers.forms import BuyerForm
from efaktur.invoices.coretax import BUCKET_LABELS
from efaktur.invoices.models import STATUS_LABELS, STORED_STATUSES
from efaktur.invoices.services import MAX_LINES, invoice_number_problem
from efaktur.language.i18n import decimal_mark, language
from efaktur.language.lang import gettext, lazy, lazy_gettext
from efaktur.rules.amounts import Line, compute_amounts
from efaktur.rules.facilities import FACILITY_CODES, FacilityError, add_info_choices, parse_facility, stamp_choices
from efaktur.rules.goods import (
    DEFAULT_UNIT,
    LINE_KINDS,
    NO_GOODS_CODE,
    UNIT_CODES,
    GoodsError,
    parse_goods_code,
    unit_name,
)
from efaktur.rules.identity import (
    domestic_identity_warning,
    lacks_domestic_identity,
)
from efaktur.rules.money import MoneyError, parse_quantity, parse_rupiah
from efaktur.rules.nsfp import INVOICE_TRANSACTION_CODES
from efaktur.web.forms import AppForm, PlainForm
from efaktur.web.validators import no_formula, not_blank, plain_text


class LineForm(PlainForm):
    item = StringField(lazy_gettext("Item"), validators=[not_blank(lazy_gettext("Name the item.")), Length(max=200), plain_text, no_formula])
    kind = SelectField(lazy_gettext("Goods or Services"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in LINE_KINDS.items()], default="A")
    goods_code = StringField(lazy_gettext("Code"), default=NO_GOODS_CODE)
    unit = SelectField(lazy_gettext("Unit"), choices=[SelectChoice(k, lazy(lambda k=k: f"{unit_name(k, language())} ({k})")) for k in UNIT_CODES], default=DEFAULT_UNIT)
    quantity = StringField(lazy_gettext("Quantity"), validators=[InputRequired(lazy_gettext("Enter a quantity."))], default="1")
    unit_price = StringField(lazy_gettext("Unit Price"), validators=[InputRequired(lazy_gettext("Enter a unit price."))])
    discount = StringField(lazy_gettext("Discount"), default="")

    def validate_quantity(self, field):
        try:
            field.parsed = parse_quantity(field.data, decimal_mark=decimal_mark())  # 1,555 is 1.555 to Indonesians
        except MoneyError as error:
            raise ValidationError(str(error))

    def validate_unit_price(self, field):
        try:
            field.parsed = parse_rupiah(field.data, gettext("unit price"))
        except MoneyError as error:
            raise ValidationError(str(error))

    def validate_discount(self, field):
        if not (field.data or "").strip():
            field.parsed = 0
            return
        try:
            field.parsed = parse_rupiah(field.data, gettext("discount"))
        except MoneyError as error:
            raise ValidationError(str(error))
        quantity, price = getattr(self.quantity, "parsed", None), getattr(self.unit_price, "parsed", None)
        if quantity is not None and price is not None and Line("", quantity, price, field.parsed).discount_problem:
            raise ValidationError(gettext("The discount cannot be more than the unit price x quantity."))

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
            gettext("An invoice has at most %(max_lines)s lines; %(submitted)s were sent. Split it into two invoices.",
                    max_lines=MAX_LINES, submitted=field.submitted)
        )


class InvoiceForm(BuyerForm):
    number = StringField(lazy_gettext("Invoice No"), validators=[Optional(), Length(max=40)])
    # The customer the buyer's fields were filled from (the suggestions set it; typing a new name clears it),
    # and, for a buyer typed by hand, whether to keep it as a customer.
    customer_id = HiddenField(default="")
    save_customer = BooleanField(lazy_gettext("Save as a customer"), default=False)
    invoice_date = DateField(lazy_gettext("Invoice Date"), validators=[InputRequired(lazy_gettext("Enter the invoice date."))])
    due_date = DateField(lazy_gettext("Due Date"), validators=[InputRequired(lazy_gettext("Enter the due date."))])
    tax_enabled = BooleanField(lazy_gettext("Invoice Tax"), default=True)
    transaction_code = SelectField(
        lazy_gettext("Transaction Code"),
        choices=[SelectChoice(code, label) for code, label in INVOICE_TRANSACTION_CODES.items()],
        default="04",
    )
    # Codes 07 and 08: DJP's lists differ per code, so each code has its own pair of fields.
    add_info_07 = SelectField(lazy_gettext("Keterangan Tambahan (facility)"), default="", validate_choice=False)
    facility_stamp_07 = SelectField(lazy_gettext("Cap Fasilitas (stamp)"), default="", validate_choice=False)
    add_info_08 = SelectField(lazy_gettext("Keterangan Tambahan (facility)"), default="", validate_choice=False)
    facility_stamp_08 = SelectField(lazy_gettext("Cap Fasilitas (stamp)"), default="", validate_choice=False)
    custom_doc = StringField(lazy_gettext("Supporting document number"), validators=[Optional(), Length(max=100), plain_text])
    custom_doc_period = StringField(lazy_gettext("Supporting document period (MMYYYY)"), validators=[Optional(), Length(max=10)])
    lines = LineList(FormField(LineForm), validators=[at_most_max_lines], min_entries=1, max_entries=MAX_LINES + 1)
    # Sent only by the "Yes, change the code and save" button, after the form said what a new
    # transaction code does to a numbered invoice (never rendered as a field of its own).
    confirm_code_change = StringField(default="")
    revision = HiddenField()  # the invoice's revision when the form was opened (errors.check_revision)
    submit = SubmitField(lazy_gettext("Save"))

    def __init__(self, *args, number_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        code = language()
        choose = SelectChoice("", gettext("Choose from DJP's list"))
        for trx in FACILITY_CODES:
            self[f"add_info_{trx}"].choices = [choose] + [SelectChoice(c, label) for c, label in add_info_choices(trx, code)]
            self[f"facility_stamp_{trx}"].choices = [choose] + [SelectChoice(c, label) for c, label in stamp_choices(trx, code)]
        self.number_required = number_required

    def validate_number(self, field):
        value = (field.data or "").strip()
        if not value:
            if self.number_required:
                raise ValidationError(gettext("Enter the Invoice No."))
            return
        problem = invoice_number_problem(value)
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # The facility of codes 07/08: the pair of fields of the chosen code (Invoice Tax on).
        trx = self.transaction_code.data if self.tax_enabled.data else ""
        try:
            self.facility = parse_facility(trx, self[f"add_info_{trx}"].data if trx in FACILITY_CODES else "",
                                           self[f"facility_stamp_{trx}"].data if trx in FACILITY_CODES else "",
                                           self.custom_doc.data, self.custom_doc_period.data)
        except FacilityError as error:
            field = {"add_info": f"add_info_{trx}", "facility_stamp": f"facility_stamp_{trx}"}.get(error.field, error.field)
            self[field].errors = list(self[field].errors) + [str(error)]
            valid = False
        return valid

    def validate_due_date(self, field):
        if self.invoice_date.data and field.data and field.data < self.invoice_date.data:
            raise ValidationError(gettext("The due date cannot be before the invoice date."))

    def validate_invoice_date(self, field):
        if field.data and not 2000 <= field.data.year <= 2099:
            raise ValidationError(gettext("Enter a date between 2000 and 2099."))


class StatusForm(AppForm):
    status = SelectField(lazy_gettext("Invoice Status"), choices=[SelectChoice(s, lazy_gettext(STATUS_LABELS[s])) for s in STORED_STATUSES])
    submit = SubmitField(lazy_gettext("Change status"))


class GenerateForm(AppForm):
    """The ticked invoices; ids are checked by the id parser, and by the ledger as invoices."""

    submit = SubmitField(lazy_gettext("Yes"))


NUMBER_NOT_SET, NUMBER_SET = "not_set", "set"
PAGE_SIZES = (25, 50, 100, 200)


class FilterForm(PlainForm):
    status = SelectField(
        lazy_gettext("Invoice Status"),
        choices=[SelectChoice("", lazy_gettext("All statuses"))] + [SelectChoice(s, lazy_gettext(label)) for s, label in STATUS_LABELS.items()],
        default="",
    )
    month = StringField(lazy_gettext("Month"), default="")
    year = StringField(lazy_gettext("Year"), default="")  # from the E-Faktur No page's Coretax counts
    q = StringField(lazy_gettext("Search"), default="")
    efaktur = SelectField(
        lazy_gettext("E-Faktur No"),
        choices=[SelectChoice("", lazy_gettext("All")), SelectChoice(NUMBER_NOT_SET, lazy_gettext("(Not Set)")),
                 SelectChoice(NUMBER_SET, lazy_gettext("Generated"))],
        default="",
    )
    coretax = SelectField(
        lazy_gettext("Coretax"),
        choices=[SelectChoice("", lazy_gettext("All"))] + [SelectChoice(key, lazy_gettext(label))
                                                           for key, label in BUCKET_LABELS.items()],
        default="",
    )
    per_page = SelectField(lazy_gettext("Rows per page"), choices=[SelectChoice(str(n), str(n)) for n in PAGE_SIZES], default=str(PAGE_SIZES[0]))


def amounts_preview(form: InvoiceForm) -> dict:
    """The amounts the form's lines give as typed so far (the lines that cannot be read yet are named),
    and the warning for a buyer the tax office's files will refuse: the live totals of the form."""
    lines, unreadable = [], []
    for number, entry in enumerate(form.lines, start=1):
        line = entry.form
        if not (line.unit_price.data or "").strip():
            continue  # not typed yet
        try:
            parsed = Line(line.item.data or "", parse_quantity(line.quantity.data, decimal_mark=decimal_mark()),
                          parse_rupiah(line.unit_price.data),
                          parse_rupiah(line.discount.data) if (line.discount.data or "").strip() else 0)
        except MoneyError:
            unreadable.append(number)
            continue
        if parsed.discount_problem:
            unreadable.append(number)
        else:
            lines.append(parsed)
    code, day, tax = form.transaction_code.data, form.invoice_date.data, bool(form.tax_enabled.data)
    known = lines and day is not None and code in INVOICE_TRANSACTION_CODES
    buyer = tax and lacks_domestic_identity(form.buyer_document.data or "", (form.npwp.data or "").strip(),
                                            form.buyer_country.data or "")
    return {
        "amounts": compute_amounts(day, code, lines, tax) if known else None,
        "code": code, "tax_enabled": tax, "unreadable": unreadable,
        "buyer_warning": domestic_identity_warning() if buyer else None,
    }


class CoretaxForm(AppForm):
    """The number DJP gave the invoice in Coretax, typed on the invoice's page."""

    coretax_number = StringField(
        lazy_gettext("Coretax Number"), render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": lazy_gettext("17 digits, e.g. 04002500037469724")}
    )
    submit = SubmitField(lazy_gettext("Save"))


class ImportForm(AppForm):
    """Import Invoices: a workbook or CSV in our template's layout, or DJP's converter template."""

    file = FileField(lazy_gettext("Spreadsheet"),
                     render_kw={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"})
    valid_only = BooleanField(lazy_gettext("Import the valid invoices only"), default=False)
    submit = SubmitField(lazy_gettext("Preview"))
