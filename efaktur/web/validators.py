"""WTForms validators shared by the feature packages' forms; each calls the one pure parser of its kind."""
from flask import current_app
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from efaktur.rules.emails import EmailError, parse_email
from efaktur.rules.text import formula_problem, text_problem


def plain_text(form, field):
    """No control characters or invisible text-direction marks (line breaks only in text areas)."""
    problem = text_problem(field.data, multiline=isinstance(field, TextAreaField))
    if problem:
        raise ValidationError(problem)


def no_formula(form, field):
    """For what goes into the desktop import file: no value that a spreadsheet would run as a formula."""
    problem = formula_problem(field.data)
    if problem:
        raise ValidationError(problem)


def not_blank(message: str):
    """Required, and more than spaces."""

    def check(form, field):
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


def optional_email(form, field):
    """An e-mail address, or nothing; the address the one e-mail parser gives is left in `field.parsed`."""
    if not (field.data or "").strip():
        field.parsed = ""
        return
    try:
        field.parsed = parse_email(field.data, smtputf8=current_app.config["EFAKTUR_SMTPUTF8"])
    except EmailError as error:
        raise ValidationError(str(error)) from None
