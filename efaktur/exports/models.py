"""The Export tab's totals, kept by the database.

One row per tax period (month) and export status: how many invoices of the period the Export tab lists
(Invoice Tax on, not cancelled), their DPP, the PPN billed and the PPN computed but not charged (codes 07
and 08). Triggers on `invoice` change them in the statement that changes an invoice, whatever writes it,
so the tab reads two small rows however many invoices the month holds. The sums are those of
exports/queries.py's former aggregate over the invoices (tests/test_kept.py compares them on random data).
"""
from sqlalchemy import BigInteger, Boolean, Integer
from sqlalchemy.orm import Mapped, mapped_column

from efaktur.database import HOLDS_ONLY_SETTING, keep
from efaktur.extensions import db
from efaktur.rules.amounts import VAT_NOT_CHARGED_CODES


class PeriodTotal(db.Model):
    __tablename__ = "period_total"

    period: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 202606: June 2026
    exported: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # exported_at is set
    invoices: Mapped[int] = mapped_column(BigInteger, default=0)
    dpp_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    ppn: Mapped[int] = mapped_column(BigInteger, default=0)  # whole rupiah, each invoice rounded down
    ppn_not_charged: Mapped[int] = mapped_column(BigInteger, default=0)


_NOT_CHARGED = ", ".join(f"'{code}'" for code in sorted(VAT_NOT_CHARGED_CODES))
_COLUMNS = "period, exported, invoices, dpp_cents, ppn, ppn_not_charged"
_ADD = ("invoices = period_total.invoices + excluded.invoices, dpp_cents = period_total.dpp_cents + excluded.dpp_cents, "
        "ppn = period_total.ppn + excluded.ppn, ppn_not_charged = period_total.ppn_not_charged + excluded.ppn_not_charged")
# What the total's columns watch: a change of another column (a holder's name, holds_number) fires nothing.
WATCHED = ("invoice_date", "tax_enabled", "status", "transaction_code", "dpp_cents", "vat_cents", "exported_at")


def _counted(row: str) -> str:
    return f"{row}.tax_enabled AND {row}.status <> 'cancelled'"


def _ppn(row: str) -> str:
    """The PPN billed of an invoice: its VAT in whole rupiah, rounded down; nothing for codes 07 and 08."""
    return f"(CASE WHEN {row}.transaction_code IN ({_NOT_CHARGED}) THEN 0 ELSE {row}.vat_cents / 100 END)"


def _ppn_not_charged(row: str) -> str:
    """The PPN computed but not charged: codes 07 and 08 only."""
    return f"(CASE WHEN {row}.transaction_code IN ({_NOT_CHARGED}) THEN {row}.vat_cents / 100 ELSE 0 END)"


def _share(row: str, period: str, sign: str = "") -> str:
    """An invoice's part of its period's row: period, exported, 1, DPP, PPN, PPN not charged."""
    return (f"{period}, {row}.exported_at IS NOT NULL, {sign}1, {sign}{row}.dpp_cents, {sign}{_ppn(row)}, "
            f"{sign}{_ppn_not_charged(row)}")


def _sqlite_period(row: str) -> str:
    return f"CAST(strftime('%Y%m', {row}.invoice_date) AS INTEGER)"


def _sqlite_take_out(row: str) -> str:
    return (f"UPDATE period_total SET invoices = invoices - 1, dpp_cents = dpp_cents - {row}.dpp_cents, "
            f"ppn = ppn - {_ppn(row)}, ppn_not_charged = ppn_not_charged - {_ppn_not_charged(row)} "
            f"WHERE period = {_sqlite_period(row)} AND exported = ({row}.exported_at IS NOT NULL) AND {_counted(row)}")


def _sqlite_put_in(row: str) -> str:
    return (f"INSERT INTO period_total ({_COLUMNS}) SELECT {_share(row, _sqlite_period(row))} WHERE {_counted(row)} "
            f"ON CONFLICT (period, exported) DO UPDATE SET {_ADD}")


keep("sqlite",
     f"CREATE TRIGGER invoice_period_insert AFTER INSERT ON invoice BEGIN {_sqlite_put_in('new')}; END",
     f"CREATE TRIGGER invoice_period_delete AFTER DELETE ON invoice BEGIN {_sqlite_take_out('old')}; END",
     f"CREATE TRIGGER invoice_period_update AFTER UPDATE OF {', '.join(WATCHED)} ON invoice "
     f"BEGIN {_sqlite_take_out('old')}; {_sqlite_put_in('new')}; END")

# PostgreSQL: once per statement, over the rows it changed; the changes are summed per period first and
# written in the order of the periods (two writers never wait for each other's rows the other way round).
_PG_PERIOD = "(extract(year FROM {row}.invoice_date) * 100 + extract(month FROM {row}.invoice_date))::int"
_MOVED = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in WATCHED)


def _pg_shares(row: str, table: str, sign: str, where: str) -> str:
    return f"SELECT {_share(row, _PG_PERIOD.format(row=row), sign)} FROM {table} WHERE {_counted(row)}{where}"


def _pg_sum(shares: str) -> str:
    return (f"SELECT period, exported, sum(invoices), sum(dpp_cents), sum(ppn), sum(ppn_not_charged) "
            f"FROM ({shares}) AS d ({_COLUMNS}) GROUP BY period, exported ORDER BY period, exported")


_PG_UPSERT = f"INSERT INTO period_total AS period_total ({_COLUMNS}) {{sums}} ON CONFLICT (period, exported) DO UPDATE SET {_ADD}"
_CHANGED_PAIR = "changed_old o JOIN changed_new n ON n.id = o.id"
keep("postgresql", f"""
CREATE FUNCTION invoice_period_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_PG_UPSERT.format(sums=_pg_sum(_pg_shares('n', 'changed_new n', '', '')))};
  ELSIF TG_OP = 'UPDATE' AND current_setting('{HOLDS_ONLY_SETTING}', true) = 'on' THEN
    NULL;  -- the numbers' trigger writing holds_number alone (numbers/models.py)
  ELSIF TG_OP = 'UPDATE' THEN
    {_PG_UPSERT.format(sums=_pg_sum(
        _pg_shares('n', _CHANGED_PAIR, '', f' AND ({_MOVED})') + ' UNION ALL ' +
        _pg_shares('o', _CHANGED_PAIR, '-', f' AND ({_MOVED})')))};
  ELSE
    UPDATE period_total SET invoices = period_total.invoices + d.invoices, dpp_cents = period_total.dpp_cents + d.dpp_cents,
           ppn = period_total.ppn + d.ppn, ppn_not_charged = period_total.ppn_not_charged + d.ppn_not_charged
      FROM ({_pg_sum(_pg_shares('o', 'changed_old o', '-', ''))}) AS d ({_COLUMNS})
     WHERE period_total.period = d.period AND period_total.exported = d.exported;
  END IF;
  RETURN NULL;
END $$""",
     "CREATE TRIGGER invoice_period_insert AFTER INSERT ON invoice REFERENCING NEW TABLE AS changed_new "
     "FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()",
     "CREATE TRIGGER invoice_period_update AFTER UPDATE ON invoice REFERENCING OLD TABLE AS changed_old "
     "NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()",
     "CREATE TRIGGER invoice_period_delete AFTER DELETE ON invoice REFERENCING OLD TABLE AS changed_old "
     "FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()",
     # Without JIT: PostgreSQL compiled the sums of a Generate's 100,000 changed rows to machine code first,
     # which took 0.48 s of the trigger's 0.76 s (the sums themselves are one pass over the rows).
     "ALTER FUNCTION invoice_period_totals() SET jit = off",
     # A Generate's 100,000 changed rows are paired by id: sorted in memory, not in files on disk.
     "ALTER FUNCTION invoice_period_totals() SET work_mem = '64MB'",
     functions=("invoice_period_totals",))
