from flask import current_app
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from efaktur.language.i18n import LANGUAGES
from efaktur.language.lang import gettext, lazy_gettext
from efaktur.rules import reporting
from efaktur.rules.emails import EmailError, parse_email
from efaktur.rules.identity import IdentityError, parse_location_code, parse_npwp
from efaktur.settings.models import ALERT_DAILY, ALERT_EACH
from efaktur.settings.threshold import ThresholdLimitError, parse_threshold_limit
from efaktur.web.forms import AppForm
from efaktur.web.validators import optional_email, plain_text


class ThresholdForm(AppForm):
    threshold_limit = StringField(
        lazy_gettext("Threshold Limit"), render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
    )
    active = BooleanField(lazy_gettext("Active"))
    revision = HiddenField()  # the settings' revision when the form was opened (errors.check_revision)
    submit = SubmitField(lazy_gettext("Save"))

    def validate_threshold_limit(self, field):
        try:
            field.parsed = parse_threshold_limit(field.data)
        except ThresholdLimitError as error:
            raise ValidationError(str(error))


class RecipientForm(AppForm):
    email = EmailField(lazy_gettext("Notification Email"))
    submit = SubmitField(lazy_gettext("Add"))

    def validate_email(self, field):
        try:
            field.parsed = parse_email(field.data, smtputf8=current_app.config["EFAKTUR_SMTPUTF8"])
        except EmailError as error:
            raise ValidationError(str(error))


class NotificationLanguageForm(AppForm):
    notification_language = SelectField(lazy_gettext("Language of the threshold e-mail"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])
    alert_frequency = RadioField(
        lazy_gettext("When the threshold e-mail goes out"),
        choices=[SelectChoice(ALERT_EACH, lazy_gettext("After each Generate while at or below the limit")),
                 SelectChoice(ALERT_DAILY, lazy_gettext("At most one alert a day"))],
        default=ALERT_EACH)
    submit = SubmitField(lazy_gettext("Save"))


class SenderForm(AppForm):
    """Who the e-mails come from, and where customers' replies go; empty fields keep the server's sender."""

    sender_name = StringField(lazy_gettext("Sender name"), validators=[Optional(), Length(max=100), plain_text])
    sender_email = StringField(lazy_gettext("Sender address"), validators=[Length(max=254), optional_email],
                               description=lazy_gettext("Empty: the mail server's own sender address."))
    reply_to = StringField(lazy_gettext("Reply-To"), validators=[Length(max=254), optional_email],
                           description=lazy_gettext("Where a customer's reply goes, e.g. the finance team's inbox."))
    submit = SubmitField(lazy_gettext("Save"))


class CompanyForm(AppForm):
    company_name = StringField(
        lazy_gettext("Company Name"), validators=[DataRequired(lazy_gettext("Enter the company's name.")), Length(max=200), plain_text]
    )
    company_npwp = StringField(lazy_gettext("Company NPWP"), validators=[Length(max=30)])
    company_address = TextAreaField(lazy_gettext("Company Address"), validators=[Optional(), Length(max=1000), plain_text])
    business_location_code = StringField(lazy_gettext("Business Location Code"), validators=[Length(max=10)], default="000000")
    revision = HiddenField()  # the settings' revision when the form was opened (errors.check_revision)
    submit = SubmitField(lazy_gettext("Save"))

    def validate_company_npwp(self, field):
        try:
            field.digits = parse_npwp(field.data)
        except IdentityError:
            raise ValidationError(gettext("NPWP is 15 or 16 digits, e.g. 01.234.567.8-901.000.")) from None

    def validate_business_location_code(self, field):
        try:
            field.parsed = parse_location_code(field.data)
        except IdentityError as error:
            raise ValidationError(str(error))


class RouteForm(AppForm):
    route = RadioField(lazy_gettext("Reporting route"),
                       choices=[SelectChoice(key, lazy_gettext(label)) for key, label in reporting.ROUTES.items()],
                       validate_choice=False)
    submit = SubmitField(lazy_gettext("Save"))

    def validate_route(self, field):
        if field.data not in reporting.ROUTES:
            raise ValidationError(gettext("Choose one of the routes."))
