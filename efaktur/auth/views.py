"""Log in and out, the Users page (admins) and Change Password (everyone)."""
import logging
import secrets
import time

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from efaktur.auth import throttle
from efaktur.auth.forms import ConfirmForm, LoginForm, PasswordForm, RoleForm, UserForm
from efaktur.auth.login import session_end_words
from efaktur.auth.models import ROLE_ADMIN, ROLE_LABELS, User
from efaktur.auth.services import (
    AccountRefused,
    all_users,
    authenticate,
    change_password,
    change_role,
    create_user,
    end_session,
    end_sessions,
    record_login,
    remember_language,
    reset_password,
    role_change_problem,
    set_active,
    unlock_account,
)
from efaktur.extensions import db
from efaktur.language.i18n import local_time, parse_language
from efaktur.language.lang import gettext, lazy_gettext
from efaktur.rules.clock import utc_now
from efaktur.web.errors import apply_field_errors
from efaktur.web.events import LOGGED_IN, USERS_CHANGED
from efaktur.web.helpers import admin_required, is_htmx, modal_error, safe_local_url, with_trigger

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)



def client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; with ?popup=1 the pop-up an open form shows when its session ended (static/app.js), whose
    success answers with the new CSRF token so that the page sends the form again."""
    popup = request.args.get("popup") == "1"
    form = LoginForm()
    if request.method == "GET" and popup and current_user.is_authenticated:
        return _logged_in_from_popup()
    status, headers = 200, {}
    if form.validate_on_submit():
        email, cookie = form.email.parsed, request.cookies.get(throttle.DEVICE_COOKIE)
        # Counted before the password is checked: parallel guesses cannot slip past the limit.
        attempt = throttle.begin_attempt(email, client_address(), cookie)
        if attempt.lock is None:
            user = authenticate(email, form.password.data)
            if user is not None:
                throttle.succeeded(attempt)  # the password was right: this is no guess
            if user is not None and user.active:
                chosen = parse_language(session.get("language"))
                session.clear()  # nothing of the session from before carries over, the CSRF token neither
                if chosen and not user.language:  # chosen on the login page: the account keeps it
                    remember_language(user.id, chosen)
                user.login_token = secrets.token_hex(16)  # this browser's own session: Log out ends it alone
                login_user(user)
                session["seen"] = session["login_at"] = int(time.time())  # the time-outs run from the login
                record_login(user.id)
                if popup:
                    response = _logged_in_from_popup()
                else:
                    response = redirect(safe_local_url(request.args.get("next"), url_for("numbers.index")), code=303)
                _remember_device(response, throttle.device_cookie_after_login(cookie, user.email))
                return response
            if user is not None:
                form.email.errors.append(gettext("This account is deactivated. Ask an admin to activate it."))
            else:
                log.warning("failed login for %s from %s (%s)", email, client_address(),
                            "a browser that logged in before" if attempt.trusted else "a new browser")
                form.password.errors.append(gettext("Wrong e-mail or password."))
        if attempt.lock is not None:
            lock, now = attempt.lock, utc_now()
            log.warning("login locked for %s from %s until %s", email, client_address(), lock.until)
            form.password.errors.append(lock.message(now, local_time(lock.until, with_date=False)))
            status, headers = 429, {"Retry-After": str(lock.seconds(now))}
    if form.errors and status == 200:
        status = 422
    if popup:
        why = session_end_words(request.args.get("why", ""))
        return render_template("auth/_partials/login_popup.html", form=form, why=why), status, headers
    return render_template("auth/login.html", form=form), status, headers


def _logged_in_from_popup():
    """Logged in again from the pop-up: the page gets its new CSRF token and sends the open form again."""
    response = make_response("", 200)
    # The login started a new session: its token, not the one Flask-WTF cached for this request from the old one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    return with_trigger(response, **{LOGGED_IN: {"csrf": generate_csrf(), "email": current_user.email}})


def _remember_device(response, value: str) -> None:
    """The device cookie: this browser logged in to the account, so strangers' failures never lock it out."""
    config = current_app.config
    response.set_cookie(throttle.DEVICE_COOKIE, value, max_age=throttle.DEVICE_COOKIE_DAYS * 86400, httponly=True,
                        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax", path="/login")


@bp.post("/language")
def language():
    """The header's language switch: kept on the account (and, before logging in, in the session)."""
    chosen = parse_language(request.form.get("language"))
    back = safe_local_url(request.form.get("next") or request.referrer, url_for("numbers.index"))
    if chosen is None:
        return modal_error(gettext("Choose Bahasa Indonesia or English."), gettext("Language"))
    session["language"] = chosen
    if current_user.is_authenticated:
        remember_language(current_user.id, chosen)
    if is_htmx():
        return "", 204, {"HX-Redirect": back}
    return redirect(back, code=303)


@bp.post("/logout")
@login_required
def logout():
    """Log out of this browser: its session ends (a copy of its cookie opens nothing); the account's sessions
    on other devices go on. A session from before login tokens existed can only end with all the others."""
    language = current_user.language
    if current_user.login_token:
        end_session(current_user.id, current_user.login_token, int(current_app.config["EFAKTUR_SESSION_MAX_DAYS"]))
    else:
        end_sessions(current_user.id)
    return _logged_out(language, gettext("You are logged out."))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """Log out everywhere: every session of this account ends, on every device."""
    language = current_user.language
    end_sessions(current_user.id)
    return _logged_out(language, gettext("You are logged out on every device."))


def _logged_out(language: str | None, message: str):
    logout_user()
    session.clear()
    if language:
        session["language"] = language  # the login page stays in the user's language
    flash(message)
    return redirect(url_for("auth.login"), code=303)


def _users_context(**forms):
    users = all_users()
    return {"users": users, "role_labels": ROLE_LABELS, "role_form": RoleForm(formdata=None),
            "locked": throttle.locked_accounts([u.email for u in users]), **forms}


@bp.get("/users/")
@admin_required
def users():
    context = _users_context()
    if is_htmx() and request.headers.get("HX-Target") == "users-list":
        return render_template("auth/_partials/users_table.html", **context)
    return render_template("auth/users.html", **context)


def _users_success(message: str, shown_password: str | None = None):
    if is_htmx():
        response = make_response(render_template("auth/_partials/password_shown.html", message=message, password=shown_password))
        return with_trigger(response, **{USERS_CHANGED: True})
    if shown_password:  # the password on this page, never in a flash (the session cookie can be read)
        return render_template(
            "secret_page.html", message=message, secret=shown_password, secret_id="shown-password",
            label=gettext("The password, shown this once:"), back=url_for("auth.users"),
            hint=gettext("Pass it on safely; it cannot be shown again. Its owner can change it under their account."))
    flash(str(message))
    return redirect(url_for("auth.users"), code=303)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user, generated = create_user(form.email.parsed, form.role.data, form.password.data or None)
        except AccountRefused as refused:
            apply_field_errors(form, refused.errors, "email")
        else:
            return _users_success(gettext("Added %(email)s (%(role)s).", email=user.email,
                                          role=gettext(ROLE_LABELS[user.role])), generated)
    template = "auth/user_form.html"
    return render_template(template, form=form), (422 if form.errors else 200)


def _refused(refused: AccountRefused, title: str):
    return modal_error("; ".join(refused.errors.values()), title)


@bp.post("/users/<int:user_id>/role")
@admin_required
def user_role(user_id: int):
    """The role dropdown asks first (what the new role may do), then changes it on Yes."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _refused(AccountRefused({"role": gettext("Choose a role from the list.")}), gettext("Change role"))
    problem = role_change_problem(user, form.role.data)
    if problem:
        return _refused(AccountRefused({"role": problem}), gettext("Change role"))
    if form.confirmed.data != "1" and form.role.data != user.role:
        question = (gettext("Make %(email)s an admin? Admins manage the number ranges, Billing Settings, users and "
                            "API tokens.", email=user.email) if form.role.data == ROLE_ADMIN else
                    gettext("Make %(email)s staff? Staff work on invoices and files only; ranges, settings, users "
                            "and tokens are no longer open to it.", email=user.email))
        return render_template("auth/_partials/confirm_role.html", form=form, user=user, question=question)
    try:
        user = change_role(user_id, form.role.data)
    except AccountRefused as refused:
        return _refused(refused, gettext("Change role"))
    return _users_success(gettext("%(email)s is %(role)s now.",
                                  email=user.email, role=gettext(ROLE_LABELS[user.role])))


_ACCOUNT_ACTIONS = {
    "deactivate": ("Deactivate", lazy_gettext("Deactivate {email}? Its sessions end now, and it cannot log in until "
                                              "activated again.")),
    "activate": ("Activate", lazy_gettext("Activate {email}? It can log in again with its password.")),
    "reset-password": (lazy_gettext("Reset Password"), lazy_gettext("Give {email} a new, generated password? Its sessions end now; the password is shown once.")),
    "unlock": (lazy_gettext("Unlock"), lazy_gettext("Unlock the logins of {email}? Failed logins, from whatever address, "
                                                     "no longer hold it back; its password stays as it is.")),
}


@bp.route("/users/<int:user_id>/<any(deactivate, activate, 'reset-password', unlock):action>", methods=["GET", "POST"])
@admin_required
def account_action(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    title, question = _ACCOUNT_ACTIONS[action]
    form = ConfirmForm()
    if request.method == "GET":
        template = "auth/confirm_action.html"
        return render_template(template, form=form, title=title, question=question.format(email=user.email),
                               action=url_for("auth.account_action", user_id=user_id, action=action))
    if not form.validate_on_submit():
        return _refused(AccountRefused({"email": gettext("The form expired; reload the page and try again.")}), title)
    try:
        if action == "reset-password":
            user, password = reset_password(user_id)
            return _users_success(gettext("New password for %(email)s.", email=user.email), password)
        if action == "unlock":
            user = unlock_account(user.email)
            return _users_success(gettext("The logins of %(email)s are unlocked.", email=user.email))
        user = set_active(user_id, action == "activate")
    except AccountRefused as refused:
        return _refused(refused, title)
    return _users_success(gettext("%(email)s is active.", email=user.email) if user.active
                          else gettext("%(email)s is deactivated.", email=user.email))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user.id, form.current_password.data, form.new_password.data,
                            form.confirm_password.data)
        except AccountRefused as refused:
            apply_field_errors(form, refused.errors, "current_password")
        else:
            logout_user()
            session.clear()
            flash(gettext("Your password is changed and every session of your account has ended. Log in with the new " "password."))
            if is_htmx():
                return "", 204, {"HX-Redirect": url_for("auth.login")}
            return redirect(url_for("auth.login"), code=303)
    template = "auth/password_form.html"
    return render_template(template, form=form), (422 if form.errors else 200)
