"""Activity page (admins): the log in sentences, filtered by kind, user and date, and its CSV export."""
import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, stream_with_context

from efaktur.activity.models import ActivityEntry
from efaktur.activity.services import actors, filtered_query, recent_page
from efaktur.activity.wording import KINDS, entry_sentence, kind_of, who
from efaktur.app_clock import app_timezone
from efaktur.extensions import db
from efaktur.language.i18n import language
from efaktur.language.lang import gettext
from efaktur.rules.text import spreadsheet_safe
from efaktur.web.helpers import admin_required, page_number

bp = Blueprint("activity", __name__, url_prefix="/activity")
CSV_BATCH = 1000


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # the app's dates; beyond, an instant cannot be formed


def _day(text: str | None) -> date | None:
    """A date field's value (YYYY-MM-DD, 2000-2099), or None when empty or not such a date."""
    try:
        day = date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def _filters() -> tuple[dict, dict, list[str]]:
    """(the query's filters, the form's values, problems to show)."""
    args = request.args
    kind = args.get("kind", "") if args.get("kind", "") in KINDS else ""
    actor = "".join(c for c in args.get("actor", "") if c.isprintable())[:254]
    start, end = _day(args.get("from")), _day(args.get("to"))
    problems = [message for message, key, parsed in
                ((gettext("From is not a date between 2000 and 2099; it was left out."), "from", start),
                 (gettext("To is not a date between 2000 and 2099; it was left out."), "to", end))
                if args.get(key) and parsed is None]
    if start and end and end < start:
        problems.append(gettext("To is before From: nothing can match."))
    zone = ZoneInfo(app_timezone())

    def instant(day: date) -> datetime:  # the start of that day where the company is
        return datetime.combine(day, time(), zone)

    query_filters = {
        "kind": kind, "actor": actor,
        "since": instant(start) if start else None,
        "until": instant(end + timedelta(days=1)) if end else None,
    }
    values = {"kind": kind, "actor": actor, "from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    return query_filters, values, problems


@bp.get("/")
@admin_required
def index():
    query_filters, values, problems = _filters()
    page = recent_page(page_number(), after=request.args.get("after"), before=request.args.get("before"),
                       **query_filters)
    return render_template("activity/index.html", page=page, kinds=KINDS, actors=actors(), values=values,
                           problems=problems, sentence=lambda entry: entry_sentence(entry, language()), kind_of=kind_of,
                           actor_name=who,
                           args={k: v for k, v in values.items() if v})


@bp.get("/export.csv")
@admin_required
def export_csv():
    """The filtered log as CSV, streamed in batches: When (local time), Who, Kind, What happened, Summary."""
    query_filters, values, _ = _filters()
    zone = ZoneInfo(app_timezone())
    reader = language()

    kinds: dict[str, str] = {}  # the Kind column of each action, translated once per export, not per row

    def kind(action: str) -> str:
        if action not in kinds:
            kinds[action] = gettext(KINDS[kind_of(action)]) if kind_of(action) in KINDS else kind_of(action)
        return kinds[action]

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([gettext("When"), gettext("Who"), gettext("Kind"), gettext("What happened"), gettext("Action"),
                         gettext("Summary (English)")])
        # One query read in batches (not OFFSET pages, which re-read what came before on every page), as plain
        # rows: making an object of each of a million entries would cost more than writing it.
        columns = ActivityEntry.__table__.c
        entries = db.session.execute(filtered_query(**query_filters).with_only_columns(
            columns.at, columns.actor, columns.action, columns.summary, columns.message, columns.params)
            .execution_options(yield_per=CSV_BATCH))
        for n, entry in enumerate(entries, 1):
            # Actors, sentences and summaries hold what people typed: opened in a spreadsheet, none runs as a formula.
            writer.writerow([entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), spreadsheet_safe(entry.actor),
                             kind(entry.action), spreadsheet_safe(entry_sentence(entry, reader)), entry.action,
                             spreadsheet_safe(entry.summary)])
            if n % CSV_BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = "activity" + "".join(f"-{values[k]}" for k in ("kind", "from", "to") if values[k]) + ".csv"
    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
