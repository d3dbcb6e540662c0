"""What the backup command did, for the Operations page: when, which file, how large, its checksum."""
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.extensions import db
from efaktur.rules.clock import utc_now
from efaktur.types import UTCDateTime


class BackupRecord(db.Model):
    __tablename__ = "backup_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    database_kind: Mapped[str] = mapped_column(String(20))  # sqlite or postgresql
    path: Mapped[str] = mapped_column(Text, default="")  # where the file went, on the machine that made it
    host: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    seconds: Mapped[int | None] = mapped_column(Integer)  # how long it took, rounded up
    message: Mapped[str] = mapped_column(Text, default="")  # why it failed


class ProxyBypass(db.Model):
    """The last request that reached the app without its reverse proxy's headers, while EFAKTUR_PROXY_HOPS says
    there is one: the app can be reached around the proxy, where a forged X-Forwarded-For would pick the client
    address the login throttle counts. One row, kept up to date (at most every few minutes)."""

    __tablename__ = "proxy_bypass"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64))  # where it came from (the socket's peer)
    path: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)  # such requests noted since the first
