"""Billing Settings: the sender name and address and the Reply-To of the e-mails (empty: the mail
server's MAIL_DEFAULT_SENDER, as before), and how often the threshold e-mail may go out (after each
Generate, as before, or at most once a day).

Revision ID: 9c4d6e8f0a32
Revises: 8a3c5e7f9b21
Create Date: 2026-12-01 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '9c4d6e8f0a32'
down_revision = '8a3c5e7f9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_frequency', sa.String(length=10), server_default='each', nullable=False))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sender_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), server_default='', nullable=False))
        batch_op.create_check_constraint('alert_frequency', "alert_frequency IN ('each', 'daily')")


def downgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_company_settings_alert_frequency'), type_='check')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('sender_email')
        batch_op.drop_column('sender_name')
        batch_op.drop_column('alert_frequency')
