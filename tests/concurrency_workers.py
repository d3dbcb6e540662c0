"""Worker processes for the concurrency tests: each builds its own app and engine."""
import os
import random
import tempfile
import traceback

os.environ.setdefault("EFAKTUR_INSTANCE_PATH", tempfile.mkdtemp(prefix="efaktur-worker-"))


def ledger_worker(database_uri, seed, invoice_ids, rounds, start_event, results):
    from efaktur import create_app
    from efaktur.invoices.services import InvoiceRefused, change_status
    from efaktur.numbers.ledger import LedgerRefused, cancel_number, generate_numbers
    from tests.conftest import base_config

    outcome = {"generated": 0, "refused": 0, "cancelled": 0, "errors": []}
    rng = random.Random(seed)
    app = create_app(base_config(database_uri, tempfile.mkdtemp()))
    with app.test_request_context():
        start_event.wait(30)
        for _ in range(rounds):
            try:
                if rng.random() < 0.8:
                    batch = rng.sample(invoice_ids, k=rng.randint(1, 4))
                    outcome["generated"] += len(generate_numbers(batch))
                else:
                    invoice_id = rng.choice(invoice_ids)
                    try:
                        change_status(invoice_id, "cancelled")
                    except InvoiceRefused:
                        pass
                    cancel_number(invoice_id)
                    outcome["cancelled"] += 1
            except LedgerRefused:
                outcome["refused"] += 1
            except Exception:  # anything else is a defect: "database is locked", a duplicate, ...
                outcome["errors"].append(traceback.format_exc(limit=3))
        from efaktur.extensions import db

        db.engine.dispose()
    results.put(outcome)
