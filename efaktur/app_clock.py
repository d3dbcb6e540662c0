"""The app's clock: the pure clock (rules/clock.py) in the company's time zone, pinned by
EFAKTUR_FIXED_NOW in tests and demos. Services and views alike read "now" and "today" here."""
from datetime import datetime, timezone

from flask import current_app

from efaktur.rules import clock


def app_timezone() -> str:
    return current_app.config["EFAKTUR_TIMEZONE"]


def now():
    """The app's clock: real time, unless EFAKTUR_FIXED_NOW pins it (tests and demos only)."""
    fixed = current_app.config.get("EFAKTUR_FIXED_NOW")
    if fixed is None:
        return clock.utc_now()
    if isinstance(fixed, str):
        fixed = datetime.fromisoformat(fixed)
    return fixed if fixed.tzinfo else fixed.replace(tzinfo=timezone.utc)


def current_year() -> int:
    return clock.current_year(app_timezone(), now())


def local_today():
    return clock.local_today(app_timezone(), now())
