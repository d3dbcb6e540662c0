"""Lists that stay fast at a million invoices: the E-Faktur No's digits stored back to front (searching its
end is an index lookup), and indexes that match the Invoices status filter and the Activity Who filter.

Revision ID: cd7a9b1e3f65
Revises: bc6f8a0d2e54
Create Date: 2026-12-01 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from efaktur.rules.nsfp import nsfp_end_key


revision = 'cd7a9b1e3f65'
down_revision = 'bc6f8a0d2e54'
branch_labels = None
depends_on = None

BATCH = 10_000


def upgrade():
    op.add_column('number_assignment', sa.Column('number_end', sa.String(length=13), server_default='', nullable=False))
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        op.execute("UPDATE number_assignment SET number_end = reverse(lpad(number::text, 13, '0'))")
    else:  # SQLite has no reverse(): the key is made in Python, a batch at a time
        last = 0
        while True:
            rows = connection.execute(sa.text("SELECT id, number FROM number_assignment WHERE id > :last ORDER BY id "
                                              "LIMIT :batch"), {"last": last, "batch": BATCH}).all()
            if not rows:
                break
            connection.execute(sa.text("UPDATE number_assignment SET number_end = :end WHERE id = :id"),
                               [{"end": nsfp_end_key(number), "id": row_id} for row_id, number in rows])
            last = rows[-1][0]
    op.create_index('ix_number_assignment_live_end', 'number_assignment', ['number_end'], unique=False,
                    sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))
    op.create_index('ix_invoice_status_date_id', 'invoice', ['status', 'invoice_date', 'id'], unique=False)
    op.create_index('ix_activity_entry_actor_at', 'activity_entry', ['actor', 'at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_activity_entry_actor_at', table_name='activity_entry')
    op.drop_index('ix_invoice_status_date_id', table_name='invoice')
    op.drop_index('ix_number_assignment_live_end', table_name='number_assignment')
    op.execute("ALTER TABLE number_assignment DROP COLUMN number_end")
