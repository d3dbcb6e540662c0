"""Sessions: Log out ends this browser's only, Log out everywhere all; a password change or reset and a
deactivation still end all; the login page (or the pop-up over an open form) says why a session ended."""
import re

import pytest

from efaktur.auth.models import User
from efaktur.extensions import db
from tests.conftest import ADMIN_EMAIL, HTMX, PASSWORD, STAFF_EMAIL
from tests.test_invoices import GOOD


def browser(app, email=ADMIN_EMAIL):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def logged_in(client) -> bool:
    return client.get("/me").status_code == 200


def test_log_out_ends_this_browsers_session_only(app):
    laptop, phone = browser(app), browser(app)
    copied = laptop.get_cookie("session").value  # a copy of the laptop's cookie, e.g. left on a shared computer
    laptop.post("/logout")
    assert not logged_in(laptop) and logged_in(phone)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "This session was logged out" in thief.get("/login").get_data(as_text=True)


def test_log_out_everywhere_ends_every_session_and_says_so(app):
    laptop, phone = browser(app), browser(app)
    page = laptop.get("/me").get_data(as_text=True)
    assert 'id="logout-everywhere"' in page and "Log out on every device?" in page
    response = laptop.post("/logout/everywhere")
    assert response.status_code == 303
    assert "You are logged out on every device." in laptop.get("/login").get_data(as_text=True)
    assert not logged_in(phone)
    assert "You were logged out on every device" in phone.get("/login").get_data(as_text=True)


def test_a_password_reset_ends_every_session_and_the_login_page_says_why(app):
    admin, staff = browser(app), browser(app, STAFF_EMAIL)
    with app.app_context():
        staff_id = db.session.scalar(db.select(User.id).where(User.email == STAFF_EMAIL))
    assert admin.post(f"/users/{staff_id}/reset-password", headers=HTMX).status_code == 200
    assert staff.get("/invoices/").status_code == 302
    assert "the password was changed or reset" in staff.get("/login").get_data(as_text=True)


def test_a_deactivated_user_is_told_why(app):
    admin, staff = browser(app), browser(app, STAFF_EMAIL)
    with app.app_context():
        staff_id = db.session.scalar(db.select(User.id).where(User.email == STAFF_EMAIL))
    admin.post(f"/users/{staff_id}/deactivate", headers=HTMX)
    staff.get("/invoices/")
    assert "Your account was deactivated by an admin" in staff.get("/login").get_data(as_text=True)


def test_an_open_form_whose_session_ended_gets_the_login_pop_up_and_the_new_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = browser_with_csrf(app)
    other = browser_with_csrf(app)
    other_token = _csrf(other)
    other.post("/logout/everywhere", data={"csrf_token": other_token})  # ends the first browser's session too
    answer = client.post("/invoices/amounts", headers=HTMX, data={"csrf_token": "stale"})
    assert answer.status_code in (400, 401)  # no session: its CSRF token no longer holds either
    answer = client.get("/invoices/new", headers=HTMX)
    assert answer.status_code == 401
    popup_url = answer.headers["X-Efaktur-Login"]
    assert "why=everywhere" in popup_url
    popup = client.get(popup_url, headers=HTMX).get_data(as_text=True)
    assert "You were logged out on every device" in popup
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', popup).group(1)
    logged = client.post(popup_url, headers=HTMX, data={"csrf_token": token, "email": ADMIN_EMAIL, "password": PASSWORD})
    assert logged.status_code == 200
    trigger = logged.headers["HX-Trigger"]
    assert '"loggedIn"' in trigger and ADMIN_EMAIL in trigger
    new_token = re.search(r'"csrf": "([^"]+)"', trigger).group(1)
    again = client.post("/invoices/amounts", headers={**HTMX, "X-CSRFToken": new_token},
                        data={**GOOD, "csrf_token": new_token})
    assert again.status_code == 200, again.get_data(as_text=True)  # the form goes through again


def browser_with_csrf(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token}).status_code == 303
    return client


def _csrf(client):
    return re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/me").get_data(as_text=True)).group(1)


def test_a_session_ends_after_the_longest_a_session_lasts(app):
    client = browser(app)
    with client.session_transaction() as session:
        session["login_at"] -= 31 * 86400
    assert client.get("/me").status_code == 302
    assert "the longest a session lasts" in client.get("/login").get_data(as_text=True)


def test_the_idle_end_is_said_in_the_pop_up_of_an_open_form(app):
    client = browser(app)
    with client.session_transaction() as session:
        session["seen"] -= 2 * 3600
    answer = client.get("/invoices/new", headers=HTMX)
    assert answer.status_code == 401 and "why=idle" in answer.headers["X-Efaktur-Login"]
    popup = client.get(answer.headers["X-Efaktur-Login"], headers=HTMX).get_data(as_text=True)
    assert "minutes without activity" in popup


def test_the_page_knows_when_to_warn_about_the_idle_end(app):
    page = browser(app).get("/invoices/").get_data(as_text=True)
    assert 'data-idle-seconds="3600"' in page and 'data-idle-warning-seconds="120"' in page
    assert browser(app).get("/session/ping").status_code == 204


@pytest.mark.parametrize("cookie_id", ["1:1:" + "x" * 40, "1:x:abc", "x:1", "1:1:nonexistent-token"])
def test_a_forged_session_id_opens_nothing_and_never_fails(app, cookie_id):
    client = browser(app)
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
    response = client.get("/me")
    assert response.status_code in (200, 302)
    if cookie_id != "1:1:nonexistent-token":
        assert response.status_code == 302
