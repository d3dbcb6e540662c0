"""The app's own few URLs: the start page, the account page, and the health check."""
from flask import Flask, current_app, redirect, render_template, url_for

from efaktur.extensions import db


def register(app: Flask) -> None:
    @app.get("/")
    def home():
        return redirect(url_for("numbers.index"))

    @app.get("/me")
    def me():
        """Your account: who is logged in, with which role."""
        return render_template("auth/me.html")

    @app.get("/session/ping")
    def session_ping():
        """"Stay logged in" of the idle warning: a request like any other, so the idle time starts again."""
        return "", 204, {"Cache-Control": "no-store"}

    @app.get("/health")
    def health():
        """For load balancers and uptime checks: cheap, public, and says nothing but ok or not ok."""
        try:
            db.session.execute(db.text("SELECT 1"))
        except Exception:
            db.session.rollback()
            current_app.logger.exception("health check: the database does not answer")
            return {"status": "not ok"}, 503, {"Cache-Control": "no-store"}
        return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
