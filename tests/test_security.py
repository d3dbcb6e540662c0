"""CSRF, cookies, escaping and the production start-up check."""
import re

import pytest

from efaktur import create_app
from efaktur.config import InsecureConfigError
from tests.conftest import ADMIN_EMAIL, PASSWORD, base_config


@pytest.fixture
def csrf_app(sqlite_app):
    sqlite_app.config["WTF_CSRF_ENABLED"] = True
    return sqlite_app


def _token(page_html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html).group(1)


def _login_with_csrf(client):
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    page = client.get("/numbers/").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_login_without_token_is_rejected(csrf_app):
    response = csrf_app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 400


def test_htmx_post_without_token_is_rejected_and_nothing_saved(csrf_app):
    client = csrf_app.test_client()
    _login_with_csrf(client)
    data = {"year": "2026", "start_number": "000-26.00000001", "end_number": "000-26.00000010"}
    response = client.post("/numbers/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert "000-26.00000001" not in client.get("/numbers/").get_data(as_text=True)


def test_htmx_post_with_header_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = _login_with_csrf(client)
    data = {"year": "2026", "start_number": "000-26.00000001", "end_number": "000-26.00000010"}
    response = client.post("/numbers/new", data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200


def test_logout_needs_the_token(csrf_app):
    client = csrf_app.test_client()
    _login_with_csrf(client)
    assert client.post("/logout").status_code == 400


def test_session_cookie_flags():
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_login_cookie_is_httponly_and_samesite(client, auth):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("key", [None, "", "dev", "short-key"])
def test_production_refuses_to_start_without_a_real_secret(key, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfigError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_secret_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 32)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "k" * 32


def test_test_config_is_exempt(tmp_path):
    app = create_app(base_config("sqlite://", str(tmp_path)) | {"SECRET_KEY": None})
    assert app.testing


def test_output_is_escaped(admin_client, app):
    from efaktur.activity.services import record
    from efaktur.extensions import db

    with app.test_request_context():
        record("test", "<script>alert(1)</script>")
        db.session.commit()
    page = admin_client.get("/activity/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_security_headers(admin_client):
    response = admin_client.get("/numbers/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    ["/invoices/9223372036854775808", "/invoices/2147483648", "/invoices/0", "/files/99999999999999999999/pdf",
     "/numbers/2147483648/edit", "/invoices/2147483648/edit"],
)
def test_ids_beyond_any_record_are_404(sqlite_app, url):
    client = sqlite_app.test_client()
    client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert client.get(url).status_code == 404
