"""The Invoices page for daily use: the threshold warning, the E-Faktur No filter, page sizes, amounts,
NPWPs as people write them, searching the end of an E-Faktur No, "tick all matching" across pages with
Generate for all of them, the confirmation's years and what remains, and the rows just numbered."""
import json
import re

from efaktur.extensions import db
from efaktur.numbers.models import NumberAssignment
from efaktur.rules.identity import format_npwp
from efaktur.rules.ids import parse_ids
from tests.conftest import HTMX, add_range, generate, make_invoice, set_threshold


def table(response) -> str:
    return response.get_data(as_text=True).split('id="invoice-table"')[1].split("</table>")[0]


def rows(response) -> list[str]:
    return re.findall(r'<tr id="invoice-(\d+)"', table(response))


def test_npwps_are_shown_as_djp_writes_them_since_2024():
    assert format_npwp("012345678901000") == "0012 3456 7890 1000"  # one taxpayer, one look, 15 digits or 16
    assert format_npwp("0012345678901000") == "0012 3456 7890 1000"
    assert format_npwp("") == "" and format_npwp("12") == "12"


def test_the_detail_shows_the_npwp_formatted(app, admin_client):
    invoice = make_invoice(app, npwp="012345678901000")
    assert "0012 3456 7890 1000" in admin_client.get(f"/invoices/{invoice}").get_data(as_text=True)


def test_the_e_faktur_no_filter_and_the_amounts(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    numbered = make_invoice(app, number="INV-NUM")
    waiting = make_invoice(app, number="INV-WAIT")
    make_invoice(app, number="INV-NOTAX", tax=False)
    generate(app, [numbered])
    assert rows(admin_client.get("/invoices/?efaktur=not_set")) == [str(waiting)]
    assert rows(admin_client.get("/invoices/?efaktur=set")) == [str(numbered)]
    assert len(rows(admin_client.get("/invoices/?efaktur=bogus"))) == 3  # an unknown choice filters nothing
    cells = table(admin_client.get("/invoices/?q=INV-NUM"))
    # 1,000,000 DPP at 12% (code 01): 120,000 PPN; 1,120,000 in all.
    assert ">1,000,000.00</td>" in cells and ">120,000</td>" in cells and ">1,120,000.00</td>" in cells
    assert "DPP (Rp)" in cells and "PPN (Rp)" in cells and "Total (Rp)" in cells


def test_page_sizes(app, admin_client):
    for i in range(60):
        make_invoice(app, number=f"INV-P{i:03d}")
    assert len(rows(admin_client.get("/invoices/"))) == 25
    assert len(rows(admin_client.get("/invoices/?per_page=50"))) == 50
    assert len(rows(admin_client.get("/invoices/?per_page=100"))) == 60
    for junk in ("7", "-1", "100000", "x"):
        response = admin_client.get(f"/invoices/?per_page={junk}")
        assert response.status_code == 200 and len(rows(response)) == 25
    # The pager keeps the page size.
    assert "per_page=50" in admin_client.get("/invoices/?per_page=50").get_data(as_text=True).split('class="pager"')[1]


def test_the_end_of_an_e_faktur_no_finds_its_invoice(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, number=f"INV-S{i}") for i in range(1, 16)]
    generate(app, ids)
    for typed in ("00000005", "26.00000005", "000-26.00000005", "010.000-26.00000005"):
        assert rows(admin_client.get("/invoices/", query_string={"q": typed})) == [str(ids[4])], typed
    assert set(rows(admin_client.get("/invoices/", query_string={"q": "015"}))) == {str(ids[14])}
    assert rows(admin_client.get("/invoices/", query_string={"q": "00000099"})) == []


def test_the_invoices_page_warns_at_the_threshold_in_the_emails_words(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 2, active=True)
    assert 'id="threshold-warning"' not in admin_client.get("/invoices/").get_data(as_text=True)
    generate(app, [make_invoice(app) for _ in range(3)])
    body = admin_client.get("/invoices/").get_data(as_text=True)
    assert ("Available number reached threshold limit: 2 E-Faktur numbers left for 2026, at or below the "
            "Threshold Limit of 2. Request new numbers from the tax office (e-Nofa) in time") in body
    set_threshold(app, 2, active=False)
    assert 'id="threshold-warning"' not in admin_client.get("/invoices/").get_data(as_text=True)


def test_the_confirmation_says_which_years_and_what_remains(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    ids = [make_invoice(app, invoice_date="2026-06-01") for _ in range(3)] + [make_invoice(app, invoice_date="2027-01-04")]
    body = admin_client.post("/invoices/generate/confirm", data={"invoice_ids": ids}, headers=HTMX).get_data(as_text=True)
    assert "3 numbers from 2026: 10 available, <strong>7</strong> left afterwards." in body
    assert "1 invoice is dated 2027, but only 0 numbers are available for 2027: add a range for 2027 first" in body


def test_tick_all_matching_across_pages_and_generate_them_in_one_go(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    june = [make_invoice(app, invoice_date="2026-06-01", number=f"INV-J{i:02d}") for i in range(30)]
    make_invoice(app, invoice_date="2026-05-01", number="INV-MAY")  # outside the filter
    make_invoice(app, invoice_date="2026-06-02", number="INV-NT", tax=False)  # cannot be numbered
    cancelled = make_invoice(app, invoice_date="2026-06-02", number="INV-CX", status="cancelled")
    generate(app, [june[0]])  # has one already
    page = admin_client.get("/invoices/?month=2026-06").get_data(as_text=True)
    assert "Tick all 29 matching invoices without E-Faktur No" in page

    confirm = admin_client.post("/invoices/generate/confirm", headers=HTMX, data={
        "scope": "matching", "month": "2026-06", "status": "", "q": "", "efaktur": "", "invoice_ids": [june[1]]})
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Generate E-Faktur No for 29 invoices?" in body
    assert "29 numbers from 2026: 99 available, <strong>70</strong> left afterwards." in body
    ids = re.search(r'name="invoice_ids" value="([\d,-]+)"', body).group(1)
    assert parse_ids([ids], 100) == sorted(june[1:])
    done = admin_client.post("/invoices/generate", data={"invoice_ids": ids}, headers=HTMX)
    assert done.status_code == 200 and "29 E-Faktur numbers generated" in done.get_data(as_text=True)
    # The list reloading itself is told which rows to highlight.
    trigger = json.loads(done.headers["HX-Trigger"])
    assert sorted(trigger["invoicesChanged"]["numbered"]) == sorted(june[1:])
    with app.app_context():
        held = set(db.session.scalars(db.select(NumberAssignment.invoice_id).where(NumberAssignment.released_at.is_(None))))
    assert held == set(june) and cancelled not in held


def test_tick_all_matching_with_nothing_to_number_says_so(app, admin_client):
    make_invoice(app, tax=False)
    response = admin_client.post("/invoices/generate/confirm", headers=HTMX, data={"scope": "matching", "month": "2026-06"})
    assert response.status_code == 422 and "Tick at least one invoice" in response.get_data(as_text=True)


def test_no_two_elements_of_a_page_share_an_id(app, admin_client):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: every form carries its token field
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    invoice = make_invoice(app, customer_email="tax@buyer.co.id")
    generate(app, [invoice])
    pages = ["/numbers/", "/export/", "/files/", "/invoices/", "/invoices/new", f"/invoices/{invoice}", "/settings/billing",
             "/settings/threshold", "/users/", "/users/new", "/api-tokens/", "/api-tokens/new", "/activity/", "/operations/",
             "/me", "/account/password", "/numbers/new"]
    for path in pages:
        for headers in ({}, HTMX):
            body = admin_client.get(path, headers=headers).get_data(as_text=True)
            body = re.sub(r"<template.*?</template>", "", body, flags=re.S)  # copied with new ids when used
            ids = re.findall(r'\sid="([^"]+)"', body)
            doubles = sorted({i for i in ids if ids.count(i) > 1})
            assert not doubles, (path, headers, doubles)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_input_borders_and_the_switch_off_state_reach_3_to_1():
    import os

    css = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "app.css")).read()
    border = re.search(r"\.input, select\.input \{[^}]*border: 1px solid (#[0-9a-f]{6})", css).group(1)
    slider = re.search(r"\.slider \{[^}]*background: (#[0-9a-f]{6})", css).group(1)
    page = re.search(r"--bg: (#[0-9a-f]{6})", css).group(1)
    for colour in (border, slider):
        for background in ("#ffffff", page):
            assert _contrast(colour, background) >= 3, (colour, background, _contrast(colour, background))
