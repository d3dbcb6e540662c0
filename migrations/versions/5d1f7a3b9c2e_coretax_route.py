"""The Coretax route: each invoice's Coretax state and its number history; the company's route
(desktop ranges, Coretax, or both).

Revision ID: 5d1f7a3b9c2e
Revises: 0b8e6d2c4a91
Create Date: 2026-12-01 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import efaktur.types


revision = '5d1f7a3b9c2e'
down_revision = '0b8e6d2c4a91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coretax_status', sa.String(length=24), nullable=True))
        batch_op.create_index(batch_op.f('ix_invoice_coretax_status'), ['coretax_status'], unique=False)
    # An invoice holding a Coretax number already: DJP approved it (that is how it got one).
    op.execute("UPDATE invoice SET coretax_status = 'approved' WHERE coretax_number IS NOT NULL")
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=10), server_default='both', nullable=False))
    op.create_table(
        'coretax_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('at', efaktur.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('number', sa.String(length=17), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_coretax_event_invoice_id_invoice'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coretax_event')),
    )
    with op.batch_alter_table('coretax_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coretax_event_invoice_id'), ['invoice_id'], unique=False)
    op.create_table(
        'coretax_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', efaktur.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('recorded', sa.Integer(), nullable=False),
        sa.Column('replaced', sa.Integer(), nullable=False),
        sa.Column('cancelled', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('not_applied', sa.Integer(), nullable=False),
        sa.Column('outcomes', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coretax_import')),
    )
    with op.batch_alter_table('coretax_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coretax_import_sha256'), ['sha256'], unique=False)


def downgrade():
    op.drop_table('coretax_import')
    op.drop_table('coretax_event')
    op.execute("ALTER TABLE company_settings DROP COLUMN route")
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_coretax_status'))
    op.execute("ALTER TABLE invoice DROP COLUMN coretax_status")
