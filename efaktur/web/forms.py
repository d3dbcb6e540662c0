"""The bases of every form: Flask-WTF's form (AppForm) and WTForms' plain one (PlainForm), with WTForms'
own messages from our catalogue.

`Meta.get_translations` is WTForms' public hook for where a form's messages come from (Flask-WTF
overrides it to hand its own catalogue, which has no Indonesian); ours hands the app's.
"""
from flask_wtf import FlaskForm
from wtforms import Form

from efaktur.language.form_messages import FormTranslations

_TRANSLATIONS = FormTranslations()


class AppForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _TRANSLATIONS


class PlainForm(Form):
    """A form without a CSRF token of its own: filters read from the query string, an invoice's line
    inside the invoice form. Its messages come from the same catalogue."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS
