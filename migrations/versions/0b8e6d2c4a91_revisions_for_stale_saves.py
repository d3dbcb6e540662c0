"""Revisions for stale saves: who last saved an invoice, a range or the settings, and when; ranges and
settings count their saves (invoices already did), so a form opened before another save is refused.
And the last request that reached the app around its reverse proxy.

Revision ID: 0b8e6d2c4a91
Revises: f7c3a9d1e2b4
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import efaktur.types


revision = '0b8e6d2c4a91'
down_revision = 'f7c3a9d1e2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('edited_at', efaktur.types.UTCDateTime(timezone=True), nullable=True))
    for table in ('number_range', 'company_settings'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
            batch_op.add_column(sa.Column('edited_by', sa.String(length=254), nullable=True))
            batch_op.add_column(sa.Column('edited_at', efaktur.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'proxy_bypass',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('at', efaktur.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_bypass')),
    )


def downgrade():
    op.drop_table('proxy_bypass')
    for table in ('company_settings', 'number_range', 'invoice'):
        for column in ('edited_at', 'edited_by') + (('revision',) if table != 'invoice' else ()):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
