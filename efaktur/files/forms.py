from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, MultipleFileField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..lang import N_, lazy_gettext
from .models import EMAIL_FAILED, EMAIL_READY, EMAIL_SENT

EMAIL_FILTER = {"": N_("All"), EMAIL_READY: N_("Ready to Send"), EMAIL_SENT: N_("Sent"), EMAIL_FAILED: N_("Failed")}
EFAKTUR_FILTER = {"": N_("All"), "normal": N_("Normal"), "replacement": N_("Replacement")}


class UploadForm(FlaskForm):
    files = MultipleFileField(lazy_gettext("Files"), render_kw={"accept": ".pdf,.zip,application/pdf,application/zip", "multiple": True})
    submit = SubmitField(lazy_gettext("Upload"))


class FilesFilterForm(Form):
    email_status = SelectField(lazy_gettext("Email Status"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in EMAIL_FILTER.items()], default="")
    efaktur_status = SelectField(
        lazy_gettext("E-Faktur Status"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in EFAKTUR_FILTER.items()], default=""
    )


class SendForm(FlaskForm):
    """The ticked files, or every Ready to Send one; Resend for Sent and Failed ones."""

    scope = HiddenField(default="")


class CoretaxForm(FlaskForm):
    coretax_number = StringField(
        lazy_gettext("Coretax Number"), render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": lazy_gettext("17 digits, e.g. 04002500037469724")}
    )
    submit = SubmitField(lazy_gettext("Save"))
