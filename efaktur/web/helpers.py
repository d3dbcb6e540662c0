"""Small helpers shared by the views: htmx detection, roles, modal answers, the request class."""
import json
from functools import wraps
from tempfile import SpooledTemporaryFile, TemporaryFile
from urllib.parse import urlsplit

from flask import Request, abort, current_app, flash, make_response, redirect, render_template, request
from flask_login import current_user

MAX_PAGE = 1_000_000
SPOOL_PART_BYTES = 64 * 1024


class BoundedRequest(Request):
    """Uploaded files kept in memory only up to a budget for the whole request, the rest on disk.

    Werkzeug keeps every uploaded part under 500 KB in memory, so 400 parts of 499 KB held
    200 MB in a worker. Here a part stays in memory up to 64 KB, and only while the request's
    budget (EFAKTUR_UPLOAD_MEMORY_BYTES, 8 MB) lasts; every other part is written to a temporary
    file as it arrives. `_get_file_stream` is Werkzeug's documented hook for this
    (tests/test_uploads_memory.py fails if Werkzeug stops calling it).
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        left = getattr(self, "_memory_left", None)
        if left is None:
            left = int(current_app.config["EFAKTUR_UPLOAD_MEMORY_BYTES"])
        size = min(SPOOL_PART_BYTES, left)
        self._memory_left = left - size
        if size <= 0:
            return TemporaryFile("rb+")
        return SpooledTemporaryFile(max_size=size, mode="rb+")


def page_number() -> int:
    """The ?page= of a list, as a number the database can take; anything that is not one gives page 1."""
    value = request.args.get("page", "")
    if value.isascii() and value.isdigit() and len(value) <= 7:
        return max(1, min(int(value), MAX_PAGE))
    return 1


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def admin_required(view):
    """Admins manage ranges and settings; staff get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_local_url(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site (e.g. ?next= or the Referer of our own page), else `fallback`.

    Never another host: not //evil.example, not https://evil.example/, not a Referer from elsewhere.
    """
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.scheme in ("http", "https") and parts.netloc == request.host:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            return fallback
    if not target.startswith("/") or target.startswith("//") or "\\" in target or not target.isprintable():
        return fallback
    return target


def modal_error(message: str, title: str):
    """A refusal in the message dialog (htmx), or on the error page; always 422."""
    template = "_partials/message_modal.html" if is_htmx() else "errors/error.html"
    return render_template(template, title=title, message=message, status=422), 422


def success_response(message: str, fallback_url: str, events: tuple[str, ...] = (), warning: str | None = None):
    """After a change: the success pop-up with OK plus events that refresh the page parts
    (htmx), or, without JavaScript, the message flashed and a 303 back to `fallback_url`."""
    if is_htmx():
        response = make_response(render_template("_partials/success_modal.html", message=message, warning=warning))
        return with_trigger(response, **{event: True for event in events})
    flash(str(message))
    if warning:
        flash(str(warning))
    return redirect(fallback_url, code=303)


def with_trigger(response, **events):
    """Attach an HX-Trigger header carrying the given events and their details."""
    existing = response.headers.get("HX-Trigger")
    payload = json.loads(existing) if existing else {}
    payload.update(events)
    response.headers["HX-Trigger"] = json.dumps(payload)
    return response
