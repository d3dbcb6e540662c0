"""Flask-Login: who a session cookie belongs to, and where a request without one is sent."""
from flask import Flask, redirect, request, url_for

from efaktur.auth.models import User
from efaktur.extensions import db, login_manager
from efaktur.language.lang import N_, gettext
from efaktur.web.helpers import is_htmx


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = gettext  # said in the language of the request that needs the login

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<session version>": a raised version (log out, new password, deactivated) ends the session.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 10:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_htmx():
            # htmx would swap a login page into a table cell; send the browser there instead.
            return "", 401, {"HX-Redirect": login_url}
        return redirect(login_url)
