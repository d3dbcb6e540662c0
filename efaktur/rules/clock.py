"""What "now" and "the current year" mean for the tax rules. Pure, no Flask.

The tax year follows the company's calendar, not UTC: on 31 December at 20:00 UTC it
is already 1 January in Jakarta (UTC+7).
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def local_now(tz_name: str, now: datetime | None = None) -> datetime:
    return (now or utc_now()).astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str, now: datetime | None = None) -> date:
    return local_now(tz_name, now).date()


def current_year(tz_name: str, now: datetime | None = None) -> int:
    return local_now(tz_name, now).year
