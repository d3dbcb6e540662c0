"""Recording changes. Callers commit; an entry never outlives a rolled-back change."""
import json

from flask import g, has_request_context
from flask_login import current_user

from efaktur.activity.models import ActivityEntry
from efaktur.activity.wording import kind_of
from efaktur.api.models import ApiToken, token_actor
from efaktur.auth.models import User
from efaktur.extensions import db
from efaktur.language.i18n import LANGUAGES, in_language
from efaktur.language.lang import gettext, in_english, translate
from efaktur.paging import Window, datetime_key, int_key, keyset_page
from efaktur.rules.clock import utc_now

SYSTEM_ACTOR = "system"


def _actor():
    # An API request acts under its token's name ("API token Online shop").
    if has_request_context() and g.get("api_actor"):
        return None, g.api_actor
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.email
    return None, SYSTEM_ACTOR


def record(action: str, message: str, subject: str = "", **params) -> ActivityEntry:
    """Log a change: `message` is the catalogue's English text (marked with N_), a phrase that begins with
    a verb, with %(name)s for `params` (strings and whole numbers). It is kept with its values, so the
    Activity page says it in each reader's language; `summary` keeps it in English as it was at the time."""
    user_id, actor = _actor()
    entry = ActivityEntry(user_id=user_id, actor=actor, action=action, subject=subject, at=utc_now(),
                          **entry_text(message, params))
    db.session.add(entry)
    return entry


def entry_text(message: str, params: dict) -> dict:
    """The summary (English), message and params columns of an entry."""
    texts = entry_texts(message, [params])
    return {name: values[0] for name, values in texts.items()} | {"message": message}


_params_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(ensure_ascii=False), its encoder made once


def entry_texts(message: str, params_list: list[dict]) -> dict[str, list[str]]:
    """The summaries (English) and params (JSON) of one message with each of `params_list`, as two columns.
    Values that are all strings (a Generate's 100,000 entries) are filled in as they are, the catalogue read
    once; anything else is shown as gettext shows it."""
    with in_english():
        if params_list and all(params and all(type(value) is str for value in params.values())
                               for params in params_list):
            template = translate(message)
            summaries = [template % params for params in params_list]
        else:
            summaries = [gettext(message, **params) for params in params_list]
    return {"summary": summaries, "params": [_params_json(params) for params in params_list]}


def current_actor() -> tuple[int | None, str]:
    """(user id, e-mail) of who acts now; read it before a write transaction expires the user."""
    return _actor()


def activity_rows(action: str, message: str, items: list[tuple[str, dict]],
                  actor: tuple[int | None, str] | None = None) -> tuple[dict, dict[str, list]]:
    """Rows for the activity table, one per (subject, params) of the same message, for callers that insert in
    bulk, by column: (the values all rows share, {column: the rows' values})."""
    user_id, actor_email = actor or _actor()
    shared = {"user_id": user_id, "actor": actor_email, "action": action, "kind": kind_of(action), "at": utc_now(),
              "message": message}
    return shared, {"subject": [subject for subject, _ in items], **entry_texts(message, [p for _, p in items])}


def filtered_query(kind: str = "", actor: str = "", since=None, until=None, subject: str | None = None):
    """Entries of one kind (the action's first part), by one actor, from the UTC instant `since` up to
    `until` (exclusive), newest first."""
    query = db.select(ActivityEntry).order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
    if kind:
        query = query.where(ActivityEntry.kind == kind)
    if actor:
        query = query.where(ActivityEntry.actor == actor)
    if since is not None:
        query = query.where(ActivityEntry.at >= since)
    if until is not None:
        query = query.where(ActivityEntry.at < until)
    if subject:
        query = query.where(ActivityEntry.subject == subject)
    return query


ENTRY_ORDER = [datetime_key(ActivityEntry.at), int_key(ActivityEntry.id)]  # newest first, as filtered_query orders


def recent_page(page: int, per_page: int = 50, subject: str | None = None, after: str | None = None,
                before: str | None = None, **filters) -> Window:
    return keyset_page(filtered_query(subject=subject, **filters).order_by(None), ENTRY_ORDER, True, page, per_page,
                       after, before)


def actors() -> list[str]:
    """Everyone who appears in the log, for the filter: the accounts, the API tokens (under their name in each
    language, as a request in that language wrote it) and "system", each asked of the log by one index probe
    (a DISTINCT over millions of entries read them all)."""
    candidates = {SYSTEM_ACTOR, *db.session.scalars(db.select(User.email))}
    names = list(db.session.scalars(db.select(ApiToken.name)))
    for code in LANGUAGES:
        with in_language(code):
            candidates.update(token_actor(name) for name in names)
    return [actor for actor in sorted(candidates) if db.session.scalar(
        db.select(ActivityEntry.id).where(ActivityEntry.actor == actor).limit(1)) is not None]
