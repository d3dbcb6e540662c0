"""How long will our numbers last? The figures of the E-Faktur No page's summary, read from the
range counters and the per-day usage counters (NumberUsageDay): a few dozen rows at most,
however many numbers have gone out."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from efaktur.extensions import db
from efaktur.numbers.models import NumberUsageDay
from efaktur.numbers.services import YearCount, year_count
from efaktur.settings.threshold import PACE_WINDOW_DAYS, EnofaAdvice, RunOutEstimate, enofa_advice, estimate_run_out

CHART_MONTHS = 12


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthUsage:
    month: date  # its first day
    handed_out: int  # numbers of that month's year's ranges given to invoices in it (a number given again counts again)


@dataclass(frozen=True)
class Outlook:
    today: date
    this_year: YearCount
    next_year: YearCount
    used_this_month: int
    used_last_30_days: int
    estimate: RunOutEstimate
    months: list[MonthUsage]
    enofa: EnofaAdvice

    @property
    def busiest_month(self) -> int:
        return max((m.handed_out for m in self.months), default=0)


def used_since(year: int, first_day: date) -> int:
    """Numbers of the Year Period's ranges handed out from `first_day` on."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(NumberUsageDay.handed_out), 0))
        .where(NumberUsageDay.year == year, NumberUsageDay.day >= first_day)
    ))


def last_30_days(today: date) -> date:
    """The first day of "the last 30 days": today and the 29 days before."""
    return today - timedelta(days=PACE_WINDOW_DAYS - 1)


def outlook(today: date) -> Outlook:
    this_year, next_year = year_count(today.year), year_count(today.year + 1)
    first = month_start(today, CHART_MONTHS - 1)
    rows = db.session.execute(
        select(NumberUsageDay.year, NumberUsageDay.day, NumberUsageDay.handed_out).where(NumberUsageDay.day >= first)
    ).all()
    per_month: dict[date, int] = {}
    this_month, window = month_start(today), last_30_days(today)
    used_this_month = recent = 0
    for year, day, handed_out in rows:
        month = month_start(day)
        if year == month.year:  # each bar counts the numbers of its own year, as "this month" does
            per_month[month] = per_month.get(month, 0) + handed_out
        if year == today.year:
            used_this_month += handed_out if day >= this_month else 0
            recent += handed_out if day >= window else 0
    months = [MonthUsage(month_start(today, back), per_month.get(month_start(today, back), 0))
              for back in range(CHART_MONTHS - 1, -1, -1)]
    estimate = estimate_run_out(this_year.available, recent, today)
    previous_three = sum(per_month.get(month_start(today, back), 0) for back in (1, 2, 3))
    advice = enofa_advice(previous_three, this_year.available, estimate.per_day, today)
    return Outlook(today, this_year, next_year, used_this_month, recent, estimate, months, advice)
