"""Amounts line by line, to the cent, as DJP computes them; discounts; the buyer's branch; the
facility of codes 07 and 08.

Every invoice never exported nor reported gets its figures computed again by the amount model
(efaktur/amounts.py), written here in SQL so that a million invoices take seconds: per line,
in cents, TaxBase = price x quantity - discount, OtherTaxBase = TaxBase x 11/12 rounded half up
where the 11/12 basis applied, VAT = OtherTaxBase x rate rounded half up; the invoice's figures
are their sums. Invoices already exported or reported keep the figures the tax office got:
their old totals, and per line the shares the files carried then (the old largest-remainder
split, frozen below). Those exported but not reported whose figures the new rules would change
are listed on the console (and their invoice pages offer Recompute).

Revision ID: f7c3a9d1e2b4
Revises: e5a1c0d2b7f4
Create Date: 2026-12-01 10:00:00.000000

"""
import sys

from alembic import op
import sqlalchemy as sa


revision = 'f7c3a9d1e2b4'
down_revision = 'e5a1c0d2b7f4'
branch_labels = None
depends_on = None

LISTED = 50  # the console names this many changed invoices, then counts the rest
KEPT = "(invoice.exported_at IS NOT NULL OR invoice.efaktur_reported_at IS NOT NULL)"


def _share_exactly(total, weights):
    """The old rule (efaktur/vat.py until this release): largest-remainder shares, ties to the earlier line."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    floors_and_remainders = [divmod(total * w, weight_sum) for w in weights]
    shares = [floor for floor, _ in floors_and_remainders]
    short = total - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (-floors_and_remainders[i][1], i))[:short]:
        shares[i] += 1
    return shares


def _old_split(line_totals, tax_base, vat):
    """What the old files carried per line: (OtherTaxBase, VAT) in whole rupiah."""
    if len(line_totals) == 1:
        return [(tax_base, vat)]
    other = line_totals if sum(line_totals) == tax_base else _share_exactly(tax_base, line_totals)
    return list(zip(other, _share_exactly(vat, other)))


_SUMS = ("(SELECT invoice_id, SUM(tax_base_cents) AS dpp, SUM(other_tax_base_cents) AS other,"
         " SUM(vat_cents) AS vat FROM invoice_line GROUP BY invoice_id) AS sums")


def _new_figures(conn):
    """Every line and invoice by the amount model (the kept ones are put back afterwards), in one pass
    over the lines and one over the invoices."""
    base = "CAST(ROUND(invoice_line.unit_price * invoice_line.quantity * 100) AS BIGINT)"
    # 11/12 and the rate, rounded half up in integers: (2 x 11 x base + 12) / 24, (2 x other x rate + 100) / 200.
    other = f"CASE WHEN invoice.dpp_other IS NULL THEN {base} ELSE ({base} * 22 + 12) / 24 END"
    conn.execute(sa.text(
        f"UPDATE invoice_line SET tax_base_cents = {base}, other_tax_base_cents = {other},"
        f" vat_cents = (({other}) * 2 * invoice.vat_rate + 100) / 200"
        " FROM invoice WHERE invoice.id = invoice_line.invoice_id"))
    conn.execute(sa.text(
        "UPDATE invoice SET dpp_cents = sums.dpp,"
        " dpp_other_cents = CASE WHEN invoice.dpp_other IS NULL THEN NULL ELSE sums.other END, vat_cents = sums.vat"
        f" FROM {_SUMS} WHERE sums.invoice_id = invoice.id"))


def _keep_what_the_tax_office_got(conn):
    """Exported or reported invoices: the old totals, and per line the shares the files carried.
    Returns the numbers of those exported, not reported, whose figures the new rules change."""
    changed = conn.execute(sa.text(
        "SELECT number FROM invoice WHERE exported_at IS NOT NULL AND efaktur_reported_at IS NULL AND"
        " (dpp_cents <> dpp * 100 OR COALESCE(dpp_other_cents, -1) <> COALESCE(dpp_other * 100, -1)"
        " OR vat_cents <> ppn * 100) ORDER BY invoice_date, id")).scalars().all()
    changed_set = set(changed)
    # Single-line invoices: the line carried the invoice's totals.
    counts = "(SELECT invoice_id, COUNT(*) AS lines FROM invoice_line GROUP BY invoice_id) AS counts"
    conn.execute(sa.text(
        "UPDATE invoice_line SET tax_base_cents = invoice_line.total * 100,"
        " other_tax_base_cents = COALESCE(invoice.dpp_other, invoice.dpp) * 100, vat_cents = invoice.ppn * 100"
        f" FROM invoice, {counts} WHERE invoice.id = invoice_line.invoice_id AND counts.invoice_id = invoice.id"
        f" AND counts.lines = 1 AND {KEPT}"))
    # Several lines: the old split, line by line; a line whose share moves makes the invoice changed too.
    rows = conn.execute(sa.text(
        "SELECT invoice.id, invoice.number, invoice.dpp, invoice.dpp_other, invoice.ppn, invoice.exported_at IS NOT NULL"
        " AND invoice.efaktur_reported_at IS NULL, invoice_line.id, invoice_line.total, invoice_line.tax_base_cents,"
        " invoice_line.other_tax_base_cents, invoice_line.vat_cents"
        f" FROM invoice JOIN invoice_line ON invoice_line.invoice_id = invoice.id JOIN {counts}"
        f" ON counts.invoice_id = invoice.id WHERE {KEPT} AND counts.lines > 1"
        " ORDER BY invoice.id, invoice_line.position")).all()
    updates = []
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end][0] == rows[start][0]:
            end += 1
        group = rows[start:end]
        _, number, dpp, dpp_other, ppn, listable = group[0][:6]
        shares = _old_split([row[7] for row in group], dpp if dpp_other is None else dpp_other, ppn)
        for row, (other, vat) in zip(group, shares):
            old = (row[7] * 100, other * 100, vat * 100)
            if listable and old != tuple(row[8:11]) and number not in changed_set:
                changed.append(number)
                changed_set.add(number)
            updates.append({"id": row[6], "tax_base": old[0], "other": old[1], "vat": old[2]})
        start = end
    for i in range(0, len(updates), 5000):
        conn.execute(sa.text("UPDATE invoice_line SET tax_base_cents = :tax_base, other_tax_base_cents = :other,"
                             " vat_cents = :vat WHERE id = :id"), updates[i:i + 5000])
    conn.execute(sa.text(
        "UPDATE invoice SET dpp_cents = dpp * 100, dpp_other_cents = dpp_other * 100, vat_cents = ppn * 100"
        f" WHERE {KEPT}"))
    return changed


def _say(changed):
    if not changed:
        return
    shown = ", ".join(changed[:LISTED]) + (f" and {len(changed) - LISTED} more" if len(changed) > LISTED else "")
    print(
        f"{len(changed)} invoice(s) were exported but not reported with figures that DJP's line-by-line amounts "
        f"change: {shown}. They keep the figures the tax office got; each one's page offers Recompute, which "
        "shows the old and new figures and sets it back to Not Exported.",
        file=sys.stderr,
    )


def upgrade():
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tax_base_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('other_tax_base_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('vat_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_invoice_line_discount_not_negative'), 'discount >= 0')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_branch_code', sa.String(length=6), server_default='000000', nullable=False))
        batch_op.add_column(sa.Column('dpp_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('dpp_other_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('vat_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('facility_add_info', sa.String(length=8), server_default='', nullable=False))
        batch_op.add_column(sa.Column('facility_stamp', sa.String(length=8), server_default='', nullable=False))
        batch_op.add_column(sa.Column('custom_doc', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('custom_doc_period', sa.String(length=6), server_default='', nullable=False))
    conn = op.get_bind()
    _new_figures(conn)
    changed = _keep_what_the_tax_office_got(conn)
    # Plain columns: dropped in place (SQLite 3.35+ can), so `invoice` is not rebuilt under its
    # references (a rebuild with foreign keys on could not drop the table its lines point to).
    _drop_columns('invoice_line', 'total')
    _drop_columns('invoice', 'ppn', 'dpp_other', 'dpp')
    _say(changed)


def _drop_columns(table, *columns):
    for column in columns:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpp', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('dpp_other', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('ppn', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total', sa.BigInteger(), server_default='0', nullable=False))
    conn = op.get_bind()
    # Whole rupiah again: totals half up, the PPN down (the old rules' own rounding).
    conn.execute(sa.text("UPDATE invoice SET dpp = (dpp_cents + 50) / 100, dpp_other = (dpp_other_cents + 50) / 100,"
                         " ppn = vat_cents / 100"))
    conn.execute(sa.text("UPDATE invoice_line SET total = CAST(ROUND(unit_price * quantity) AS BIGINT)"))
    _drop_columns('invoice', 'custom_doc_period', 'custom_doc', 'facility_stamp', 'facility_add_info', 'vat_cents',
                  'dpp_other_cents', 'dpp_cents', 'buyer_branch_code')
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invoice_line_discount_not_negative'), type_='check')
        batch_op.drop_column('vat_cents')
        batch_op.drop_column('other_tax_base_cents')
        batch_op.drop_column('tax_base_cents')
        batch_op.drop_column('discount')
