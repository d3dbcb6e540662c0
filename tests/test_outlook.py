"""How long will our numbers last? The E-Faktur No page's figures: per year, used this month and in
the last 30 days, the run-out estimate, numbers used per month, and the e-Nofa request helper.
The tests' today is 15 June 2026 (Asia/Jakarta)."""
import re
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from efaktur import create_app
from efaktur.extensions import db
from efaktur.numbers.models import NumberUsageDay
from efaktur.numbers.outlook import month_start, outlook
from efaktur.settings.threshold import enofa_advice
from tests.conftest import add_range, base_config, generate, make_invoice

TODAY = date(2026, 6, 15)


def test_enofa_advice_caps_at_120_percent_and_suggests_the_need_until_the_year_ends():
    # 300 used in the last three months: at most 360. 2 a day for the 200 days to 31 Dec: 400 needed, 100 left.
    advice = enofa_advice(300, 100, 2.0, TODAY)
    assert (advice.most, advice.suggested, advice.year_end) == (360, 300, date(2026, 12, 31))
    assert enofa_advice(300, 10, 2.0, TODAY).suggested == 360  # the need is more than the cap: the cap
    assert enofa_advice(300, 1000, 2.0, TODAY).suggested == 0  # enough left
    assert enofa_advice(300, 100, 0.0, TODAY).suggested is None  # no pace
    new = enofa_advice(0, 0, 0.0, TODAY)
    assert new.new_company and new.most == 75


def test_month_start_goes_back_across_years():
    assert month_start(TODAY) == date(2026, 6, 1)
    assert month_start(TODAY, 5) == date(2026, 1, 1)
    assert month_start(TODAY, 6) == date(2025, 12, 1)
    assert month_start(TODAY, 11) == date(2025, 7, 1)


def _usage(app, *rows):
    with app.app_context():
        for year, day, count in rows:
            db.session.add(NumberUsageDay(year=year, day=date.fromisoformat(day), handed_out=count))
        db.session.commit()


@pytest.fixture
def seeded(app):
    """2026: 600 + 10 numbers, 12 given out today; usage recorded over the last year; 2027: 50, none used."""
    add_range(app, 2026, "000-26.00000001", "000-26.00000600")
    add_range(app, 2026, "000-26.00001001", "000-26.00001010")
    add_range(app, 2027, "000-27.00000001", "000-27.00000050")
    _usage(app,
           (2025, "2025-06-30", 999),  # before the chart's first month
           (2025, "2025-07-10", 40), (2025, "2025-12-31", 66),
           (2026, "2026-03-02", 90), (2026, "2026-04-20", 110), (2026, "2026-05-10", 100),
           (2026, "2026-05-16", 20),  # 30 days before today: just outside the last 30 days
           (2026, "2026-05-17", 8),  # the first of the last 30 days
           (2026, "2026-06-01", 30))
    ids = [make_invoice(app, invoice_date="2026-06-10") for _ in range(12)]
    generate(app, ids)  # today: 12 more
    return ids


def test_the_figures_on_seeded_data(app, seeded):
    with app.test_request_context():
        view = outlook(TODAY)
    assert (view.this_year.total, view.this_year.held, view.this_year.available) == (610, 12, 598)
    assert (view.next_year.total, view.next_year.available) == (50, 50)
    assert view.used_this_month == 30 + 12
    assert view.used_last_30_days == 8 + 30 + 12
    assert [(m.month.isoformat(), m.handed_out) for m in view.months] == [
        ("2025-07-01", 40), ("2025-08-01", 0), ("2025-09-01", 0), ("2025-10-01", 0), ("2025-11-01", 0),
        ("2025-12-01", 66), ("2026-01-01", 0), ("2026-02-01", 0), ("2026-03-01", 90), ("2026-04-01", 110),
        ("2026-05-01", 128), ("2026-06-01", 42)]
    # 50 in 30 days: 5 a 3 days; 598 last 358 days, past 31 December.
    assert view.estimate.run_out_on is None and view.estimate.per_day == pytest.approx(50 / 30)
    # March to May: 328 used, at most 393; the year's remaining 200 days at 5/3 a day need 334, 598 are left.
    assert (view.enofa.used_last_three_months, view.enofa.most, view.enofa.suggested) == (328, 393, 0)


def test_a_faster_pace_gives_a_run_out_date_and_a_request_to_make(app, seeded):
    _usage(app, (2026, "2026-06-14", 550))  # 600 in the last 30 days: 20 a day; 598 left last 29 days
    with app.test_request_context():
        view = outlook(TODAY)
    assert view.estimate.run_out_on == date(2026, 7, 14)
    # 200 days at 20 a day: 4,000 needed, 598 left, 3,402 more; capped at 393.
    assert view.enofa.suggested == 393


def test_the_page_shows_the_figures_the_chart_and_the_helper(app, seeded, admin_client):
    body = admin_client.get("/numbers/").get_data(as_text=True)
    assert re.search(r'id="available-this-year">598<', body) and 'id="used-this-year">12<' in body
    assert 'id="used-this-month">42<' in body and 'id="used-last-30-days">50<' in body
    assert 'id="run-out-date">After 31 Dec<' in body
    assert "the numbers last until the end of 2026" in body
    assert 'id="available-next-year">50<' in body
    assert 'id="enofa-most">393<' in body and 'id="enofa-suggested">0<' in body
    assert "120% of the 328 used in Mar to May 2026" in body
    chart = body[body.index('<svg class="chart"'):body.index("</svg>")]
    assert chart.count("<rect") == 12
    assert "<title>May 2026: 128 handed out</title>" in chart and "<title>June 2026: 42 handed out</title>" in chart
    assert "Jul 2025: 40; Aug 2025: 0" in chart  # the description read by screen readers
    assert "<script" not in chart and "style=" not in chart  # server-rendered, within the CSP


def test_a_used_up_range_is_marked(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    add_range(app, 2026, "000-26.00000011", "000-26.00000020")
    generate(app, [make_invoice(app), make_invoice(app)])
    body = admin_client.get("/numbers/").get_data(as_text=True)
    used_up = re.search(r'<tr id="range-\d+" class="current exhausted">.*?</tr>', body, re.S).group(0)
    assert "000-26.00000001" in used_up and "Used up" in used_up
    assert body.count("Used up") == 1


def test_without_any_use_there_is_no_pace_and_a_new_company_may_ask_for_75(app, admin_client):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    body = admin_client.get("/numbers/").get_data(as_text=True)
    assert 'id="run-out-date">No pace yet<' in body
    assert 'id="enofa-most">75<' in body and "a new or small company gets 75" in body
    assert "no pace yet to estimate from" in body


def test_generate_counts_each_year_on_todays_date_in_one_transaction(app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    add_range(app, 2027, "000-27.00000001", "000-27.00000010")
    generate(app, [make_invoice(app, invoice_date="2026-06-01") for _ in range(3)]
             + [make_invoice(app, invoice_date="2027-01-02") for _ in range(2)])
    generate(app, [make_invoice(app, invoice_date="2026-06-02")])
    with app.app_context():
        rows = db.session.execute(db.select(NumberUsageDay.year, NumberUsageDay.day, NumberUsageDay.handed_out)
                                  .order_by(NumberUsageDay.year)).all()
    assert [tuple(r) for r in rows] == [(2026, TODAY, 4), (2027, TODAY, 2)]


def test_a_refused_generate_counts_nothing(app):
    from efaktur.numbers.ledger import LedgerRefused

    add_range(app, 2026, "000-26.00000001", "000-26.00000002")
    with pytest.raises(LedgerRefused):
        generate(app, [make_invoice(app) for _ in range(3)])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(NumberUsageDay)) == 0


def test_the_migration_counts_the_hand_outs_made_before_it(tmp_path):
    """An upgraded database gets the counters of what was handed out already, by local day."""
    app = create_app(base_config("sqlite:///" + str(tmp_path / "old.sqlite"), str(tmp_path)))
    with app.app_context():
        upgrade(revision="d177152c25d4")
        db.session.execute(text(
            "INSERT INTO invoice (id, number, customer_name, npwp_name, npwp, address, invoice_date, due_date, "
            "tax_enabled, transaction_code, status, dpp, vat_rate, ppn, created_at) VALUES "
            "(1, 'A', 'PT A', '', '', '', '2026-03-01', '2026-03-01', 1, '01', 'unpaid', 0, 0, 0, '2026-03-01 00:00:00'), "
            "(2, 'B', 'PT B', '', '', '', '2026-03-01', '2026-03-01', 1, '01', 'unpaid', 0, 0, 0, '2026-03-01 00:00:00')"))
        # 16:59 UTC is 23:59 in Jakarta (1 March), 17:00 UTC is already 2 March there.
        db.session.execute(text(
            "INSERT INTO number_assignment (invoice_id, range_id, number, transaction_code, status_digit, assigned_at, "
            "assigned_by, released_at) VALUES "
            "(1, NULL, 2600000001, '01', '0', '2026-03-01 16:59:00.000000', 'x', '2026-03-05 00:00:00.000000'), "
            "(2, NULL, 2600000001, '01', '0', '2026-03-01 17:00:00.000000', 'x', NULL), "
            "(1, NULL, 2500000007, '01', '0', '2025-12-31 10:00:00.000000', 'x', NULL)"))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT year, day, handed_out FROM number_usage_day ORDER BY year, day")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(2025, "2025-12-31", 1), (2026, "2026-03-01", 1), (2026, "2026-03-02", 1)]


def test_the_used_figures_agree_and_each_says_what_it_counts(admin_client, app):
    """Held now, handed out this month and this month's bar: a number cancelled and given again is held once
    and handed out twice; a 2025 number given to a late 2025 invoice in June is in neither 2026 figure."""
    add_range(app, 2025, "000-25.00000001", "000-25.00000010")
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    june = [make_invoice(app, invoice_date="2026-06-10") for _ in range(3)]
    generate(app, june)
    generate(app, [make_invoice(app, invoice_date="2025-12-30")])  # a 2025 number, given today
    admin_client.post(f"/invoices/{june[0]}/status", data={"status": "cancelled"})
    admin_client.post(f"/invoices/{june[0]}/cancel-number")
    generate(app, [make_invoice(app, invoice_date="2026-06-11")])  # the cancelled number goes out again
    page = admin_client.get("/numbers/").get_data(as_text=True)
    held = re.search(r'id="used-this-year">(\d+)<', page).group(1)
    this_month = re.search(r'id="used-this-month">(\d+)<', page).group(1)
    bar = re.findall(r"<title>June 2026: (\d+) handed out</title>", page)
    assert (held, this_month, bar) == ("3", "4", ["4"])
    assert "held by invoices now" in page and "A number cancelled and given again counts each time." in page
    assert "Numbers handed out per month" in page
