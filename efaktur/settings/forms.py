from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

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
    email = EmailField(
        "Notification Email",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired("Enter an e-mail address."), Length(max=254), Email("Enter a valid e-mail address.")],
    )
    submit = SubmitField("Add")


class CompanyForm(FlaskForm):
    company_name = StringField("Company Name", validators=[DataRequired("Enter the company's name."), Length(max=200)])
    company_npwp = StringField("Company NPWP", validators=[Optional(), Length(max=30)])
    submit = SubmitField("Save")

    def validate_company_npwp(self, field):
        digits = (field.data or "").replace(".", "").replace("-", "").replace(" ", "")
        if digits and (not all("0" <= c <= "9" for c in digits) or len(digits) not in (15, 16)):
            raise ValidationError("NPWP is 15 or 16 digits.")
        field.digits = digits
