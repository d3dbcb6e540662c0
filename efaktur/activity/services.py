"""Recording changes. Callers commit; an entry never outlives a rolled-back change."""
from flask import g, has_request_context
from flask_login import current_user

from ..clock import utc_now
from ..extensions import db
from .models import ActivityEntry

SYSTEM_ACTOR = "system"


def _actor():
    # An API request acts under its token's name ("API token Online shop").
    if has_request_context() and g.get("api_actor"):
        return None, g.api_actor
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.email
    return None, SYSTEM_ACTOR


def record(action: str, summary: str, subject: str = "") -> ActivityEntry:
    user_id, actor = _actor()
    entry = ActivityEntry(user_id=user_id, actor=actor, action=action, subject=subject, summary=summary, at=utc_now())
    db.session.add(entry)
    return entry


def current_actor() -> tuple[int | None, str]:
    """(user id, e-mail) of who acts now; read it before a write transaction expires the user."""
    return _actor()


def activity_rows(action: str, items: list[tuple[str, str]], actor: tuple[int | None, str] | None = None) -> list[dict]:
    """Rows for the activity table, one per (subject, summary), for callers that insert in bulk."""
    user_id, actor_email = actor or _actor()
    now = utc_now()
    return [
        {"user_id": user_id, "actor": actor_email, "action": action, "subject": subject, "summary": summary, "at": now}
        for subject, summary in items
    ]


def recent_page(page: int, per_page: int = 50, subject: str | None = None):
    query = db.select(ActivityEntry).order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
    if subject:
        query = query.filter(ActivityEntry.subject == subject)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
