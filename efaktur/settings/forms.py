from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..emails import EmailError, parse_email
from ..identity import IdentityError, parse_location_code, parse_npwp
from ..form_validators import plain_text
from ..threshold import ThresholdLimitError, parse_threshold_limit


class ThresholdForm(FlaskForm):
    threshold_limit = StringField(
        "Threshold Limit", render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
    )
    active = BooleanField("Active")
    submit = SubmitField("Save")

    def validate_threshold_limit(self, field):
        try:
            field.parsed = parse_threshold_limit(field.data)
        except ThresholdLimitError as error:
            raise ValidationError(str(error))


class RecipientForm(FlaskForm):
    email = EmailField("Notification Email")
    submit = SubmitField("Add")

    def validate_email(self, field):
        try:
            field.parsed = parse_email(field.data, smtputf8=current_app.config["EFAKTUR_SMTPUTF8"])
        except EmailError as error:
            raise ValidationError(str(error))


class CompanyForm(FlaskForm):
    company_name = StringField(
        "Company Name", validators=[DataRequired("Enter the company's name."), Length(max=200), plain_text]
    )
    company_npwp = StringField("Company NPWP", validators=[Length(max=30)])
    company_address = TextAreaField("Company Address", validators=[Optional(), Length(max=1000), plain_text])
    business_location_code = StringField("Business Location Code", validators=[Length(max=10)], default="000000")
    submit = SubmitField("Save")

    def validate_company_npwp(self, field):
        try:
            field.digits = parse_npwp(field.data)
        except IdentityError as error:
            raise ValidationError(str(error).replace("; leave it empty for a buyer without NPWP", ""))

    def validate_business_location_code(self, field):
        try:
            field.parsed = parse_location_code(field.data)
        except IdentityError as error:
            raise ValidationError(str(error))
