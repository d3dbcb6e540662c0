"""Accounts: the Users page, Change Password, one rule for CLI and forms, revocable sessions,
idle time-out, the CSRF token renewed, throttled logins."""
import re
import time

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.auth.models import LoginThrottle, User
from efaktur.extensions import db
from tests.conftest import ADMIN_EMAIL, HTMX, PASSWORD, STAFF_EMAIL


def user(app, email) -> User | None:
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(email=email))


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(ActivityEntry.action).order_by(ActivityEntry.id)))


def login(app, email, password):
    client = app.test_client()
    return client, client.post("/login", data={"email": email, "password": password})


# ---- 1. the Users page -----------------------------------------------------------------------

def test_the_users_page_lists_accounts_for_admins_only(admin_client, app):
    page = admin_client.get("/users/").get_data(as_text=True)
    for shown in ("Users", "Add User", ADMIN_EMAIL, STAFF_EMAIL, "Admin", "Staff", "Active", "Last login",
                  "Deactivate", "Reset Password"):
        assert shown in page, shown
    login(app, STAFF_EMAIL, PASSWORD)
    assert user(app, STAFF_EMAIL).last_login_at is not None
    assert app.test_client().get("/users/").status_code == 302
    other = app.test_client()
    other.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD})
    assert other.get("/users/").status_code == 403
    assert other.post("/users/new", data={"email": "x@example.com", "role": "admin"}).status_code == 403


def test_add_user_with_a_password_or_a_generated_one_shown_once(admin_client, app):
    response = admin_client.post("/users/new", data={"email": "Budi@Example.com", "role": "staff", "password": "budi-pass-1"},
                                 headers=HTMX)
    assert response.status_code == 200 and "usersChanged" in response.headers["HX-Trigger"]
    assert login(app, "budi@example.com", "budi-pass-1")[1].status_code == 303
    response = admin_client.post("/users/new", data={"email": "sari@example.com", "role": "admin", "password": ""}, headers=HTMX)
    password = re.search(r'id="shown-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert login(app, "sari@example.com", password)[1].status_code == 303
    assert user(app, "sari@example.com").is_admin
    assert actions(app).count("user.created") == 2


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"email": "not-an-address", "role": "staff"}, "email", "has an @ between the name and the domain"),
        ({"email": STAFF_EMAIL.upper(), "role": "staff"}, "email", "exists already"),
        ({"email": "x@example.com", "role": "staff", "password": "short"}, "password", "at least 8"),
        ({"email": "x@example.com", "role": "staff", "password": " " * 12}, "password", "spaces alone"),
        ({"email": "x@example.com", "role": "owner"}, "role", "Not a valid choice"),
        ({"email": "x\x00@example.com", "role": "staff"}, "email", "has characters an e-mail address cannot have"),
    ],
)
def test_add_user_refusals_name_the_field(admin_client, app, data, field, message):
    response = admin_client.post("/users/new", data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body.split(f'id="{field}-error"')[1][:300]
    assert user(app, "x@example.com") is None


def test_the_last_active_admin_is_never_demoted_or_deactivated(admin_client, app):
    admin_id = user(app, ADMIN_EMAIL).id
    response = admin_client.post(f"/users/{admin_id}/role", data={"role": "staff"}, headers=HTMX)
    assert response.status_code == 422 and "last active admin" in response.get_data(as_text=True)
    response = admin_client.post(f"/users/{admin_id}/deactivate", headers=HTMX)
    assert response.status_code == 422 and "last active admin" in response.get_data(as_text=True)
    assert user(app, ADMIN_EMAIL).is_admin and user(app, ADMIN_EMAIL).active
    staff_id = user(app, STAFF_EMAIL).id
    asked = admin_client.post(f"/users/{staff_id}/role", data={"role": "admin"}, headers=HTMX)
    assert asked.status_code == 200 and 'id="role-question"' in asked.get_data(as_text=True)
    assert f"Make {STAFF_EMAIL} an admin?" in asked.get_data(as_text=True)
    assert not user(app, STAFF_EMAIL).is_admin  # asked, not changed
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    yes = admin_client.post(f"/users/{staff_id}/role", data={"role": "admin", "confirmed": "1"}, headers=HTMX)
    assert yes.status_code == 200 and user(app, STAFF_EMAIL).is_admin
    asked = admin_client.post(f"/users/{admin_id}/role", data={"role": "staff"}, headers=HTMX)
    assert f"Make {ADMIN_EMAIL} staff?" in asked.get_data(as_text=True) and user(app, ADMIN_EMAIL).is_admin
    assert admin_client.post(f"/users/{admin_id}/role", data={"role": "staff", "confirmed": "1"},
                             headers=HTMX).status_code == 200
    assert not user(app, ADMIN_EMAIL).is_admin
    assert "user.role" in actions(app)


def test_add_user_starts_as_staff(admin_client):
    form = admin_client.get("/users/new", headers=HTMX).get_data(as_text=True)
    assert '<option selected value="staff">' in form and '<option selected value="admin">' not in form


def test_deactivate_and_activate(admin_client, app):
    staff_id = user(app, STAFF_EMAIL).id
    confirm = admin_client.get(f"/users/{staff_id}/deactivate", headers=HTMX).get_data(as_text=True)
    assert "Its sessions end now" in confirm
    assert admin_client.post(f"/users/{staff_id}/deactivate", headers=HTMX).status_code == 200
    _, response = login(app, STAFF_EMAIL, PASSWORD)
    assert response.status_code == 422 and "deactivated" in response.get_data(as_text=True)
    assert admin_client.post(f"/users/{staff_id}/activate", headers=HTMX).status_code == 200
    assert login(app, STAFF_EMAIL, PASSWORD)[1].status_code == 303
    assert {"user.deactivated", "user.activated"} <= set(actions(app))


def test_reset_password_shows_a_new_one_once(admin_client, app):
    staff_id = user(app, STAFF_EMAIL).id
    response = admin_client.post(f"/users/{staff_id}/reset-password", headers=HTMX)
    password = re.search(r'id="shown-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert login(app, STAFF_EMAIL, PASSWORD)[1].status_code == 422
    assert login(app, STAFF_EMAIL, password)[1].status_code == 303
    assert "user.password_reset" in actions(app)


def test_change_password_needs_the_current_one(staff_client, app):
    data = {"current_password": "wrong", "new_password": "new-pass-123", "confirm_password": "new-pass-123"}
    response = staff_client.post("/account/password", data=data, headers=HTMX)
    assert response.status_code == 422 and "not your current password" in response.get_data(as_text=True)
    data = {"current_password": PASSWORD, "new_password": "new-pass-123", "confirm_password": "other-pass-123"}
    assert "differ" in staff_client.post("/account/password", data=data, headers=HTMX).get_data(as_text=True)
    data["confirm_password"] = "new-pass-123"
    response = staff_client.post("/account/password", data=data, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/login"
    assert staff_client.get("/numbers/").status_code == 302  # this session ended too
    assert login(app, STAFF_EMAIL, "new-pass-123")[1].status_code == 303
    assert "user.password_changed" in actions(app)


@pytest.mark.parametrize("email", [ADMIN_EMAIL, STAFF_EMAIL])
def test_every_user_sees_change_password_under_their_account(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert "Change Password" in client.get("/me").get_data(as_text=True)


# ---- 2. the command line and the login form agree --------------------------------------------

@pytest.mark.parametrize("email", ["admin@company.local", "finance@corp.internal"])
def test_accounts_on_internal_domains_made_in_the_shell_can_log_in(app, runner, email):
    result = runner.invoke(args=["users", "create", email, "--role", "admin"], input="long-enough-1\nlong-enough-1\n")
    assert result.exit_code == 0, result.output
    assert login(app, email, "long-enough-1")[1].status_code == 303


def test_the_shell_refuses_what_the_form_refuses(app, runner):
    result = runner.invoke(args=["users", "create", "x@example.com", "--role", "staff"], input=" " * 10 + "\n" + " " * 10 + "\n")
    assert result.exit_code != 0 and "spaces alone" in result.output
    assert user(app, "x@example.com") is None


def test_a_generated_password_from_the_shell_logs_in(app, runner):
    result = runner.invoke(args=["users", "create", "gen@example.com", "--role", "staff", "--generate-password"])
    password = result.output.split("Password (shown once): ")[1].split()[0]
    assert login(app, "gen@example.com", password)[1].status_code == 303


def test_ensure_admin_names_the_real_host_and_port(runner):
    result = runner.invoke(args=["users", "ensure-admin", "--url", "http://192.0.2.10:8080"])
    assert "http://192.0.2.10:8080" in result.output


# ---- 4. sessions: revoked, idle, CSRF renewed -------------------------------------------------

def _replay(app, cookie):
    """A new browser that only has the old session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/numbers/")


def _session_cookie(client):
    return client.get_cookie("session").value


def test_an_old_session_cookie_stops_working_after_logout(client, auth, app):
    auth.login()
    cookie = _session_cookie(client)
    assert _replay(app, cookie).status_code == 200
    auth.logout()
    assert _replay(app, cookie).status_code == 302


def test_an_old_session_cookie_stops_working_after_a_password_change(client, auth, app):
    auth.login_staff()
    cookie = _session_cookie(client)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "pass-word-2",
                                           "confirm_password": "pass-word-2"})
    assert _replay(app, cookie).status_code == 302


def test_an_old_session_cookie_stops_working_after_set_password_in_the_shell(client, auth, app, runner):
    auth.login_staff()
    cookie = _session_cookie(client)
    runner.invoke(args=["users", "set-password", STAFF_EMAIL], input="pass-word-3\npass-word-3\n")
    assert _replay(app, cookie).status_code == 302


def test_an_old_session_cookie_stops_working_after_deactivation(client, auth, app):
    auth.login_staff()
    cookie = _session_cookie(client)
    admin = app.test_client()
    admin.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    admin.post(f"/users/{user(app, STAFF_EMAIL).id}/deactivate")
    assert _replay(app, cookie).status_code == 302


def test_a_session_ends_after_the_idle_time(client, auth, app):
    auth.login()
    assert client.get("/numbers/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 61 * 60  # the default idle time is 60 minutes
    response = client.get("/numbers/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "without activity" in client.get("/login").get_data(as_text=True)


def test_the_csrf_token_is_renewed_at_login_and_logout(sqlite_app):
    sqlite_app.config["WTF_CSRF_ENABLED"] = True
    client = sqlite_app.test_client()

    def token(page):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    before = token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": before}).status_code == 303
    with client.session_transaction() as session:
        assert "csrf_token" not in session  # the old one is gone; a new one is made when a form needs it
    inside = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/numbers/").get_data(as_text=True)).group(1)
    assert client.post("/logout", headers={"X-CSRFToken": inside}).status_code == 303
    with client.session_transaction() as session:
        assert "csrf_token" not in session and "_user_id" not in session


# ---- 3. throttled logins ------------------------------------------------------------------

def test_failed_logins_lock_the_account_with_a_429(app):
    client = app.test_client()
    for _ in range(5):
        assert client.post("/login", data={"email": STAFF_EMAIL, "password": "wrong"}).status_code == 422
    locked = client.post("/login", data={"email": STAFF_EMAIL, "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed logins for this account. Try again in 1 minute" in locked.get_data(as_text=True)
    # Locked means locked: the right password waits too, from anywhere.
    assert app.test_client().post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD}).status_code == 429
    # The next failure after the lock doubles it.
    with app.app_context():
        db.session.execute(db.update(LoginThrottle).values(locked_until=db.func.datetime("now", "-1 minute"))
                           if db.engine.dialect.name == "sqlite" else
                           db.update(LoginThrottle).values(locked_until=None))
        db.session.commit()
    again = client.post("/login", data={"email": STAFF_EMAIL, "password": "wrong"})
    assert again.status_code == 429 and "Try again in 2 minutes" in again.get_data(as_text=True)


def test_a_successful_login_clears_the_account_count(app):
    client = app.test_client()
    for _ in range(4):
        client.post("/login", data={"email": STAFF_EMAIL, "password": "wrong"})
    assert client.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD}).status_code == 303
    fresh = app.test_client()
    for _ in range(5):
        assert fresh.post("/login", data={"email": STAFF_EMAIL, "password": "wrong"}).status_code == 422


def test_one_address_trying_many_accounts_is_locked_too(app):
    client = app.test_client()
    statuses = [client.post("/login", data={"email": f"guess{i}@example.com", "password": "x"}).status_code for i in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    page = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert page.status_code == 429 and "your network address" in page.get_data(as_text=True)
    other_address = app.test_client()
    response = other_address.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert response.status_code == 303


def test_failures_are_logged(app, caplog):
    with caplog.at_level("WARNING"):
        app.test_client().post("/login", data={"email": STAFF_EMAIL, "password": "wrong"})
    assert f"failed login for {STAFF_EMAIL}" in caplog.text


def test_a_wrong_email_costs_the_same_password_check_as_a_wrong_password(app, monkeypatch):
    """The same work either way (tests assert no wall-clock times): one password hash check."""
    from efaktur.auth import services

    checks = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *args: checks.append(1) or real(*args))
    monkeypatch.setattr("efaktur.auth.models.check_password_hash", lambda *args: checks.append(1) or real(*args))
    app.test_client().post("/login", data={"email": "nobody@example.com", "password": "wrong"})
    unknown = len(checks)
    app.test_client().post("/login", data={"email": STAFF_EMAIL, "password": "wrong"})
    assert unknown == 1 and len(checks) - unknown == 1
    with app.app_context():
        method = services.password_hash_method()
        assert services._timing_hash(method).split("$")[0] == user(app, STAFF_EMAIL).password_hash.split("$")[0]
