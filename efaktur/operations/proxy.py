"""Whether the reverse proxy is really in front: with EFAKTUR_PROXY_HOPS set, the client's address comes from
X-Forwarded-For, which only the proxy may set. A request without that header reached the app directly, and a
client that can do so can also forge it (and so choose the address the login throttle counts).

Such requests are logged once per worker, and noted in the database (at most every few minutes per worker) for
the Operations page and its JSON. The health check is left out: load balancers probe the app directly.
"""
import logging
import time

from flask import current_app, request

from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.operations.models import ProxyBypass
from efaktur.rules.clock import utc_now

log = logging.getLogger(__name__)
NOTE_EVERY_SECONDS = 300
_state = {"noted_at": 0.0, "logged": False, "unnoted": 0}


def proxy_hops() -> int:
    return int(current_app.config.get("EFAKTUR_PROXY_HOPS") or 0)


def warn_at_start(app) -> None:
    hops = int(app.config.get("EFAKTUR_PROXY_HOPS") or 0)
    if hops:
        log.warning("EFAKTUR_PROXY_HOPS=%s: client addresses come from X-Forwarded-For. The app must be reachable "
                    "only through the proxy (bind gunicorn to 127.0.0.1 or a private address); the Operations page "
                    "says when a request arrives without the proxy's headers.", hops)


def check_request() -> None:
    """Before each request: note one that came without the proxy's headers."""
    if not proxy_hops() or request.endpoint == "health" or "X-Forwarded-For" in request.headers:
        return
    address = (request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
               or request.environ.get("REMOTE_ADDR") or "unknown")[:64]
    if not _state["logged"]:
        log.warning("a request from %s reached the app without X-Forwarded-For although EFAKTUR_PROXY_HOPS is set: "
                    "the app can be reached around its proxy", address)
        _state["logged"] = True
    _state["unnoted"] += 1
    if time.monotonic() - _state["noted_at"] < NOTE_EVERY_SECONDS:
        return
    _state["noted_at"], count = time.monotonic(), _state["unnoted"]
    _state["unnoted"] = 0
    with write_transaction():
        row = db.session.get(ProxyBypass, 1, with_for_update=True)
        if row is None:
            db.session.add(ProxyBypass(id=1, at=utc_now(), address=address, path=request.path[:200], count=count))
        else:
            row.at, row.address, row.path, row.count = utc_now(), address, request.path[:200], row.count + count


def last_bypass() -> dict | None:
    """For the Operations page: the last request that came around the proxy (only while hops are set)."""
    if not proxy_hops():
        return None
    row = db.session.get(ProxyBypass, 1)
    return None if row is None else {"at": row.at, "address": row.address, "path": row.path, "count": row.count}
