"""Log in, log out, roles, and the account commands."""
import os

import pytest

from efaktur.auth.models import User
from efaktur.extensions import db
from tests.conftest import ADMIN_EMAIL, PASSWORD, STAFF_EMAIL


def test_login_page_has_the_labels(client):
    page = client.get("/login").get_data(as_text=True)
    for label in ("Email", "Password", "Log in"):
        assert label in page


def test_login_and_logout(client, auth):
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/numbers/")
    assert client.get("/numbers/").status_code == 200
    assert auth.logout().status_code == 303
    assert client.get("/numbers/").status_code == 302


def test_email_is_case_insensitive(client, auth):
    assert auth.login(ADMIN_EMAIL.upper()).status_code == 303


def test_wrong_password_is_refused_with_a_message(client, auth):
    response = auth.login(password="nope")
    assert response.status_code == 422
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/numbers/").status_code == 302


def test_login_does_not_redirect_to_another_host(client):
    response = client.post(
        "/login?next=//evil.example/x", data={"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/numbers/"


@pytest.mark.parametrize("path", ["/", "/numbers/", "/numbers/overview", "/numbers/new", "/activity/"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_htmx_request_without_login_asks_for_the_login_pop_up(client):
    """Not a redirect (the open form would be lost): a 401 naming the pop-up, which the page opens over the form."""
    response = client.get("/numbers/overview", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "HX-Redirect" not in response.headers
    popup = response.headers["X-Efaktur-Login"]
    assert popup.startswith("/login?popup=1")
    dialog = client.get(popup, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="login-popup"' in dialog and "What you typed is kept" in dialog


@pytest.mark.parametrize("path", ["/login", "/health", "/static/app.css"])
def test_public_paths(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "method, path",
    [("get", "/numbers/new"), ("post", "/numbers/new"), ("get", "/activity/")],
)
def test_staff_cannot_reach_admin_actions(staff_client, method, path):
    assert getattr(staff_client, method)(path).status_code == 403


def test_staff_sees_the_number_table_without_edit_buttons(staff_client):
    page = staff_client.get("/numbers/").get_data(as_text=True)
    assert "Available Number" in page
    assert "+ Tax Number" not in page


def test_navigation_names_the_number_page(admin_client):
    assert ">E-Faktur No</a>" in admin_client.get("/numbers/").get_data(as_text=True)


def test_cli_creates_users_with_roles(app, runner):
    result = runner.invoke(args=["users", "create", "Budi@Example.com", "--role", "staff"], input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="budi@example.com"))
        assert user.role == "staff" and user.check_password("s3cret-pass")


def test_cli_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["users", "create", "sari@example.com", "--role", "admin"], input="pw-longer-1\npw-longer-1\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email="sari@example.com")).is_admin


@pytest.mark.parametrize(
    "args, password, message",
    [
        (["users", "create", STAFF_EMAIL, "--role", "staff"], "long-enough", "exists already"),
        (["users", "create", "x@example.com", "--role", "staff"], "short", "at least 8"),
        (["users", "create", "x@example.com", "--role", "staff"], " " * 12, "spaces alone"),
        (["users", "create", "x@example.com", "--role", "boss"], "long-enough", "Invalid value"),
        (["users", "create", "not-an-address", "--role", "staff"], "long-enough", "has an @ between the name"),
        (["users", "set-password", "nobody@example.com"], "long-enough", "No account"),
        (["users", "set-password", STAFF_EMAIL], "       ", "spaces alone"),
    ],
)
def test_cli_refuses_bad_accounts(runner, args, password, message):
    result = runner.invoke(args=args, input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    assert message in result.output


def test_ensure_admin_creates_one_only_when_missing(app, runner):
    result = runner.invoke(args=["users", "ensure-admin"])
    assert "Log in" in result.output and ADMIN_EMAIL in result.output
    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
    # Not on a terminal (a service's log): the password goes to a file only this user reads, never to the log.
    result = runner.invoke(args=["users", "ensure-admin"])
    path = result.output.split("Password: in ")[1].split(" (readable")[0]
    assert os.stat(path).st_mode & 0o777 == 0o600
    password = open(path).read().strip()
    assert password not in result.output
    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(role="admin"))
        assert admin.check_password(password)


def test_ensure_admin_says_the_password_once_on_a_terminal(app, runner, monkeypatch):
    from efaktur.auth import cli

    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
    result = runner.invoke(args=["users", "ensure-admin"])
    password = result.output.split("Password:")[1].split()[0]
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(role="admin")).check_password(password)
    again = runner.invoke(args=["users", "ensure-admin"])
    assert password not in again.output and "with the password you set" in again.output
