"""Lists that stay fast at a million invoices, second part: what the database keeps itself.

- invoice.holds_number, kept by triggers on number_assignment (the lists' filters and "Tick all" read it),
  and a partial index of the invoices Generate may number;
- the Invoices search's text index: SQLite FTS5 with trigrams (`invoice_search`, over `invoice`), PostgreSQL
  pg_trgm GIN indexes on the invoice number and the customer name;
- period_total: the Export tab's count, DPP and PPN per month and export status, kept by triggers on invoice;
- activity_entry.kind (the action's first part) with an index for the Kind filter.

The triggers' SQL is written out here as it was when this revision was made (the models register the same
statements for a fresh database: tests/test_kept.py checks that both end up alike).

Revision ID: e8b2c4d6f1a3
Revises: cd7a9b1e3f65
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'e8b2c4d6f1a3'
down_revision = 'cd7a9b1e3f65'
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE invoice_search USING fts5(number, customer_name, content='invoice', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER invoice_search_insert AFTER INSERT ON invoice BEGIN INSERT INTO invoice_search(rowid, number, customer_name) VALUES (new.id, new.number, new.customer_name); END',
    "CREATE TRIGGER invoice_search_delete AFTER DELETE ON invoice BEGIN INSERT INTO invoice_search(invoice_search, rowid, number, customer_name) VALUES ('delete', old.id, old.number, old.customer_name); END",
    "CREATE TRIGGER invoice_search_update AFTER UPDATE OF number, customer_name ON invoice BEGIN INSERT INTO invoice_search(invoice_search, rowid, number, customer_name) VALUES ('delete', old.id, old.number, old.customer_name); INSERT INTO invoice_search(rowid, number, customer_name) VALUES (new.id, new.number, new.customer_name); END",
    'CREATE TRIGGER number_assignment_held_insert AFTER INSERT ON number_assignment WHEN new.released_at IS NULL BEGIN UPDATE invoice SET holds_number = 1 WHERE id = new.invoice_id; END',
    'CREATE TRIGGER number_assignment_held_update AFTER UPDATE OF invoice_id, released_at ON number_assignment BEGIN UPDATE invoice SET holds_number = EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL) WHERE id IN (old.invoice_id, new.invoice_id); END',
    'CREATE TRIGGER number_assignment_held_delete AFTER DELETE ON number_assignment BEGIN UPDATE invoice SET holds_number = EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL) WHERE id = old.invoice_id; END',
    "CREATE TRIGGER invoice_period_insert AFTER INSERT ON invoice BEGIN INSERT INTO period_total (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) SELECT CAST(strftime('%Y%m', new.invoice_date) AS INTEGER), new.exported_at IS NOT NULL, 1, new.dpp_cents, (CASE WHEN new.transaction_code IN ('07', '08') THEN 0 ELSE new.vat_cents / 100 END), (CASE WHEN new.transaction_code IN ('07', '08') THEN new.vat_cents / 100 ELSE 0 END) WHERE new.tax_enabled AND new.status <> 'cancelled' ON CONFLICT (period, exported) DO UPDATE SET invoices = period_total.invoices + excluded.invoices, dpp_cents = period_total.dpp_cents + excluded.dpp_cents, ppn = period_total.ppn + excluded.ppn, ppn_not_charged = period_total.ppn_not_charged + excluded.ppn_not_charged; END",
    "CREATE TRIGGER invoice_period_delete AFTER DELETE ON invoice BEGIN UPDATE period_total SET invoices = invoices - 1, dpp_cents = dpp_cents - old.dpp_cents, ppn = ppn - (CASE WHEN old.transaction_code IN ('07', '08') THEN 0 ELSE old.vat_cents / 100 END), ppn_not_charged = ppn_not_charged - (CASE WHEN old.transaction_code IN ('07', '08') THEN old.vat_cents / 100 ELSE 0 END) WHERE period = CAST(strftime('%Y%m', old.invoice_date) AS INTEGER) AND exported = (old.exported_at IS NOT NULL) AND old.tax_enabled AND old.status <> 'cancelled'; END",
    "CREATE TRIGGER invoice_period_update AFTER UPDATE OF invoice_date, tax_enabled, status, transaction_code, dpp_cents, vat_cents, exported_at ON invoice BEGIN UPDATE period_total SET invoices = invoices - 1, dpp_cents = dpp_cents - old.dpp_cents, ppn = ppn - (CASE WHEN old.transaction_code IN ('07', '08') THEN 0 ELSE old.vat_cents / 100 END), ppn_not_charged = ppn_not_charged - (CASE WHEN old.transaction_code IN ('07', '08') THEN old.vat_cents / 100 ELSE 0 END) WHERE period = CAST(strftime('%Y%m', old.invoice_date) AS INTEGER) AND exported = (old.exported_at IS NOT NULL) AND old.tax_enabled AND old.status <> 'cancelled'; INSERT INTO period_total (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) SELECT CAST(strftime('%Y%m', new.invoice_date) AS INTEGER), new.exported_at IS NOT NULL, 1, new.dpp_cents, (CASE WHEN new.transaction_code IN ('07', '08') THEN 0 ELSE new.vat_cents / 100 END), (CASE WHEN new.transaction_code IN ('07', '08') THEN new.vat_cents / 100 ELSE 0 END) WHERE new.tax_enabled AND new.status <> 'cancelled' ON CONFLICT (period, exported) DO UPDATE SET invoices = period_total.invoices + excluded.invoices, dpp_cents = period_total.dpp_cents + excluded.dpp_cents, ppn = period_total.ppn + excluded.ppn, ppn_not_charged = period_total.ppn_not_charged + excluded.ppn_not_charged; END",
]
POSTGRESQL = [
    "DO $$\nDECLARE schema_name text;\nBEGIN\n  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;\n  SELECT quote_ident(nspname) INTO schema_name FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace\n   WHERE extname = 'pg_trgm';\n  EXECUTE 'CREATE INDEX ix_invoice_number_trgm ON invoice USING gin (number ' || schema_name || '.gin_trgm_ops)';\n  EXECUTE 'CREATE INDEX ix_invoice_customer_name_trgm ON invoice USING gin (customer_name ' || schema_name\n          || '.gin_trgm_ops)';\nEND $$",
    "CREATE FUNCTION number_assignment_held() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    UPDATE invoice SET holds_number = true\n     WHERE id IN (SELECT invoice_id FROM changed_new WHERE released_at IS NULL) AND NOT holds_number;\n  ELSIF TG_OP = 'UPDATE' THEN\n    UPDATE invoice SET holds_number = EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL)\n     WHERE id IN (SELECT invoice_id FROM changed_old UNION SELECT invoice_id FROM changed_new)\n       AND holds_number IS DISTINCT FROM EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL);\n  ELSE\n    UPDATE invoice SET holds_number = EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL)\n     WHERE id IN (SELECT invoice_id FROM changed_old) AND holds_number IS DISTINCT FROM EXISTS (SELECT 1 FROM number_assignment a WHERE a.invoice_id = invoice.id AND a.released_at IS NULL);\n  END IF;\n  RETURN NULL;\nEND $$",
    'CREATE TRIGGER number_assignment_held_insert AFTER INSERT ON number_assignment REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION number_assignment_held()',
    'CREATE TRIGGER number_assignment_held_update AFTER UPDATE ON number_assignment REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION number_assignment_held()',
    'CREATE TRIGGER number_assignment_held_delete AFTER DELETE ON number_assignment REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION number_assignment_held()',
    "CREATE FUNCTION invoice_period_totals() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    INSERT INTO period_total AS period_total (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) SELECT period, exported, sum(invoices), sum(dpp_cents), sum(ppn), sum(ppn_not_charged) FROM (SELECT (extract(year FROM n.invoice_date) * 100 + extract(month FROM n.invoice_date))::int, n.exported_at IS NOT NULL, 1, n.dpp_cents, (CASE WHEN n.transaction_code IN ('07', '08') THEN 0 ELSE n.vat_cents / 100 END), (CASE WHEN n.transaction_code IN ('07', '08') THEN n.vat_cents / 100 ELSE 0 END) FROM changed_new n WHERE n.tax_enabled AND n.status <> 'cancelled') AS d (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) GROUP BY period, exported ORDER BY period, exported ON CONFLICT (period, exported) DO UPDATE SET invoices = period_total.invoices + excluded.invoices, dpp_cents = period_total.dpp_cents + excluded.dpp_cents, ppn = period_total.ppn + excluded.ppn, ppn_not_charged = period_total.ppn_not_charged + excluded.ppn_not_charged;\n  ELSIF TG_OP = 'UPDATE' THEN\n    INSERT INTO period_total AS period_total (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) SELECT period, exported, sum(invoices), sum(dpp_cents), sum(ppn), sum(ppn_not_charged) FROM (SELECT (extract(year FROM n.invoice_date) * 100 + extract(month FROM n.invoice_date))::int, n.exported_at IS NOT NULL, 1, n.dpp_cents, (CASE WHEN n.transaction_code IN ('07', '08') THEN 0 ELSE n.vat_cents / 100 END), (CASE WHEN n.transaction_code IN ('07', '08') THEN n.vat_cents / 100 ELSE 0 END) FROM changed_old o JOIN changed_new n ON n.id = o.id WHERE n.tax_enabled AND n.status <> 'cancelled' AND (o.invoice_date IS DISTINCT FROM n.invoice_date OR o.tax_enabled IS DISTINCT FROM n.tax_enabled OR o.status IS DISTINCT FROM n.status OR o.transaction_code IS DISTINCT FROM n.transaction_code OR o.dpp_cents IS DISTINCT FROM n.dpp_cents OR o.vat_cents IS DISTINCT FROM n.vat_cents OR o.exported_at IS DISTINCT FROM n.exported_at) UNION ALL SELECT (extract(year FROM o.invoice_date) * 100 + extract(month FROM o.invoice_date))::int, o.exported_at IS NOT NULL, -1, -o.dpp_cents, -(CASE WHEN o.transaction_code IN ('07', '08') THEN 0 ELSE o.vat_cents / 100 END), -(CASE WHEN o.transaction_code IN ('07', '08') THEN o.vat_cents / 100 ELSE 0 END) FROM changed_old o JOIN changed_new n ON n.id = o.id WHERE o.tax_enabled AND o.status <> 'cancelled' AND (o.invoice_date IS DISTINCT FROM n.invoice_date OR o.tax_enabled IS DISTINCT FROM n.tax_enabled OR o.status IS DISTINCT FROM n.status OR o.transaction_code IS DISTINCT FROM n.transaction_code OR o.dpp_cents IS DISTINCT FROM n.dpp_cents OR o.vat_cents IS DISTINCT FROM n.vat_cents OR o.exported_at IS DISTINCT FROM n.exported_at)) AS d (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) GROUP BY period, exported ORDER BY period, exported ON CONFLICT (period, exported) DO UPDATE SET invoices = period_total.invoices + excluded.invoices, dpp_cents = period_total.dpp_cents + excluded.dpp_cents, ppn = period_total.ppn + excluded.ppn, ppn_not_charged = period_total.ppn_not_charged + excluded.ppn_not_charged;\n  ELSE\n    UPDATE period_total SET invoices = period_total.invoices + d.invoices, dpp_cents = period_total.dpp_cents + d.dpp_cents,\n           ppn = period_total.ppn + d.ppn, ppn_not_charged = period_total.ppn_not_charged + d.ppn_not_charged\n      FROM (SELECT period, exported, sum(invoices), sum(dpp_cents), sum(ppn), sum(ppn_not_charged) FROM (SELECT (extract(year FROM o.invoice_date) * 100 + extract(month FROM o.invoice_date))::int, o.exported_at IS NOT NULL, -1, -o.dpp_cents, -(CASE WHEN o.transaction_code IN ('07', '08') THEN 0 ELSE o.vat_cents / 100 END), -(CASE WHEN o.transaction_code IN ('07', '08') THEN o.vat_cents / 100 ELSE 0 END) FROM changed_old o WHERE o.tax_enabled AND o.status <> 'cancelled') AS d (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) GROUP BY period, exported ORDER BY period, exported) AS d (period, exported, invoices, dpp_cents, ppn, ppn_not_charged)\n     WHERE period_total.period = d.period AND period_total.exported = d.exported;\n  END IF;\n  RETURN NULL;\nEND $$",
    'CREATE TRIGGER invoice_period_insert AFTER INSERT ON invoice REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()',
    'CREATE TRIGGER invoice_period_update AFTER UPDATE ON invoice REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()',
    'CREATE TRIGGER invoice_period_delete AFTER DELETE ON invoice REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION invoice_period_totals()',
]

NUMBERABLE = ("tax_enabled IS {true} AND status != 'cancelled' AND holds_number IS {false} AND transaction_code != '10' "
              "AND coalesce(coretax_number, '') = ''")


def upgrade():
    connection = op.get_bind()
    postgresql = connection.dialect.name == 'postgresql'
    true, false = ('true', 'false') if postgresql else ('1', '0')
    op.add_column('invoice', sa.Column('holds_number', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(f"UPDATE invoice SET holds_number = {true} WHERE EXISTS (SELECT 1 FROM number_assignment a "
               "WHERE a.invoice_id = invoice.id AND a.released_at IS NULL)")
    op.create_index('ix_invoice_numberable', 'invoice', ['status', 'invoice_date', 'id', 'tax_enabled', 'holds_number',
                                                       'transaction_code', 'coretax_number'], unique=False,
                    sqlite_where=sa.text(NUMBERABLE.format(true=true, false=false)),
                    postgresql_where=sa.text(NUMBERABLE.format(true=true, false=false)))

    op.add_column('activity_entry', sa.Column('kind', sa.String(length=40), server_default='', nullable=False))
    if postgresql:
        op.execute("UPDATE activity_entry SET kind = split_part(action, '.', 1)")
    else:
        op.execute("UPDATE activity_entry SET kind = CASE WHEN instr(action, '.') > 0 "
                   "THEN substr(action, 1, instr(action, '.') - 1) ELSE action END")
    op.create_index('ix_activity_entry_kind_at', 'activity_entry', ['kind', 'at', 'id'], unique=False)

    op.create_table(
        'period_total',
        sa.Column('period', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('exported', sa.Boolean(), nullable=False),
        sa.Column('invoices', sa.BigInteger(), nullable=False),
        sa.Column('dpp_cents', sa.BigInteger(), nullable=False),
        sa.Column('ppn', sa.BigInteger(), nullable=False),
        sa.Column('ppn_not_charged', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'exported', name=op.f('pk_period_total')),
    )
    period = ("(extract(year FROM invoice_date) * 100 + extract(month FROM invoice_date))::int" if postgresql
              else "CAST(strftime('%Y%m', invoice_date) AS INTEGER)")
    op.execute(
        "INSERT INTO period_total (period, exported, invoices, dpp_cents, ppn, ppn_not_charged) "
        f"SELECT {period}, exported_at IS NOT NULL, count(*), coalesce(sum(dpp_cents), 0), "
        "coalesce(sum(CASE WHEN transaction_code IN ('07', '08') THEN 0 ELSE vat_cents / 100 END), 0), "
        "coalesce(sum(CASE WHEN transaction_code IN ('07', '08') THEN vat_cents / 100 ELSE 0 END), 0) "
        f"FROM invoice WHERE tax_enabled AND status <> 'cancelled' GROUP BY {period}, exported_at IS NOT NULL"
    )

    for statement in (POSTGRESQL if postgresql else SQLITE):
        connection.exec_driver_sql(statement)
    if not postgresql:
        connection.exec_driver_sql("INSERT INTO invoice_search(invoice_search) VALUES ('rebuild')")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        for trigger, table in (('number_assignment_held_insert', 'number_assignment'),
                               ('number_assignment_held_update', 'number_assignment'),
                               ('number_assignment_held_delete', 'number_assignment'),
                               ('invoice_period_insert', 'invoice'), ('invoice_period_update', 'invoice'),
                               ('invoice_period_delete', 'invoice')):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS number_assignment_held()")
        op.execute("DROP FUNCTION IF EXISTS invoice_period_totals()")
        op.execute("DROP INDEX IF EXISTS ix_invoice_number_trgm")
        op.execute("DROP INDEX IF EXISTS ix_invoice_customer_name_trgm")
    else:
        for trigger in ('number_assignment_held_insert', 'number_assignment_held_update',
                        'number_assignment_held_delete', 'invoice_period_insert', 'invoice_period_update',
                        'invoice_period_delete', 'invoice_search_insert', 'invoice_search_delete',
                        'invoice_search_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS invoice_search")
    op.drop_table('period_total')
    op.drop_index('ix_activity_entry_kind_at', table_name='activity_entry')
    op.execute("ALTER TABLE activity_entry DROP COLUMN kind")
    op.drop_index('ix_invoice_numberable', table_name='invoice')
    op.execute("ALTER TABLE invoice DROP COLUMN holds_number")
