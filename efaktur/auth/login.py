"""Flask-Login: who a session cookie belongs to, and where a request without one is sent."""
import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import literal

from efaktur.auth.models import EndedSession, User
from efaktur.extensions import db, login_manager
from efaktur.language.lang import N_, gettext
from efaktur.web.helpers import is_htmx

LOGIN_HEADER = "X-Efaktur-Login"  # an htmx request's answer "log in again": where the pop-up comes from

ENDED_WHY = "ended_why"  # the session's key for why its login ended
SESSION_END_DEACTIVATED = "deactivated"
SESSION_END_EVERYWHERE = "everywhere"
SESSION_END_HERE = "here"
SESSION_END_TOO_OLD = "too_old"
SESSION_END_IDLE = "idle"
SESSION_END_WORDS = {
    SESSION_END_DEACTIVATED: N_("Your account was deactivated by an admin, so you were logged out."),
    SESSION_END_EVERYWHERE: N_("You were logged out on every device: the password was changed or reset, or "
                               "Log out everywhere was pressed."),
    SESSION_END_HERE: N_("This session was logged out. Please log in again."),
    SESSION_END_TOO_OLD: N_("You were logged in for %(days)s days, the longest a session lasts. Please log in again."),
    SESSION_END_IDLE: N_("You were logged out after %(count)s minutes without activity. Please log in again."),
}


def session_too_old() -> bool:
    """A session lasts at most EFAKTUR_SESSION_MAX_DAYS from its login, however busy."""
    started = session.get("login_at")
    days = int(current_app.config["EFAKTUR_SESSION_MAX_DAYS"])
    return isinstance(started, int) and time.time() - started > days * 86400


def session_end_words(reason: str) -> str | None:
    """Why the session ended, in the reader's language (None for a reason not known)."""
    if reason not in SESSION_END_WORDS:
        return None
    config = current_app.config
    return gettext(SESSION_END_WORDS[reason], days=config["EFAKTUR_SESSION_MAX_DAYS"],
                   count=config["EFAKTUR_SESSION_IDLE_MINUTES"])


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = gettext  # said in the language of the request that needs the login

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<session version>[:<login token>]": a raised version (log out everywhere, new password,
        # deactivated) ends every session of the account; an ended token (logged out on that device) its own.
        user_id, _, rest = session_id.partition(":")
        version, _, token = rest.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10 or len(token) > 32:
            return None
        ended = db.select(EndedSession.token).where(EndedSession.token == token).exists() if token else literal(False)
        found = db.session.execute(db.select(User, ended).where(User.id == int(user_id))).first()
        if found is None:
            return None
        user, token_ended = found
        if not user.active:
            g.session_end = SESSION_END_DEACTIVATED
        elif str(user.session_version) != version:
            g.session_end = SESSION_END_EVERYWHERE
        elif token_ended:
            g.session_end = SESSION_END_HERE
        elif session_too_old():
            g.session_end = SESSION_END_TOO_OLD
        else:
            user.login_token = token or None
            return user
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        reason = g.pop("session_end", None)
        if reason is not None:
            # The stale login leaves the cookie; why it ended stays, for every request of the page until the
            # next login (a form's live preview may be the first to find out, its Save the next).
            session.pop("_user_id", None)
            session.pop("_fresh", None)
            session[ENDED_WHY] = reason
        else:
            reason = session.get(ENDED_WHY)
        if is_htmx():
            # A form is open: the page opens the login pop-up (static/app.js) and sends the form again after it,
            # so nothing typed is lost. The pop-up says why the session ended.
            return gettext("Please log in to continue."), 401, {
                "Content-Type": "text/plain; charset=utf-8", LOGIN_HEADER: url_for("auth.login", popup=1, why=reason or ""),
            }
        if reason in SESSION_END_WORDS:
            session.pop(ENDED_WHY, None)  # the login page says it once
            flash(session_end_words(reason))
        return redirect(login_url)
