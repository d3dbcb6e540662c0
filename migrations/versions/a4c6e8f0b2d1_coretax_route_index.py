"""Lists that stay fast at a million invoices, third part: the E-Faktur No page's Coretax counts read a partial
index of the invoices of the Coretax route (Invoice Tax on, no range number), not the year's invoices.

Revision ID: a4c6e8f0b2d1
Revises: e8b2c4d6f1a3
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c6e8f0b2d1'
down_revision = 'e8b2c4d6f1a3'
branch_labels = None
depends_on = None


def upgrade():
    true, false = ('true', 'false') if op.get_bind().dialect.name == 'postgresql' else ('1', '0')
    where = sa.text(f"tax_enabled IS {true} AND holds_number IS {false}")
    op.create_index('ix_invoice_coretax_route', 'invoice',
                    ['invoice_date', 'coretax_status', 'status', 'exported_at', 'coretax_number', 'tax_enabled',
                     'holds_number'], unique=False,
                    sqlite_where=where, postgresql_where=where)


def downgrade():
    op.drop_index('ix_invoice_coretax_route', table_name='invoice')
