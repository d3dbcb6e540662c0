from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from .queries import EXPORT_STATUS_LABELS


class PeriodFilterForm(Form):
    """Period and Export Status of the Export CSV tab (GET, so no CSRF token)."""

    period = StringField("Period", default="")
    export_status = SelectField(
        "Export Status", choices=[SelectChoice(k, v) for k, v in EXPORT_STATUS_LABELS.items()], default=""
    )


class ExportForm(FlaskForm):
    """The ticked rows (or every invoice of the period) and the button pressed."""

    scope = HiddenField(default="")
    period = HiddenField()
    export_status = HiddenField(default="")
