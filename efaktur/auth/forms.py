from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from efaktur.auth.accounts import MAX_PASSWORD_LENGTH, AccountError, check_new_password, parse_account_email
from efaktur.auth.models import ROLE_LABELS, ROLE_STAFF
from efaktur.language.lang import lazy_gettext
from efaktur.web.forms import AppForm


def _account_email(form, field):
    try:
        field.parsed = parse_account_email(field.data)
    except AccountError as error:
        raise ValidationError(str(error))


class LoginForm(AppForm):
    # The same rule as every account: what the Users page and the shell accept, logs in here.
    email = StringField(lazy_gettext("Email"), validators=[InputRequired(lazy_gettext("Enter your e-mail address.")), Length(max=254), _account_email],
                        render_kw={"autocomplete": "username", "type": "email"})
    password = PasswordField(lazy_gettext("Password"), validators=[InputRequired(lazy_gettext("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(lazy_gettext("Log in"))


class UserForm(AppForm):
    email = StringField(lazy_gettext("Email"), validators=[Length(max=254), _account_email], render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField(lazy_gettext("Role"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in ROLE_LABELS.items()], default=ROLE_STAFF)
    password = PasswordField(lazy_gettext("Password"), validators=[Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password", "placeholder": lazy_gettext("Leave empty: one is generated and shown once")})
    submit = SubmitField(lazy_gettext("Save"))

    def validate_password(self, field):
        if field.data:
            try:
                check_new_password(field.data)
            except AccountError as error:
                raise ValidationError(str(error))


class RoleForm(AppForm):
    role = SelectField(lazy_gettext("Role"), choices=[SelectChoice(k, lazy_gettext(v)) for k, v in ROLE_LABELS.items()])
    confirmed = HiddenField(default="")  # "1" from the question's Yes
    submit = SubmitField(lazy_gettext("Change role"))


class ConfirmForm(AppForm):
    submit = SubmitField(lazy_gettext("Yes"))


class PasswordForm(AppForm):
    current_password = PasswordField(lazy_gettext("Current Password"), validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(lazy_gettext("New Password"), validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(lazy_gettext("Repeat New Password"), validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                     render_kw={"autocomplete": "new-password"})
    submit = SubmitField(lazy_gettext("Change Password"))
