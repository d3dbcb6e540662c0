"""E-mail status Unknown: the mail server did not answer in time, so nobody can say whether the
customer's e-Faktur e-mail was delivered (Resend asks first). Files that an interrupted send
left Failed with "it may or may not have gone out" become Unknown.

Revision ID: 7e2c4b9d1a60
Revises: 5d1f7a3b9c2e
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op


revision = '7e2c4b9d1a60'
down_revision = '5d1f7a3b9c2e'
branch_labels = None
depends_on = None

INTERRUPTED_START = "The sending was interrupted"


def upgrade():
    with op.batch_alter_table('efaktur_file', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_efaktur_file_email_status'), type_='check')
        batch_op.create_check_constraint(
            'email_status', "email_status IN ('ready', 'sending', 'sent', 'failed', 'unknown')")
    op.execute("UPDATE efaktur_file SET email_status = 'unknown' "
               f"WHERE email_status = 'failed' AND email_error LIKE '{INTERRUPTED_START}%'")


def downgrade():
    op.execute("UPDATE efaktur_file SET email_status = 'failed' WHERE email_status = 'unknown'")
    with op.batch_alter_table('efaktur_file', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_efaktur_file_email_status'), type_='check')
        batch_op.create_check_constraint('email_status', "email_status IN ('ready', 'sending', 'sent', 'failed')")
