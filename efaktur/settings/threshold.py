"""The threshold rule and the run-out estimate. Pure domain code: no Flask, no database."""
import math
from dataclasses import dataclass
from datetime import date, timedelta

from efaktur.language.lang import decimal, gettext, long_date, ngettext

MAX_THRESHOLD_LIMIT = 1_000_000_000
PACE_WINDOW_DAYS = 30


class ThresholdLimitError(ValueError):
    """Why a Threshold Limit text is not acceptable, in words for the user."""


def parse_threshold_limit(text: str | None) -> int:
    """A whole number 0..1,000,000,000 written with ASCII digits only ("4", "030")."""
    text = (text or "").strip()
    if not text:
        raise ThresholdLimitError(gettext("Enter the Threshold Limit: a whole number, 0 or more."))
    if not all("0" <= c <= "9" for c in text):
        if text.startswith("-") and text[1:].isdigit():
            raise ThresholdLimitError(gettext("The Threshold Limit cannot be negative."))
        raise ThresholdLimitError(gettext("Use digits 0-9 only: a whole number, 0 or more, without signs, decimals "
                                          "or exponents."))
    if len(text.lstrip("0")) > len(str(MAX_THRESHOLD_LIMIT)):
        raise ThresholdLimitError(gettext("The Threshold Limit can be at most %(limit)s.", limit=MAX_THRESHOLD_LIMIT))
    value = int(text)
    if value > MAX_THRESHOLD_LIMIT:
        raise ThresholdLimitError(gettext("The Threshold Limit can be at most %(limit)s.", limit=MAX_THRESHOLD_LIMIT))
    return value


def threshold_reached(active: bool, limit: int, available: int) -> bool:
    """The guide's rule: when active, alert while available <= limit."""
    return active and available <= limit


@dataclass(frozen=True)
class RunOutEstimate:
    used_last_window: int
    per_day: float
    run_out_on: date | None  # None: no pace to go by, or it lasts past the year

    def describe(self, year_end: date) -> str:
        if self.used_last_window == 0:
            return gettext("No numbers were used in the last %(days)s days, so there is no pace to estimate from.",
                           days=PACE_WINDOW_DAYS)
        used = ngettext("%(num)s number", "%(num)s numbers", self.used_last_window)
        rate = (gettext("%(count)s a day", count=decimal(self.per_day, 1)) if self.per_day >= 0.1
                else gettext("about one every %(days)s days", days=round(1 / self.per_day)))
        if self.run_out_on is None:
            return gettext("At the pace of the last %(days)s days (%(used)s, %(rate)s), the numbers last until the "
                           "end "
                           "of %(year)s, when they expire.", days=PACE_WINDOW_DAYS, used=used, rate=rate,
                           year=str(year_end.year))
        return gettext("At the pace of the last %(days)s days (%(used)s, %(rate)s), the numbers run out around "
                       "%(date)s.", days=PACE_WINDOW_DAYS, used=used, rate=rate, date=long_date(self.run_out_on))


def estimate_run_out(available: int, used_last_window: int, today: date) -> RunOutEstimate:
    per_day = used_last_window / PACE_WINDOW_DAYS
    if per_day == 0:
        return RunOutEstimate(used_last_window, 0.0, None)
    if available == 0:
        return RunOutEstimate(used_last_window, per_day, today)
    day = today + timedelta(days=math.floor(available / per_day))
    year_end = date(today.year, 12, 31)
    return RunOutEstimate(used_last_window, per_day, None if day > year_end else day)


# e-Nofa: a company asks for at most 120% of its tax invoices of the previous three months;
# a new or small company for 75 numbers (the reference, "Allocation caps").
ENOFA_SHARE = 1.2
ENOFA_NEW_COMPANY = 75


@dataclass(frozen=True)
class EnofaAdvice:
    used_last_three_months: int
    most: int  # the most the company may ask for
    suggested: int | None  # what the pace says is needed until 31 December (None: no pace)
    year_end: date

    @property
    def new_company(self) -> bool:
        return self.used_last_three_months == 0


def enofa_advice(used_last_three_months: int, available: int, per_day: float, today: date) -> EnofaAdvice:
    """How many numbers to request: the cap, and the need until the year ends at the recent pace."""
    most = math.floor(used_last_three_months * ENOFA_SHARE) if used_last_three_months else ENOFA_NEW_COMPANY
    year_end = date(today.year, 12, 31)
    if per_day == 0:
        return EnofaAdvice(used_last_three_months, most, None, year_end)
    need = math.ceil(per_day * ((year_end - today).days + 1)) - available
    return EnofaAdvice(used_last_three_months, most, max(0, min(most, need)), year_end)
