"""Lists read "after this row" show what OFFSET pages showed: the same rows on every page, reached by Next or
by Previous, and the same counts (up to the bound), on random data, on SQLite and PostgreSQL."""
import re
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from efaktur.activity.models import ActivityEntry
from efaktur.activity.services import ENTRY_ORDER, filtered_query
from efaktur.extensions import db
from efaktur.invoices.models import Invoice
from efaktur.invoices.queries import invoice_query
from efaktur.invoices.views import INVOICE_ORDER
from efaktur.paging import bounded_count, decode_cursor, keyset_page

STATUSES = ["unpaid", "paid", "cancelled"]
invoice_rows = st.lists(st.tuples(st.integers(0, 6), st.sampled_from(STATUSES), st.sampled_from(["Sinar", "Maju"])),
                        min_size=0, max_size=60)


def _seed_invoices(rows):
    db.session.execute(delete(Invoice))
    if rows:
        db.session.execute(insert(Invoice), [
            {"number": f"P-{i:04d}", "customer_name": f"PT {name} {i}", "invoice_date": date(2026, 6, 1) + timedelta(d),
             "due_date": date(2026, 7, 1), "status": status}
            for i, (d, status, name) in enumerate(rows)])
    db.session.commit()


def _walk(query, keys, descending, per_page):
    """Every page by Next from the first, then back by Previous: the ids of each page, both ways."""
    forwards, window = [], keyset_page(query, keys, descending, 1, per_page)
    forwards.append([row.id for row in window.items])
    while window.has_next:
        assert len(forwards) <= 100, "Next goes on for ever"
        args = window.next_args
        window = keyset_page(query, keys, descending, args["page"], per_page, after=args.get("after"))
        forwards.append([row.id for row in window.items])
        assert window.page == len(forwards)
    backwards = [[row.id for row in window.items]]
    while window.has_prev:
        assert len(backwards) <= 100, "Previous goes on for ever"
        args = window.prev_args
        window = keyset_page(query, keys, descending, args["page"], per_page, before=args.get("before"))
        backwards.append([row.id for row in window.items])
        assert window.page == len(forwards) - len(backwards) + 1
    return forwards, backwards[::-1], window


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=invoice_rows, per_page=st.integers(1, 7), status=st.sampled_from(["", *STATUSES]),
       search=st.sampled_from(["", "sinar", "MAJU 1"]))
def test_invoice_pages_by_next_and_previous_hold_the_offset_pages_rows(app, rows, per_page, status, search):
    with app.app_context():
        _seed_invoices(rows)
        query = invoice_query(status=status, search=search, today=date(2026, 6, 15))
        expected = [i.id for i in db.session.scalars(query)]
        offset_pages = [expected[k:k + per_page] for k in range(0, len(expected), per_page)] or [[]]
        forwards, backwards, first = _walk(query.order_by(None), INVOICE_ORDER, True, per_page)
        assert forwards == offset_pages
        assert backwards == offset_pages
        assert first.page == 1 and not first.has_prev
        for number, ids in enumerate(offset_pages, 1):  # a page asked for by its number alone: OFFSET
            assert [r.id for r in keyset_page(query.order_by(None), INVOICE_ORDER, True, number, per_page).items] == ids
        assert bounded_count(query, bound=10) == (min(len(expected), 10), len(expected) > 10)
        assert first.total == len(expected) and not first.more


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moments=st.lists(st.integers(0, 5), max_size=40), per_page=st.integers(1, 6),
       actor=st.sampled_from(["", "a@example.com"]))
def test_activity_pages_by_next_and_previous_hold_the_offset_pages_rows(app, moments, per_page, actor):
    base = datetime(2026, 6, 1, 3, tzinfo=timezone.utc)
    with app.app_context():
        db.session.execute(delete(ActivityEntry))
        if moments:  # many entries of one instant: the id decides
            db.session.execute(insert(ActivityEntry), [
                {"at": base + timedelta(microseconds=m * 250), "actor": ["a@example.com", "b@example.com"][i % 2],
                 "action": "invoice.created", "subject": "", "summary": f"entry {i}"}
                for i, m in enumerate(moments)])
        db.session.commit()
        query = filtered_query(actor=actor)
        expected = [e.id for e in db.session.scalars(query)]
        offset_pages = [expected[k:k + per_page] for k in range(0, len(expected), per_page)] or [[]]
        forwards, backwards, _ = _walk(query.order_by(None), ENTRY_ORDER, True, per_page)
        assert forwards == offset_pages == backwards


def test_a_cursor_that_is_not_ours_is_ignored_and_the_page_number_decides(app):
    with app.app_context():
        for text in ("", "x" * 500, "2026-06-01", "2026-13-01~5", "2026-06-01~-5", "2026-06-01~99999999999999999999",
                     "2026-06-01~\u0665", "2026-06-01\x00~5"):
            assert decode_cursor(text, INVOICE_ORDER) is None
        assert decode_cursor("2026-06-01~5", INVOICE_ORDER) == (date(2026, 6, 1), 5)
        assert decode_cursor("2026-06-01T03:00:00", ENTRY_ORDER[:1]) is None  # an instant without its zone


def test_the_invoices_page_goes_on_by_the_last_rows_key_and_a_refresh_keeps_the_page(admin_client, app):
    with app.app_context():
        _seed_invoices([(i % 3, "unpaid", "Sinar") for i in range(120)])
        expected = [i.number for i in db.session.scalars(invoice_query(today=date(2026, 6, 15)))]
    first = admin_client.get("/invoices/").get_data(as_text=True)
    next_link = re.search(r'href="(/invoices/\?[^"]*after=[^"]*)"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(next_link).get_data(as_text=True)
    assert "Page 2 of 5 (120 invoices)" in second  # 25 a page
    shown = re.findall(r">(P-\d{4})<", second)
    assert shown == expected[25:50]
    refresh = re.search(r'hx-get="(/invoices/\?[^"]*)" hx-trigger="invoicesChanged', second).group(1).replace("&amp;", "&")
    assert re.findall(r">(P-\d{4})<", admin_client.get(refresh).get_data(as_text=True)) == shown
    assert admin_client.get("/invoices/?page=2&after=junk~junk").status_code == 200


def test_a_count_beyond_the_bound_is_said_as_more_than(admin_client, app, monkeypatch):
    import efaktur.paging

    monkeypatch.setattr(efaktur.paging, "COUNT_BOUND", 100)
    monkeypatch.setattr(efaktur.paging.bounded_count, "__defaults__", (100,))
    with app.app_context():
        _seed_invoices([(0, "unpaid", "Sinar")] * 130)
    page = admin_client.get("/invoices/").get_data(as_text=True)
    assert "Page 1 (more than 100 invoices)" in page
