"""The Export tab shows which file each invoice last went out in; Log out ends one browser's session
(the ended logins are kept until no session that old can exist), Log out everywhere all of them.

Revision ID: ab5e7f9c1d43
Revises: 9c4d6e8f0a32
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from efaktur.types import UTCDateTime


revision = 'ab5e7f9c1d43'
down_revision = '9c4d6e8f0a32'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('invoice', sa.Column('exported_file', sa.String(length=120), nullable=True))
    op.create_table(
        'ended_session',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ended_session_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_ended_session')),
    )
    with op.batch_alter_table('ended_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_session_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ended_session_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('ended_session')
    op.execute("ALTER TABLE invoice DROP COLUMN exported_file")
