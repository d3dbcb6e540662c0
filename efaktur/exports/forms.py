from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from efaktur.exports.queries import EXPORT_STATUS_LABELS
from efaktur.language.lang import lazy_gettext
from efaktur.web.forms import AppForm, PlainForm


class PeriodFilterForm(PlainForm):
    """Period and Export Status of the Export CSV tab (GET, so no CSRF token)."""

    period = StringField(lazy_gettext("Period"), default="")
    export_status = SelectField(
        lazy_gettext("Export Status"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in EXPORT_STATUS_LABELS.items()], default=""
    )


class ExportForm(AppForm):
    """The ticked rows (or every invoice of the period) and the button pressed."""

    scope = HiddenField(default="")
    period = HiddenField()
    export_status = HiddenField(default="")
