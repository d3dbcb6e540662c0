from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, MultipleFileField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from .models import EMAIL_FAILED, EMAIL_READY, EMAIL_SENT

EMAIL_FILTER = {"": "All", EMAIL_READY: "Ready to Send", EMAIL_SENT: "Sent", EMAIL_FAILED: "Failed"}
EFAKTUR_FILTER = {"": "All", "normal": "Normal", "replacement": "Replacement"}


class UploadForm(FlaskForm):
    files = MultipleFileField("Files", render_kw={"accept": ".pdf,.zip,application/pdf,application/zip", "multiple": True})
    submit = SubmitField("Upload")


class FilesFilterForm(Form):
    email_status = SelectField("Email Status", choices=[SelectChoice(k, v) for k, v in EMAIL_FILTER.items()], default="")
    efaktur_status = SelectField(
        "E-Faktur Status", choices=[SelectChoice(k, v) for k, v in EFAKTUR_FILTER.items()], default=""
    )


class SendForm(FlaskForm):
    """The ticked files, or every Ready to Send one; Resend for Sent and Failed ones."""

    scope = HiddenField(default="")


class CoretaxForm(FlaskForm):
    coretax_number = StringField(
        "Coretax Number", render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": "17 digits, e.g. 04002500037469724"}
    )
    submit = SubmitField("Save")
