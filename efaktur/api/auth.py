"""Who calls the API: a bearer token, never a session cookie; read-only tokens only read."""
from flask import current_app, g, request

from efaktur.api.errors import error_response
from efaktur.api.tokens import AuthProblem, Caller, authenticate
from efaktur.app_clock import local_today, now
from efaktur.auth.throttle import ThrottleKey, record_failure
from efaktur.rules.clock import utc_now

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _address_key() -> ThrottleKey:
    free = int(current_app.config["EFAKTUR_LOGIN_FAILURES_PER_ADDRESS"])
    return ThrottleKey(f"api-address:{(request.remote_addr or 'unknown')[:250]}", free, "your network address")


def authenticate_request():
    """Runs before every /api/v1 view: the token, its rights, and the kind of body.

    The token is looked up first (a hash lookup): a known token is answered whatever the address
    did, so a flood of wrong tokens never stops the good ones, and a revoked or expired token
    (an integration someone forgot) gets its 401 without counting. Only unknown tokens count
    against the address, and only they are refused while it is locked.
    """
    header = request.headers.get("Authorization")
    token = authenticate(header, now(), local_today())
    if not isinstance(token, AuthProblem):
        return _admit(token)
    if not header or not token.unknown:  # no token at all, or a real one that is revoked or expired
        return error_response(token.status, token.message, code=token.code, headers={"WWW-Authenticate": "Bearer"})
    lock = record_failure([_address_key()])
    if lock is None:
        return error_response(token.status, token.message, code=token.code, headers={"WWW-Authenticate": "Bearer"})
    at = utc_now()
    return error_response(
        429, f"Too many requests with a wrong API token from {lock.label}. Try again in {lock.wait(at)}.",
        code="too_many_requests", headers={"Retry-After": str(lock.seconds(at))},
    )


# The API's endpoints that take a file (multipart/form-data) rather than JSON.
FILE_ENDPOINTS = ("api_v1.import_output_list_view", "api_v1.import_invoices_view")


def _admit(token: Caller):
    g.api_token, g.api_actor = token, token.actor
    if request.method in WRITE_METHODS and token.read_only:
        return error_response(403, f"The token {token.name} is read-only; this request would change data.")
    if request.method in WRITE_METHODS and request.content_length and request.mimetype != "application/json":
        if request.endpoint in FILE_ENDPOINTS:
            if request.mimetype != "multipart/form-data":
                return error_response(415, "Send the file as multipart/form-data, in the field file.")
        else:
            return error_response(415, "Send JSON (Content-Type: application/json).")
    return None
