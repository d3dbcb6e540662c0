"""Customers: the buyers kept once and chosen on New Invoice; an invoice says which customer it
was made from. The buyers of the invoices already in the app become the first customers (one per
name whatever its letter case, with the details of its latest invoice), so the list is not empty
after the upgrade. The invoices' NPWP gets an index: "this NPWP is on invoices under another name".

Revision ID: 8a3c5e7f9b21
Revises: 7e2c4b9d1a60
Create Date: 2026-12-01 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from efaktur.types import UTCDateTime


revision = '8a3c5e7f9b21'
down_revision = '7e2c4b9d1a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'customer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('npwp_name', sa.String(length=200), server_default='', nullable=False),
        sa.Column('buyer_document', sa.String(length=10), server_default='tin', nullable=False),
        sa.Column('npwp', sa.String(length=16), server_default='', nullable=False),
        sa.Column('npwp16', sa.String(length=16), server_default='', nullable=False),
        sa.Column('buyer_document_number', sa.String(length=40), server_default='', nullable=False),
        sa.Column('buyer_country', sa.String(length=3), server_default='IDN', nullable=False),
        sa.Column('buyer_branch_code', sa.String(length=6), server_default='000000', nullable=False),
        sa.Column('address', sa.Text(), server_default='', nullable=False),
        sa.Column('email', sa.String(length=254), server_default='', nullable=False),
        sa.Column('email_language', sa.String(length=2), server_default='id', nullable=False),
        sa.Column('revision', sa.Integer(), server_default='0', nullable=False),
        sa.Column('edited_by', sa.String(length=254), nullable=True),
        sa.Column('edited_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("buyer_document IN ('tin', 'nik', 'passport', 'other')",
                           name=op.f('ck_customer_buyer_document')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_npwp16'), ['npwp16'], unique=False)
    op.create_index('uq_customer_name_lower', 'customer', [sa.text('lower(name)')], unique=True)
    # Added in place (no foreign key, see Invoice.customer_id): SQLite must not rebuild `invoice`, whose
    # DROP would cascade into its lines.
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_invoice_customer_id'), 'invoice', ['customer_id'], unique=False)
    op.create_index('ix_invoice_npwp', 'invoice', ['npwp'], unique=False)
    op.execute(
        "INSERT INTO customer (name, npwp_name, buyer_document, npwp, npwp16, buyer_document_number, buyer_country,"
        " buyer_branch_code, address, email, email_language, revision, created_at)"
        " SELECT customer_name, npwp_name, buyer_document, npwp,"
        " CASE WHEN length(npwp) = 15 THEN '0' || npwp ELSE npwp END,"
        " buyer_document_number, buyer_country, buyer_branch_code, address, customer_email, customer_language, 0,"
        " created_at FROM invoice WHERE id IN (SELECT max(id) FROM invoice GROUP BY lower(customer_name))"
    )
    op.execute("UPDATE invoice SET customer_id = (SELECT customer.id FROM customer"
               " WHERE lower(customer.name) = lower(invoice.customer_name))")


def downgrade():
    op.drop_index('ix_invoice_npwp', table_name='invoice')
    op.drop_index(op.f('ix_invoice_customer_id'), table_name='invoice')
    op.execute("ALTER TABLE invoice DROP COLUMN customer_id")
    op.drop_index('uq_customer_name_lower', table_name='customer')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_npwp16'))
    op.drop_table('customer')
