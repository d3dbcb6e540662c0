from flask_wtf.file import FileField
from wtforms import HiddenField, MultipleFileField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from efaktur.files.models import EMAIL_FAILED, EMAIL_READY, EMAIL_SENT, EMAIL_UNKNOWN
from efaktur.language.lang import N_, lazy_gettext
from efaktur.web.forms import AppForm, PlainForm

EMAIL_FILTER = {"": N_("All"), EMAIL_READY: N_("Ready to Send"), EMAIL_SENT: N_("Sent"), EMAIL_FAILED: N_("Failed"),
                EMAIL_UNKNOWN: N_("Unknown")}
EFAKTUR_FILTER = {"": N_("All"), "normal": N_("Normal"), "replacement": N_("Replacement")}


class UploadForm(AppForm):
    files = MultipleFileField(lazy_gettext("Files"), render_kw={"accept": ".pdf,.zip,application/pdf,application/zip", "multiple": True})
    submit = SubmitField(lazy_gettext("Upload"))


class FilesFilterForm(PlainForm):
    email_status = SelectField(lazy_gettext("Email Status"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in EMAIL_FILTER.items()], default="")
    efaktur_status = SelectField(
        lazy_gettext("E-Faktur Status"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in EFAKTUR_FILTER.items()], default=""
    )


class SendForm(AppForm):
    """The ticked files, or every Ready to Send one; Resend for Sent, Failed and Unknown ones."""

    scope = HiddenField(default="")


class ListImportForm(AppForm):
    """Import Coretax List: the output-tax list (Pajak Keluaran) as Coretax downloads it."""

    file = FileField(lazy_gettext("Coretax output-tax list"),
                     render_kw={"accept": ".xlsx,.csv,.zip,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,application/zip"})
    submit = SubmitField(lazy_gettext("Import"))


class RemoveFileForm(AppForm):
    """Remove a wrongly matched file: the reason goes into the activity log."""

    reason = TextAreaField(lazy_gettext("Why is this file wrong for the invoice?"),
                           validators=[Length(max=300, message=lazy_gettext("At most 300 characters."))])
    submit = SubmitField(lazy_gettext("Remove file"))
