"""One numbering rule and one Generate: "which invoices Generate may number" is defined once
(efaktur/invoices/numbering.py) and every place asks it; the ledger writes the same rows on
SQLite and PostgreSQL; the page and the API generate through one service."""
import json
import re

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.numbering import CLAUSES, is_numberable, numberable_conditions
from efaktur.numbers.models import NumberAssignment
from efaktur.rules.ids import compact_ids
from tests.conftest import HTMX, add_range, generate, make_invoice


def held(app):
    with app.app_context():
        return set(db.session.scalars(db.select(NumberAssignment.invoice_id).where(NumberAssignment.released_at.is_(None))))


def test_generate_writes_each_activity_entry_with_its_message_and_values_on_both_databases(app, admin_client):
    """The PostgreSQL path used to drop `message` and `params`: its entries then read in English only."""
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    ids = [make_invoice(app, number=f"INV-A{i}") for i in range(3)]
    response = admin_client.post("/invoices/generate", data={"invoice_ids": ",".join(map(str, ids))}, headers=HTMX)
    assert response.status_code == 200
    with app.app_context():
        entries = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "number.assigned")
                                     .order_by(ActivityEntry.id)).all()
        rows = [(e.subject, e.message, json.loads(e.params), e.summary, e.actor, e.user_id is not None) for e in entries]
    assert rows == [
        (f"invoice:{ids[i]}", "Assigned %(no)s to invoice %(invoice)s.",
         {"no": f"010.000-26.0000000{i + 1}", "invoice": f"INV-A{i}"},
         f"Assigned 010.000-26.0000000{i + 1} to invoice INV-A{i}.", "admin@example.com", True)
        for i in range(3)
    ]
    # An Indonesian reader sees the entry in Indonesian (it is kept as the catalogue's message).
    admin_client.post("/language", data={"language": "id"})
    page = admin_client.get("/activity/").get_data(as_text=True)
    assert "Assigned 010.000-26.00000001" not in page
    assert "010.000-26.00000001" in page and "INV-A0" in page


def test_one_invoice_generate_cannot_number_is_never_ticked_counted_or_sent(app, admin_client):
    """31 invoices of June, one of them code 10 (Coretax only): 30 tick boxes, "Tick all 30", 30 numbered."""
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    june = [make_invoice(app, invoice_date="2026-06-03", number=f"INV-R{i:02d}") for i in range(30)]
    coretax_only = make_invoice(app, invoice_date="2026-06-03", number="INV-CT10", code="10")
    page = admin_client.get("/invoices/?month=2026-06&per_page=25").get_data(as_text=True)
    assert "Tick all 30 matching invoices without E-Faktur No" in page
    assert f'value="{coretax_only}"' not in page or 'name="invoice_ids" value="%s"' % coretax_only not in page
    everything = admin_client.get("/invoices/?month=2026-06&per_page=50").get_data(as_text=True)
    ticks = re.findall(r'name="invoice_ids" value="(\d+)"', everything)
    assert len(ticks) == 30 and str(coretax_only) not in ticks

    confirm = admin_client.post("/invoices/generate/confirm", headers=HTMX, data={"scope": "matching", "month": "2026-06"})
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Generate E-Faktur No for 30 invoices?" in body
    assert "30 numbers from 2026: 100 available, <strong>70</strong> left afterwards." in body
    ids = re.search(r'name="invoice_ids" value="([\d,-]+)"', body).group(1)
    done = admin_client.post("/invoices/generate", data={"invoice_ids": ids}, headers=HTMX)
    assert done.status_code == 200 and "30 E-Faktur numbers generated" in done.get_data(as_text=True)
    assert held(app) == set(june)


def test_the_export_tab_and_the_invoices_page_ask_the_same_question(app, admin_client):
    """One plan for both confirmations: the same invoices, years and what is left, from either place."""
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    waiting = [make_invoice(app, invoice_date="2026-06-05") for _ in range(2)]
    make_invoice(app, invoice_date="2026-06-05", code="10")
    numbered = make_invoice(app, invoice_date="2026-06-05")
    generate(app, [numbered])
    from_invoices = admin_client.post("/invoices/generate/confirm", headers=HTMX,
                                      data={"scope": "matching", "month": "2026-06"}).get_data(as_text=True)
    from_export = admin_client.post("/export/generate/confirm", headers=HTMX,
                                    data={"scope": "period", "period": "2026-06"}).get_data(as_text=True)
    for body in (from_invoices, from_export):
        assert f'name="invoice_ids" value="{compact_ids(waiting)}"' in body
        assert "2 numbers from 2026: 9 available, <strong>7</strong> left afterwards." in body
    assert "2 of the selected invoices already hold a number (or take none)" in from_export


def test_the_rule_as_sql_and_as_a_predicate_agree_on_every_kind_of_invoice(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    kinds = {
        "plain": make_invoice(app), "tax off": make_invoice(app, tax=False),
        "cancelled": make_invoice(app, status="cancelled"), "code 10": make_invoice(app, code="10"),
        "numbered": make_invoice(app), "code 07": make_invoice(app, code="07"),
    }
    generate(app, [kinds["numbered"]])
    with app.app_context():
        db.session.execute(db.update(Invoice).where(Invoice.id == kinds["code 07"]).values(coretax_number="04002600000000001"))
        db.session.commit()
        by_sql = set(db.session.scalars(db.select(Invoice.id).where(*numberable_conditions())))
        holding = held(app)
        by_predicate = {i.id for i in db.session.scalars(db.select(Invoice)) if is_numberable(i, i.id in holding)}
    assert by_sql == by_predicate == {kinds["plain"]}
    assert len(CLAUSES) == 5


def test_the_api_generates_through_the_same_service_with_the_same_refusal(app):
    from tests.test_api import make_token

    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    headers, _ = make_token(app)
    client = app.test_client()
    fine, coretax_only = make_invoice(app), make_invoice(app, number="INV-T10", code="10")
    refused = client.post("/api/v1/efaktur-numbers", json={"invoice_ids": [fine, coretax_only]}, headers=headers)
    assert refused.status_code == 409
    assert "1 have transaction code 10" in refused.get_json()["error"]["message"] and "INV-T10" in refused.get_json()["error"]["message"]
    assert held(app) == set()
    done = client.post("/api/v1/efaktur-numbers", json={"invoice_ids": [fine]}, headers=headers)
    assert done.status_code == 201 and done.get_json()["issued"][0]["efaktur_no"] == "010.000-26.00000001"
