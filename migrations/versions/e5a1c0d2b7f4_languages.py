"""Languages: each user's interface language, the threshold e-mail's, the customer's e-Faktur e-mail's;
activity entries kept as a translatable message with its values.

Revision ID: e5a1c0d2b7f4
Revises: b14b51623c0e
Create Date: 2026-11-25 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c0d2b7f4'
down_revision = 'b14b51623c0e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_language', sa.String(length=2), server_default='id', nullable=False))
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_language', sa.String(length=2), server_default='id', nullable=False))
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('customer_language')
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('notification_language')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
