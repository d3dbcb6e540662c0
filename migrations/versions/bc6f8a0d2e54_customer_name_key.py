"""A customer's name is compared by a key made in Python (every letter case, every Unicode spelling):
SQLite's lower() knows only A-Z, so "Ĥ" and "ĥ" were two customers there and one on PostgreSQL.

Revision ID: bc6f8a0d2e54
Revises: ab5e7f9c1d43
Create Date: 2026-12-01 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from efaktur.rules.identity import name_key


revision = 'bc6f8a0d2e54'
down_revision = 'ab5e7f9c1d43'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('customer', sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))
    connection = op.get_bind()
    seen = set()
    for customer_id, name in connection.execute(sa.text("SELECT id, name FROM customer ORDER BY id")):
        key = name_key(name)
        if key in seen:  # kept twice under SQLite's lower(): the later one stays findable by its number
            key = f"{key} #{customer_id}"
        seen.add(key)
        connection.execute(sa.text("UPDATE customer SET name_key = :key WHERE id = :id"),
                           {"key": key, "id": customer_id})
    op.drop_index('uq_customer_name_lower', table_name='customer')
    op.create_index('uq_customer_name_key', 'customer', ['name_key'], unique=True)


def downgrade():
    op.drop_index('uq_customer_name_key', table_name='customer')
    op.create_index('uq_customer_name_lower', 'customer', [sa.text('lower(name)')], unique=True)
    op.execute("ALTER TABLE customer DROP COLUMN name_key")
