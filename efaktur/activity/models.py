from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.activity.wording import kind_of
from efaktur.extensions import db
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime


def _kind(context) -> str:
    return kind_of(context.get_current_parameters()["action"])


class ActivityEntry(db.Model):
    """One change: written in the same transaction as the change itself."""

    __tablename__ = "activity_entry"
    # The page reads newest first: by time, by who (the Who filter), by kind (the action's first part).
    __table_args__ = (Index("ix_activity_entry_at", "at"), Index("ix_activity_entry_actor_at", "actor", "at", "id"),
                      Index("ix_activity_entry_kind_at", "kind", "at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Kept as text so the entry still says who it was if the account is removed.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    # The action's first part ("number" of "number.assigned"): the Kind filter, with its own index.
    kind: Mapped[str] = mapped_column(String(40), default=_kind, server_default="")
    subject: Mapped[str] = mapped_column(String(80), default="")
    summary: Mapped[str] = mapped_column(Text)  # in English, as written at the time
    # The sentence as the catalogue's message with its values (JSON), shown in the reader's language;
    # entries written before these existed have neither and are shown from `summary`.
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[str | None] = mapped_column(Text)
