"""The number ledger.

Representation, chosen so that no cost grows with the numbers given out:

* ``NumberRange`` is one row per range the tax office allocated, with the NSFPs as
  13-digit integers (``start_number``..``end_number``) and two counters kept in the same
  transaction as every change:
    - ``next_number``: the lowest number never given out. Everything from it to the end
      is available; fresh numbers are taken from here, ascending.
    - ``held_count``: how many numbers of the range invoices hold now.
  Total Number is ``end - start + 1``, Available Number is ``total - held_count``: the
  page and the per-year count read a handful of range rows whether 10 or 1,000,000
  numbers have gone out.
* ``ReleasedNumber`` holds the numbers below ``next_number`` that came back to the pool
  (Cancel E-Faktur No). They are few, and they go out again before any fresh number,
  smallest first, so "ascending order" means: released numbers of the first range in
  order, then its fresh numbers, then the next range.
* Numbers held by invoices, and the history of every hand-out and release, live in
  ``NumberAssignment`` (invoices package). A partial unique index there, "one live
  holder per number" and "one live number per invoice", is the last line of defence;
  the mechanism is the row lock on the year's ranges taken before numbers are chosen.
* ``NumberUsageDay`` counts the numbers handed out per local day and Year Period, written
  by Generate in its transaction: how fast numbers go (this month, the last 30 days, the
  last 12 months) is read from at most a year of small rows, never from the assignments.
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.database import HOLDS_ONLY_SETTING, keep
from efaktur.extensions import db
from efaktur.rules.clock import utc_now
from efaktur.rules.nsfp import format_efaktur_no, nsfp_end_key
from efaktur.types import UTCDateTime


class NumberRange(db.Model):
    __tablename__ = "number_range"
    __table_args__ = (
        CheckConstraint("end_number >= start_number", name="end_after_start"),
        CheckConstraint(
            "next_number >= start_number AND next_number <= end_number + 1", name="next_inside"
        ),
        CheckConstraint(
            "held_count >= 0 AND held_count <= end_number - start_number + 1", name="held_count"
        ),
        Index("ix_number_range_year_start", "year", "start_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    start_number: Mapped[int] = mapped_column(BigInteger, unique=True)
    end_number: Mapped[int] = mapped_column(BigInteger)
    next_number: Mapped[int] = mapped_column(BigInteger)
    held_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    # Counts the edits of the form (not the numbers going out): an Edit opened before another is refused.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edited_by: Mapped[str | None] = mapped_column(String(254))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def total(self) -> int:
        return self.end_number - self.start_number + 1

    @property
    def available(self) -> int:
        return self.total - self.held_count


class ReleasedNumber(db.Model):
    """A number below its range's next_number that is back in the pool."""

    __tablename__ = "released_number"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    range_id: Mapped[int] = mapped_column(ForeignKey("number_range.id", ondelete="CASCADE"), index=True)


def _number_end(context) -> str:
    return nsfp_end_key(context.get_current_parameters()["number"])


class NumberAssignment(db.Model):
    """One hand-out of a number to an invoice; ``released_at`` is set when it comes back.

    Rows are never deleted: together they are the history of every number
    (assigned to A, released, assigned to B).
    """

    __tablename__ = "number_assignment"
    __table_args__ = (
        # The last line of defence; the mechanism is the range lock in ledger.py.
        Index(
            "uq_number_assignment_live_number",
            "number",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index(
            "uq_number_assignment_live_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        CheckConstraint("status_digit IN ('0', '1')", name="status_digit"),
        Index(
            "ix_number_assignment_live_end",
            "number_end",
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    range_id: Mapped[int | None] = mapped_column(ForeignKey("number_range.id", ondelete="SET NULL"), index=True)
    number: Mapped[int] = mapped_column(BigInteger)
    # rules.nsfp.nsfp_end_key(number): the digits back to front, so that the Invoices search for the end
    # of an E-Faktur No is an index lookup (ix_number_assignment_live_end), not a pass over every number.
    number_end: Mapped[str] = mapped_column(String(13), default=_number_end, server_default="")
    transaction_code: Mapped[str] = mapped_column(String(2))
    status_digit: Mapped[str] = mapped_column(String(1), default="0")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    assigned_by: Mapped[str] = mapped_column(String(254))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(String(254))

    @property
    def efaktur_no(self) -> str:
        return format_efaktur_no(self.transaction_code, self.status_digit, self.number)

    @property
    def is_live(self) -> bool:
        return self.released_at is None


# invoice.holds_number: whether the invoice holds an E-Faktur No now, kept by the database on every write to
# the assignments (whoever writes them: the ledger, a migration, a restore), so that the lists' filters and
# "Tick all" read a column of the invoice instead of asking the assignments row by row. The ledger itself
# decides from the assignments, under its locks.
_HELD_NOW = ("EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL)")
keep("sqlite",
     "CREATE TRIGGER number_assignment_held_insert AFTER INSERT ON number_assignment WHEN new.released_at IS NULL "
     "BEGIN UPDATE invoice SET holds_number = 1 WHERE id = new.invoice_id; END",
     "CREATE TRIGGER number_assignment_held_update AFTER UPDATE OF invoice_id, released_at ON number_assignment "
     f"BEGIN UPDATE invoice SET holds_number = {_HELD_NOW} WHERE id IN (old.invoice_id, new.invoice_id); END",
     "CREATE TRIGGER number_assignment_held_delete AFTER DELETE ON number_assignment "
     f"BEGIN UPDATE invoice SET holds_number = {_HELD_NOW} WHERE id = old.invoice_id; END")
# PostgreSQL: once per statement, over the rows it changed (a Generate of 100,000 is one UPDATE of invoices),
# in the order of the invoices' ids (taken in a hash's order, 100,000 rows took 9.2 s against 6.3 s in a
# standalone test: the heap and its indexes written at random), telling the period trigger that only holds_number changes (HOLDS_ONLY_SETTING), and with
# the memory to sort 100,000 ids without spilling them to disk.
_HOLDS_ONLY_ON = f"PERFORM set_config('{HOLDS_ONLY_SETTING}', 'on', true);"
_HOLDS_ONLY_OFF = f"PERFORM set_config('{HOLDS_ONLY_SETTING}', '', true);"
keep("postgresql", f"""
CREATE FUNCTION number_assignment_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_HOLDS_ONLY_ON}
  IF TG_OP = 'INSERT' THEN
    UPDATE invoice SET holds_number = true
      FROM (SELECT DISTINCT invoice_id FROM changed_new WHERE released_at IS NULL ORDER BY invoice_id) AS c
     WHERE invoice.id = c.invoice_id AND NOT invoice.holds_number;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE invoice SET holds_number = {_HELD_NOW}
     WHERE id IN (SELECT invoice_id FROM changed_old UNION SELECT invoice_id FROM changed_new)
       AND holds_number IS DISTINCT FROM {_HELD_NOW};
  ELSE
    UPDATE invoice SET holds_number = {_HELD_NOW}
     WHERE id IN (SELECT invoice_id FROM changed_old) AND holds_number IS DISTINCT FROM {_HELD_NOW};
  END IF;
  {_HOLDS_ONLY_OFF}
  RETURN NULL;
END $$""",
     "CREATE TRIGGER number_assignment_held_insert AFTER INSERT ON number_assignment "
     "REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION number_assignment_held()",
     "CREATE TRIGGER number_assignment_held_update AFTER UPDATE ON number_assignment "
     "REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT "
     "EXECUTE FUNCTION number_assignment_held()",
     "CREATE TRIGGER number_assignment_held_delete AFTER DELETE ON number_assignment "
     "REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION number_assignment_held()",
     "ALTER FUNCTION number_assignment_held() SET work_mem = '64MB'",
     functions=("number_assignment_held",))


class NumberUsageDay(db.Model):
    """How many numbers of a Year Period's ranges Generate handed out on one day (in EFAKTUR_TIMEZONE).
    Hand-outs are counted when they happen; a number cancelled later still counts as used that day."""

    __tablename__ = "number_usage_day"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    handed_out: Mapped[int] = mapped_column(Integer, default=0)
