"""Nobody can lock someone else out: OWASP's device cookies, locks per account and address that an admin
lifts, 429s that say when, attempts counted before the password is checked (no race), and API tokens
checked before any throttle (a flood of wrong ones never stops a good one)."""
import re
import threading
from datetime import date
from urllib.parse import urlencode

from efaktur.activity.models import ActivityEntry
from efaktur.auth.models import LoginThrottle
from efaktur.auth.throttle import DEVICE_COOKIE, devices_in
from efaktur.extensions import db
from tests.conftest import HTMX, PASSWORD, STAFF_EMAIL
from tests.test_servers import Gunicorn

WRONG = {"email": STAFF_EMAIL, "password": "wrong"}
RIGHT = {"email": STAFF_EMAIL, "password": PASSWORD}


def from_address(client, address, data):
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def device_cookie(client):
    cookie = client.get_cookie(DEVICE_COOKIE, path="/login")
    return cookie.value if cookie else None


def test_a_login_gives_the_browser_a_signed_device_cookie(app):
    client = app.test_client()
    response = client.post("/login", data=RIGHT)
    assert response.status_code == 303
    header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE_COOKIE + "=")][0]
    assert "HttpOnly" in header and "Path=/login" in header and "SameSite=Lax" in header
    with app.test_request_context():
        assert [entry["e"] for entry in devices_in(device_cookie(client))] == [STAFF_EMAIL]
        assert devices_in(device_cookie(client)[:-3] + "xyz") == []  # a forged one is nothing


def test_strangers_failures_never_lock_out_a_browser_that_logged_in_before(app):
    office = app.test_client()
    assert office.post("/login", data=RIGHT).status_code == 303
    office.post("/logout")
    # An attacker from many addresses: the account is locked for every new browser ...
    attacker = app.test_client()
    for n in range(25):
        from_address(attacker, f"198.51.100.{n}", WRONG)
    stranger = from_address(app.test_client(), "203.0.113.7", RIGHT)
    assert stranger.status_code == 429
    # ... but the browser the staff member used before logs in as always, even from that address.
    assert from_address(office, "203.0.113.7", RIGHT).status_code == 303


def test_a_trusted_browser_has_a_limit_of_its_own(app):
    browser = app.test_client()
    assert browser.post("/login", data=RIGHT).status_code == 303
    browser.post("/logout")
    answers = [browser.post("/login", data=WRONG) for _ in range(11)]
    assert [a.status_code for a in answers] == [422] * 10 + [429]
    assert "Too many failed logins for this browser" in answers[10].get_data(as_text=True)
    # Locked as a device, it is a stranger again: the account from this address still has its own count.
    assert app.test_client().post("/login", data=RIGHT).status_code == 303


def test_failures_lock_the_account_from_that_address_only(app):
    client = app.test_client()
    for _ in range(5):
        assert client.post("/login", data=WRONG).status_code == 422
    locked = client.post("/login", data=RIGHT)
    assert locked.status_code == 429  # the right password waits too, from that address
    body = locked.get_data(as_text=True)
    assert re.search(r"Too many failed logins for this account\. Try again in 1 minute \(at \d\d:\d\d WIB\)", body)
    assert "ask an admin to unlock the account" in body
    assert locked.headers["Retry-After"] == "60"
    assert from_address(app.test_client(), "192.0.2.50", RIGHT).status_code == 303  # elsewhere it opens


def test_an_admin_unlocks_an_account_on_the_users_page(app, admin_client):
    for n in range(21):  # from everywhere: locked for every browser that never logged in
        from_address(app.test_client(), f"198.51.100.{n}", WRONG)
    assert from_address(app.test_client(), "203.0.113.9", RIGHT).status_code == 429
    page = admin_client.get("/users/").get_data(as_text=True)
    row = page.split(f">{STAFF_EMAIL}")[1].split("</tr>")[0]
    assert "Locked until" in row and "Unlock" in row
    with app.app_context():
        from efaktur.auth.models import User

        staff_id = db.session.scalar(db.select(User.id).where(User.email == STAFF_EMAIL))
    question = admin_client.get(f"/users/{staff_id}/unlock", headers=HTMX).get_data(as_text=True)
    assert f"Unlock the logins of {STAFF_EMAIL}?" in question
    response = admin_client.post(f"/users/{staff_id}/unlock", headers=HTMX)
    assert response.status_code == 200 and "are unlocked" in response.get_data(as_text=True)
    assert from_address(app.test_client(), "203.0.113.9", RIGHT).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(ActivityEntry.summary).where(ActivityEntry.action == "user.unlocked")) == (
            f"Unlocked the logins of {STAFF_EMAIL}.")


def test_staff_cannot_unlock(app, staff_client):
    assert staff_client.post("/users/1/unlock", headers=HTMX).status_code == 403


def test_unlock_from_the_shell_and_by_a_password_reset(app, runner, admin_client):
    for _ in range(6):
        app.test_client().post("/login", data=WRONG)
    assert app.test_client().post("/login", data=RIGHT).status_code == 429
    result = runner.invoke(args=["users", "unlock", STAFF_EMAIL])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert app.test_client().post("/login", data=RIGHT).status_code == 303
    assert runner.invoke(args=["users", "unlock", "nobody@example.com"]).exit_code != 0
    # What the 429 says to ask for, a Reset Password, lifts the lock too.
    for _ in range(6):
        app.test_client().post("/login", data=WRONG)
    with app.app_context():
        from efaktur.auth.models import User

        staff_id = db.session.scalar(db.select(User.id).where(User.email == STAFF_EMAIL))
    answer = admin_client.post(f"/users/{staff_id}/reset-password", headers=HTMX).get_data(as_text=True)
    new_password = re.search(r'id="shown-password"[^>]*>([^<]+)<', answer).group(1).strip()
    assert app.test_client().post("/login", data={"email": STAFF_EMAIL, "password": new_password}).status_code == 303


def test_an_address_trying_many_accounts_is_slowed_but_not_other_addresses(app):
    client = app.test_client()
    statuses = [client.post("/login", data={"email": f"guess{i}@example.com", "password": "x"}).status_code
                for i in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    assert "your network address" in client.post("/login", data=RIGHT).get_data(as_text=True)
    assert from_address(app.test_client(), "192.0.2.99", RIGHT).status_code == 303


def test_a_session_issued_at_login_is_idle_from_the_login(app):
    client = app.test_client()
    client.post("/login", data=RIGHT)
    with client.session_transaction() as session:
        assert isinstance(session.get("seen"), int)


# ---- parallel guesses against two gunicorn workers ---------------------------------------------

def test_forty_parallel_guesses_get_exactly_the_free_password_checks(app, database_uri, tmp_path):
    server = Gunicorn(database_uri, tmp_path, "--workers", "2", "--worker-class", "gthread", "--threads", "8")
    try:
        statuses = []
        barrier = threading.Barrier(40)

        def guess():
            barrier.wait()
            statuses.append(server.request("POST", "/login", WRONG)[0])

        threads = [threading.Thread(target=guess) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    # 422 is a checked password ("Wrong e-mail or password"); 429 was refused before any check.
    assert sorted(statuses) == [422] * 5 + [429] * 35
    with app.app_context():
        counted = db.session.scalar(db.select(LoginThrottle.failures).where(LoginThrottle.key == f"pair:{STAFF_EMAIL}|127.0.0.1"))
    assert counted == 6  # the five checked, and the one that locked


# ---- API tokens ----------------------------------------------------------------------------------

def _token(app, name, expired=False):
    from efaktur.api.models import ApiToken
    from efaktur.api.tokens import create_token

    with app.test_request_context():
        token, secret = create_token(name, False, None, "test", date(2026, 6, 15))
        if expired:  # its last day has passed
            db.session.execute(db.update(ApiToken).where(ApiToken.id == token.id).values(expires_on=date(2026, 6, 1)))
            db.session.commit()
        return secret


def test_a_flood_of_wrong_tokens_never_stops_a_good_one(app):
    good = _token(app, "Shop")
    client = app.test_client()
    statuses = [client.get("/api/v1/stock", headers={"Authorization": f"Bearer efk_guess{n}"}).status_code
                for n in range(25)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429] * 5
    assert client.get("/api/v1/stock", headers={"Authorization": "Bearer efk_more"}).headers["Retry-After"]
    assert client.get("/api/v1/stock", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_an_expired_token_in_an_integration_does_not_lock_the_address(app):
    expired = _token(app, "Old ERP", expired=True)
    good = _token(app, "Shop")
    client = app.test_client()
    for _ in range(30):
        response = client.get("/api/v1/stock", headers={"Authorization": f"Bearer {expired}"})
        assert response.status_code == 401 and "expired" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/stock", headers={"Authorization": "Bearer efk_one_guess"}).status_code == 401
    assert client.get("/api/v1/stock", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_a_distributed_attack_against_two_workers_leaves_the_known_browser_in(app, database_uri, tmp_path):
    """Behind a proxy (the client's address from X-Forwarded-For), two gunicorn workers on one database: guesses
    from thirty addresses at once lock the account for new browsers, never for the one that logged in before."""
    server = Gunicorn(database_uri, tmp_path, "--workers", "2", "--worker-class", "gthread", "--threads", "8",
                      EFAKTUR_PROXY_HOPS=1)
    try:
        import http.client

        def post(form, address, cookie=None):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
            if cookie:
                headers["Cookie"] = cookie
            conn.request("POST", "/login", body=urlencode(form), headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, response.msg.get_all("Set-Cookie") or []

        status, cookies = post(RIGHT, "192.0.2.10")
        assert status == 303
        device = next(c.split(";")[0] for c in cookies if c.startswith(DEVICE_COOKIE + "="))
        barrier = threading.Barrier(30)

        def guess(n):
            barrier.wait()
            post(WRONG, f"198.51.100.{n}")

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert post(RIGHT, "203.0.113.1")[0] == 429  # a new browser: the account is locked from anywhere
        assert post(RIGHT, "203.0.113.1", cookie=device)[0] == 303  # the known browser logs in, from anywhere
    finally:
        server.stop()
