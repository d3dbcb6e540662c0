"""URLs: which hosts the app answers for, and what an `<int:...>` in a route accepts."""
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import IntegerConverter

from efaktur.rules.ids import MAX_ID


def trust_hosts(app: Flask) -> None:
    """Answer only for the host the app is published under (a forged Host header gets a 400).

    TRUSTED_HOSTS, when not set, is the host of EFAKTUR_PUBLIC_URL, plus the loopback names
    (the machine itself, e.g. a health check or `make run`).
    """
    if app.config.get("TRUSTED_HOSTS") or not app.config.get("EFAKTUR_PUBLIC_URL"):
        return
    host = urlsplit(app.config["EFAKTUR_PUBLIC_URL"]).hostname
    if host:
        app.config["TRUSTED_HOSTS"] = sorted({host, "localhost", "127.0.0.1"})


class RecordId(IntegerConverter):
    """`<int:...>` in every route: only numbers that can be a record's id match; the rest are 404."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)
