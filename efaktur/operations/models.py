"""What the backup command did, for the Operations page: when, which file, how large, its checksum."""
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utc_now
from ..extensions import db
from ..types import UTCDateTime


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
