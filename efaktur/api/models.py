"""API tokens (stored only as a hash) and the answers kept for Idempotency-Key retries."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.extensions import db
from efaktur.language.lang import N_, gettext
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime


def token_actor(name: str) -> str:
    """Who the activity log says acted when a request came with the token of this name (in the request's language)."""
    return gettext("API token %(name)s", name=name)


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        # A name says which system it is; two live tokens never share one.
        Index("uq_api_token_live_name", "name", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token; the token itself is never kept
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_on: Mapped[date | None] = mapped_column(Date)  # the last day it works, in EFAKTUR_TIMEZONE
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(254))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(254))

    @property
    def access(self) -> str:
        return N_("Read-only") if self.read_only else N_("Read-write")


class IdempotencyRecord(db.Model):
    """The first answer to a POST with an Idempotency-Key, replayed to a retry with the same key and body."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request is being answered
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
