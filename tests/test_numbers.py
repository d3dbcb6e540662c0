"""The E-Faktur No page: the range table, the modal forms, and every rule of a range."""
import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.numbers.models import NumberRange, ReleasedNumber
from efaktur.rules.nsfp import parse_nsfp
from tests.conftest import HTMX, add_range


def post_range(client, year=2026, start="000-26.00000001", end="000-26.00000100", url="/numbers/new"):
    return client.post(url, data={"year": str(year), "start_number": start, "end_number": end}, headers=HTMX)


def count_ranges(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(NumberRange.id)))


def test_page_shows_the_table_columns_and_this_years_count(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    add_range(app, 2025, "000-25.00000001", "000-25.00000050")
    page = admin_client.get("/numbers/").get_data(as_text=True)
    for label in ("Year Period", "Start Number", "End Number", "Total Number", "Available Number", "+ Tax Number"):
        assert label in page
    assert "000-26.00000001" in page and "000-26.00000100" in page
    assert 'id="available-this-year">100<' in page
    assert "of 100 numbers in 2026" in page


def test_new_form_arrives_as_a_modal_with_three_years(admin_client):
    response = admin_client.get("/numbers/new", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<dialog" in body and "Add New Tax Number" in body
    assert "<html" not in body
    for year in ("2025", "2026", "2027"):
        assert f'value="{year}"' in body
    assert 'value="2024"' not in body


def test_new_form_without_htmx_is_a_full_page(admin_client):
    body = admin_client.get("/numbers/new").get_data(as_text=True)
    assert "<html" in body and "Add New Tax Number" in body


def test_adding_a_range_answers_with_the_success_popup_and_a_refresh_event(admin_client, app):
    response = post_range(admin_client, start="0002600000001", end="000-26.00000100")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Success" in body and ">OK<" in body
    assert "numbersChanged" in response.headers["HX-Trigger"]
    with app.app_context():
        saved = db.session.scalars(db.select(NumberRange)).one()
        assert (saved.year, saved.start_number, saved.end_number) == (2026, 2600000001, 2600000100)
        assert (saved.total, saved.available, saved.next_number) == (100, 100, 2600000001)
    overview = admin_client.get("/numbers/overview", headers=HTMX).get_data(as_text=True)
    assert "000-26.00000001" in overview and "<html" not in overview


def test_plain_form_post_redirects_after_saving(admin_client, app):
    response = admin_client.post(
        "/numbers/new", data={"year": "2026", "start_number": "000-26.00000001", "end_number": "000-26.00000002"}
    )
    assert response.status_code == 303
    assert count_ranges(app) == 1


@pytest.mark.parametrize(
    "year, start, end, field, message",
    [
        (2026, "000-26.0000001", "000-26.00000100", "start_number", "13 digits"),
        (2026, "000-26.00000001", "000-26.000001000", "end_number", "13 digits"),
        (2026, "", "000-26.00000100", "start_number", "Enter the Start Number"),
        (2026, "000-26.00000001", "abc", "end_number", "digits 0-9"),
        (2026, "000-26.00000001", "001-26.00000100", "end_number", "same prefix"),
        (2026, "000-26.00000001", "000-27.00000100", "end_number", "same prefix"),
        (2025, "000-26.00000001", "000-26.00000100", "start_number", "do not match the Year Period 2025"),
        (2026, "000-26.00000100", "000-26.00000001", "end_number", "before the Start Number"),
        (2026, "000-26.00000001", "000-26.01000001", "end_number", "at most 1,000,000"),
        (2031, "000-31.00000001", "000-31.00000002", "year", "Choose a Year Period from the list"),
        ("x", "000-26.00000001", "000-26.00000002", "year", "Choose a Year Period from the list"),
    ],
)
def test_invalid_range_is_answered_422_on_its_field_and_not_saved(admin_client, app, year, start, end, field, message):
    response = post_range(admin_client, year, start, end)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body
    assert message in body.split(f'id="{field}-error"')[1][:300]
    assert "<dialog" in body
    assert count_ranges(app) == 0


def test_a_range_of_exactly_one_million_is_accepted(admin_client, app):
    assert post_range(admin_client, start="000-26.00000001", end="000-26.01000000").status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(NumberRange)).one().total == 1_000_000


@pytest.mark.parametrize(
    "year, start, end",
    [
        (2026, "000-26.00000050", "000-26.00000150"),  # overlaps the end
        (2026, "000-26.00000001", "000-26.00000001"),  # the first number
        (2026, "000-26.00000100", "000-26.00000200"),  # touches the last number
        (2026, "000-26.00000020", "000-26.00000030"),  # inside
    ],
)
def test_overlapping_ranges_are_refused(admin_client, app, year, start, end):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    response = post_range(admin_client, year, start, end)
    assert response.status_code == 422
    assert "Overlaps the range 000-26.00000001 to 000-26.00000100 (2026)" in response.get_data(as_text=True)
    assert count_ranges(app) == 1


def test_adjacent_and_other_prefix_ranges_are_fine(admin_client, app):
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    assert post_range(admin_client, start="000-26.00000101", end="000-26.00000200").status_code == 200
    assert post_range(admin_client, start="001-26.00000001", end="001-26.00000100").status_code == 200
    assert count_ranges(app) == 3


def test_edit_moves_the_end(admin_client, app):
    range_id = add_range(app, 2026, "000-26.12345678", "000-26.12346035")
    form = admin_client.get(f"/numbers/{range_id}/edit", headers=HTMX).get_data(as_text=True)
    assert "Edit Tax Number" in form and 'value="000-26.12346035"' in form
    response = post_range(admin_client, 2026, "000-26.12345678", "000-26.12346037", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(NumberRange, range_id).end_number == parse_nsfp("000-26.12346037")


def test_edit_applies_the_same_rules(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    add_range(app, 2026, "000-26.00000201", "000-26.00000300")
    response = post_range(admin_client, 2026, "000-26.00000001", "000-26.00000250", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 422
    assert "Overlaps" in response.get_data(as_text=True)
    response = post_range(admin_client, 2026, "000-26.00000001", "001-26.00000100", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(NumberRange, range_id).end_number == parse_nsfp("000-26.00000100")


def give_out(app, range_id, count, release=()):
    """Mark the first `count` numbers as handed out, and some of them as returned."""
    with app.app_context():
        number_range = db.session.get(NumberRange, range_id)
        number_range.next_number = number_range.start_number + count
        number_range.held_count = count - len(release)
        for number in release:
            db.session.add(ReleasedNumber(number=number, range_id=range_id))
        db.session.commit()


def test_end_cannot_move_below_the_highest_number_given_out(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    give_out(app, range_id, 10)
    response = post_range(admin_client, 2026, "000-26.00000001", "000-26.00000009", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 422
    assert "cannot go below 000-26.00000010" in response.get_data(as_text=True)
    response = post_range(admin_client, 2026, "000-26.00000001", "000-26.00000010", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 200


def test_end_may_drop_past_returned_numbers_at_the_top(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    give_out(app, range_id, 10, release=[2600000009, 2600000010])
    response = post_range(admin_client, 2026, "000-26.00000001", "000-26.00000008", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 200
    with app.app_context():
        number_range = db.session.get(NumberRange, range_id)
        assert (number_range.total, number_range.held_count, number_range.available) == (8, 8, 0)
        assert number_range.next_number == 2600000009
        assert db.session.scalar(db.select(db.func.count()).select_from(ReleasedNumber)) == 0


def test_start_cannot_change_once_numbers_are_given_out(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    give_out(app, range_id, 1)
    response = post_range(admin_client, 2026, "000-26.00000002", "000-26.00000100", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 422
    assert "Start Number cannot change" in response.get_data(as_text=True)


def test_start_can_change_while_nothing_is_given_out(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    give_out(app, range_id, 3, release=[2600000001, 2600000002, 2600000003])
    response = post_range(admin_client, 2026, "000-26.00000011", "000-26.00000100", url=f"/numbers/{range_id}/edit")
    assert response.status_code == 200
    with app.app_context():
        number_range = db.session.get(NumberRange, range_id)
        assert (number_range.next_number, number_range.available) == (2600000011, 90)


def test_delete_asks_for_confirmation_then_deletes(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    confirm = admin_client.get(f"/numbers/{range_id}/delete", headers=HTMX).get_data(as_text=True)
    assert "<dialog" in confirm and 'value="Yes"' in confirm
    response = admin_client.post(f"/numbers/{range_id}/delete", headers=HTMX)
    assert response.status_code == 200
    assert "numbersChanged" in response.headers["HX-Trigger"]
    assert count_ranges(app) == 0


def test_delete_is_refused_while_numbers_are_given_out(admin_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    give_out(app, range_id, 1)
    response = admin_client.post(f"/numbers/{range_id}/delete", headers=HTMX)
    assert response.status_code == 422
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert count_ranges(app) == 1


@pytest.mark.parametrize("path", ["/numbers/999/edit", "/numbers/999/delete"])
def test_unknown_range_is_404(admin_client, path):
    assert admin_client.get(path).status_code == 404
    assert admin_client.post(path, headers=HTMX).status_code == 404


def test_staff_cannot_change_ranges(staff_client, app):
    range_id = add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    assert post_range(staff_client).status_code == 403
    assert staff_client.post(f"/numbers/{range_id}/delete", headers=HTMX).status_code == 403
    assert post_range(staff_client, url=f"/numbers/{range_id}/edit").status_code == 403
    assert count_ranges(app) == 1


def test_every_change_is_in_the_activity_log(admin_client, app):
    post_range(admin_client)
    with app.app_context():
        range_id = db.session.scalar(db.select(NumberRange.id))
    post_range(admin_client, 2026, "000-26.00000001", "000-26.00000200", url=f"/numbers/{range_id}/edit")
    admin_client.post(f"/numbers/{range_id}/delete", headers=HTMX)
    with app.app_context():
        entries = db.session.scalars(db.select(ActivityEntry).order_by(ActivityEntry.id)).all()
        assert [e.action for e in entries] == ["range.created", "range.updated", "range.deleted"]
        assert all(e.actor == "admin@example.com" for e in entries)
        assert "000-26.00000100" in entries[1].summary and "000-26.00000200" in entries[1].summary
    page = admin_client.get("/activity/").get_data(as_text=True)
    assert "admin@example.com deleted range" in page and "Tax number ranges" in page


def test_a_refused_change_leaves_no_activity(admin_client, app):
    post_range(admin_client, start="000-26.00000100", end="000-26.00000001")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ActivityEntry.id))) == 0
