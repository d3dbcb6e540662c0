from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from ..accounts import MAX_PASSWORD_LENGTH, AccountError, check_new_password, parse_account_email
from .models import ROLE_LABELS, ROLE_STAFF


def _account_email(form, field):
    try:
        field.parsed = parse_account_email(field.data)
    except AccountError as error:
        raise ValidationError(str(error))


class LoginForm(FlaskForm):
    # The same rule as every account: what the Users page and the shell accept, logs in here.
    email = StringField("Email", validators=[InputRequired("Enter your e-mail address."), Length(max=254), _account_email],
                        render_kw={"autocomplete": "username", "type": "email"})
    password = PasswordField("Password", validators=[InputRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Log in")


class UserForm(FlaskForm):
    email = StringField("Email", validators=[Length(max=254), _account_email], render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField("Role", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], default=ROLE_STAFF)
    password = PasswordField("Password", validators=[Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password", "placeholder": "Leave empty: one is generated and shown once"})
    submit = SubmitField("Save")

    def validate_password(self, field):
        if field.data:
            try:
                check_new_password(field.data)
            except AccountError as error:
                raise ValidationError(str(error))


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    submit = SubmitField("Change role")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Yes")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current Password", validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New Password", validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField("Repeat New Password", validators=[Length(max=MAX_PASSWORD_LENGTH)],
                                     render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Change Password")
