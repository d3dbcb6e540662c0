"""WTForms' own messages, in the app's catalogue (WTForms ships no Indonesian), and the hook that
makes every form ask the catalogue for them. Marked here so `pybabel extract` finds them."""
from . import lang
from .lang import N_

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
    """What Flask-WTF asks for the messages of WTForms' validators: the app's catalogue."""

    def gettext(self, string):
        return lang._gettext(string)

    def ngettext(self, singular, plural, n):
        return lang._ngettext(singular, plural, n)


def install() -> None:
    import flask_wtf.form

    flask_wtf.form.translations = FormTranslations()
