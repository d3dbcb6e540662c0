from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from efaktur.language.lang import lazy_gettext
from efaktur.rules.nsfp import NSFP_EXAMPLE, NsfpError, parse_nsfp
from efaktur.web.forms import AppForm


def _nsfp_field(form, field):
    try:
        field.parsed = parse_nsfp(field.data or "")
    except NsfpError as error:
        raise ValidationError(str(error))


YEAR_CHOICE_MESSAGE = lazy_gettext("Choose a Year Period from the list.")


class YearSelectField(SelectField):
    """A list of years whose errors say so in words a user understands."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(YEAR_CHOICE_MESSAGE)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(YEAR_CHOICE_MESSAGE)


class RangeForm(AppForm):
    year = YearSelectField(lazy_gettext("Year Period"), coerce=int, validators=[InputRequired(lazy_gettext("Choose a Year Period."))])
    start_number = StringField(
        lazy_gettext("Start Number"),
        validators=[InputRequired(lazy_gettext("Enter the Start Number.")), Length(max=40), _nsfp_field],
        render_kw={"placeholder": NSFP_EXAMPLE, "inputmode": "numeric", "autocomplete": "off"},
    )
    end_number = StringField(
        lazy_gettext("End Number"),
        validators=[InputRequired(lazy_gettext("Enter the End Number.")), Length(max=40), _nsfp_field],
        render_kw={"placeholder": NSFP_EXAMPLE, "inputmode": "numeric", "autocomplete": "off"},
    )
    revision = HiddenField()  # the range's revision when the form was opened (errors.check_revision)
    submit = SubmitField(lazy_gettext("Save"))

    def set_year_choices(self, years):
        self.year.choices = [SelectChoice(y, str(y)) for y in sorted(set(years))]


class ConfirmForm(AppForm):
    """A bare form for confirmations: its only job is the CSRF token."""

    submit = SubmitField(lazy_gettext("Yes"))
