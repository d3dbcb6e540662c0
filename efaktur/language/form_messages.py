"""WTForms' own messages, in the app's catalogue (WTForms ships no Indonesian), and what the forms'
`Meta.get_translations` (efaktur/web/forms.py) hands WTForms. Marked here so `pybabel extract` finds them."""
from efaktur.language import lang
from efaktur.language.lang import N_

WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid date value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Invalid email address."),
    N_("Invalid input."),
    N_("Field must be at least %(min)d character long."),
    N_("Field must be at least %(min)d characters long."),
    N_("Field cannot be longer than %(max)d character."),
    N_("Field cannot be longer than %(max)d characters."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Choices cannot be None."),
)


class FormTranslations:
    """What WTForms asks for its validators' messages: the app's catalogue, in the current language."""

    def gettext(self, string):
        return lang.translate(string)

    def ngettext(self, singular, plural, n):
        return lang.translate_plural(singular, plural, n)
