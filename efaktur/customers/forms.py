"""The buyer's fields, once: the Customers page's form and the New Invoice form both take them.

Every value goes through the project's one parser of its kind (identity, e-mail, text).
"""
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from efaktur.customers.models import customer_values
from efaktur.language.i18n import DEFAULT_LANGUAGE, LANGUAGES, language
from efaktur.language.lang import lazy_gettext
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
from efaktur.web.forms import AppForm
from efaktur.web.validators import no_formula, not_blank, optional_email, plain_text


class BuyerForm(AppForm):
    """Who the invoice is made out to; `validate` leaves the parsed identity in `self.buyer`."""

    customer_name = StringField(
        lazy_gettext("Customer Name"), validators=[not_blank(lazy_gettext("Enter the customer's name.")), Length(max=200), plain_text,
                                                   no_formula]
    )
    npwp_name = StringField(lazy_gettext("NPWP Name"), validators=[Optional(), Length(max=200), plain_text, no_formula])
    buyer_document = SelectField(
        lazy_gettext("Buyer ID"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in BUYER_DOCUMENTS.items()], default=BUYER_TIN
    )
    npwp = StringField(lazy_gettext("NPWP"), validators=[Optional(), Length(max=30)])
    buyer_id_number = StringField(lazy_gettext("ID Number"), validators=[Optional(), Length(max=40)])
    buyer_country = SelectField(lazy_gettext("Country"), default=DEFAULT_COUNTRY)
    buyer_branch_code = StringField(lazy_gettext("Branch code (NITKU)"), default=HEAD_OFFICE_LOCATION,
                                    description=lazy_gettext("6 digits after the NPWP; 000000 for the head office."))
    address = TextAreaField(lazy_gettext("Address"), validators=[Optional(), Length(max=1000), plain_text, no_formula])
    customer_email = StringField(lazy_gettext("Customer Email"), validators=[Length(max=254), optional_email])
    customer_language = SelectField(lazy_gettext("E-mail Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()], default=DEFAULT_LANGUAGE,
                                    description=lazy_gettext("The language of the e-Faktur e-mail to this customer."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer_country.choices = [SelectChoice(c, name) for c, name in countries(language()).items()]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # The buyer's identification needs two fields at once (which ID, and its number).
        try:
            self.buyer = parse_buyer_identity(self.buyer_document.data, self.npwp.data, self.buyer_id_number.data)
        except IdentityError as error:
            getattr(self, error.field).errors.append(str(error))
            valid = False
        return valid

    def validate_buyer_branch_code(self, field):
        try:
            field.parsed = parse_location_code(field.data)
        except IdentityError as error:
            raise ValidationError(str(error))

    def buyer_values(self) -> dict:
        """The customer's columns as the validated form gives them."""
        return customer_values((self.customer_name.data or "").strip(), (self.npwp_name.data or "").strip(),
                               self.buyer.document, self.buyer.npwp, self.buyer.number, self.buyer_country.data,
                               self.buyer_branch_code.parsed, (self.address.data or "").strip(),
                               self.customer_email.parsed, self.customer_language.data)


class CustomerForm(BuyerForm):
    revision = HiddenField()  # the customer's revision when the form was opened (errors.check_revision)
    submit = SubmitField(lazy_gettext("Save"))


class CustomerSearchForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(lazy_gettext("Search"), default="")
