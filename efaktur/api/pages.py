"""API Tokens page (admins): create a token (shown once), see when each was last used, revoke."""
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, DateField, StringField, SubmitField
from wtforms.validators import Optional

from efaktur.api.models import ApiToken
from efaktur.api.tokens import TokenRefused, all_tokens, create_token, revoke_token
from efaktur.app_clock import local_today
from efaktur.extensions import db
from efaktur.language.lang import gettext, lazy_gettext
from efaktur.web.errors import apply_field_errors
from efaktur.web.events import TOKENS_CHANGED
from efaktur.web.forms import AppForm
from efaktur.web.helpers import admin_required, is_htmx, modal_error, with_trigger

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")
CHANGED_EVENT = TOKENS_CHANGED


class TokenForm(AppForm):
    name = StringField(lazy_gettext("Name"), render_kw={"placeholder": lazy_gettext("The system that uses it, e.g. Online shop")})
    read_only = BooleanField(lazy_gettext("Read-only"))
    expires_on = DateField(lazy_gettext("Last day"), validators=[Optional()],
                           description=lazy_gettext("Optional: the token works through this day, then stops. Left "
                                                    "empty, it works until revoked."))
    submit = SubmitField(lazy_gettext("Create Token"))


class ConfirmForm(AppForm):
    submit = SubmitField(lazy_gettext("Yes"))


@bp.get("/")
@admin_required
def index():
    context = {"tokens": all_tokens(), "today": local_today()}
    if is_htmx() and request.headers.get("HX-Target") == "tokens-list":
        return render_template("api/_partials/tokens_table.html", **context)
    return render_template("api/tokens.html", **context)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = create_token(form.name.data, form.read_only.data, form.expires_on.data, current_user.email,
                                         local_today())
        except TokenRefused as refused:
            apply_field_errors(form, refused.errors, "name")
        else:
            message = (gettext("The read-only token %(name)s is made.", name=token.name) if token.read_only
                       else gettext("The read-write token %(name)s is made.", name=token.name))
            if not is_htmx():  # the token on this page, never in a flash (the session cookie can be read)
                return render_template(
                    "secret_page.html", message=message, secret=secret, secret_id="shown-token",
                    label=gettext("The token, shown this once:"), back=url_for("api_tokens.index"),
                    hint=gettext("Put it in the billing system's settings now; it cannot be shown again (only its hash is "
                                 "kept)."))
            response = make_response(render_template("api/_partials/token_shown.html", message=message, secret=secret))
            return with_trigger(response, **{CHANGED_EVENT: True})
    template = "api/token_form.html"
    return render_template(template, form=form), (422 if form.errors else 200)


@bp.route("/<int:token_id>/revoke", methods=["GET", "POST"])
@admin_required
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("api/_partials/confirm_revoke.html", token=token, form=form)
    if not form.validate_on_submit():
        return modal_error(gettext("The form expired; reload the page and try again."), gettext("Revoke API Token"))
    revoke_token(token_id, current_user.email)
    if not is_htmx():
        return redirect(url_for("api_tokens.index"), code=303)
    response = make_response(render_template("_partials/success_modal.html", message=f"The token {token.name} is revoked; it works no more."))
    return with_trigger(response, **{CHANGED_EVENT: True})
