"""Setting Threshold: the modal form, its validation, and the pure rules behind it."""
from datetime import date

import pytest

from efaktur.extensions import db
from efaktur.settings.models import CompanySettings
from efaktur.settings.threshold import ThresholdLimitError, estimate_run_out, parse_threshold_limit, threshold_reached
from tests.conftest import HTMX


@pytest.mark.parametrize("text, value", [("0", 0), ("4", 4), (" 30 ", 30), ("007", 7), ("1000000000", 1_000_000_000)])
def test_parse_accepts_whole_numbers(text, value):
    assert parse_threshold_limit(text) == value


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "Enter the Threshold Limit"),
        ("-1", "cannot be negative"),
        ("abc", "digits 0-9 only"),
        ("4.5", "digits 0-9 only"),
        ("1e3", "digits 0-9 only"),
        ("+4", "digits 0-9 only"),
        ("1000000001", "at most 1,000,000,000"),
        ("٤", "digits 0-9 only"),  # Arabic-Indic four
        ("４", "digits 0-9 only"),  # full-width four
    ],
)
def test_parse_refuses_with_the_reason(text, reason):
    with pytest.raises(ThresholdLimitError, match=reason):
        parse_threshold_limit(text)


def test_threshold_rule():
    assert threshold_reached(True, 4, 4) and threshold_reached(True, 4, 3)
    assert not threshold_reached(True, 4, 5)
    assert not threshold_reached(False, 4, 0)


def test_run_out_estimate():
    today = date(2026, 6, 15)
    assert estimate_run_out(60, 30, today).run_out_on == date(2026, 8, 14)  # one a day
    assert estimate_run_out(10, 0, today).run_out_on is None
    assert "no pace" in estimate_run_out(10, 0, today).describe(date(2026, 12, 31))
    assert estimate_run_out(10_000, 30, today).run_out_on is None  # lasts past the year
    assert "until the end of 2026" in estimate_run_out(10_000, 30, today).describe(date(2026, 12, 31))
    assert estimate_run_out(0, 30, today).run_out_on == today
    assert "(1 number, about one every 30 days)" in estimate_run_out(4, 1, today).describe(date(2026, 12, 31))
    assert "(60 numbers, 2.0 a day)" in estimate_run_out(4, 60, today).describe(date(2026, 12, 31))


def settings(app):
    with app.app_context():
        row = db.session.get(CompanySettings, 1)
        return None if row is None else (row.threshold_limit, row.threshold_active)


def test_modal_shows_the_form(admin_client):
    body = admin_client.get("/settings/threshold", headers=HTMX).get_data(as_text=True)
    assert "Setting Threshold E-Faktur Available Number" in body
    assert "Threshold Limit" in body and "Active" in body and 'role="switch"' in body and "<dialog" in body


def test_saving_answers_with_the_popup_and_updates_the_page(admin_client, app):
    response = admin_client.post("/settings/threshold", data={"threshold_limit": "4", "active": "y"}, headers=HTMX)
    assert response.status_code == 200
    assert ">OK<" in response.get_data(as_text=True)
    assert "thresholdSaved" in response.headers["HX-Trigger"]
    assert settings(app) == (4, True)
    overview = admin_client.get("/numbers/overview").get_data(as_text=True)
    assert 'id="threshold-limit">4<' in overview and ">Active<" in overview
    admin_client.post("/settings/threshold", data={"threshold_limit": "30"}, headers=HTMX)
    assert settings(app) == (30, False)


@pytest.mark.parametrize("value", ["", "-1", "abc", "4.5", "1e3", "1000000001", "٣", "1 000"])
def test_bad_limits_are_422_on_the_field_and_nothing_is_saved(admin_client, app, value):
    admin_client.post("/settings/threshold", data={"threshold_limit": "30", "active": "y"}, headers=HTMX)
    response = admin_client.post("/settings/threshold", data={"threshold_limit": value, "active": "y"}, headers=HTMX)
    assert response.status_code == 422
    assert 'id="threshold_limit-error"' in response.get_data(as_text=True)
    assert settings(app) == (30, True)


def test_only_admins_may_change_it(staff_client, app):
    assert staff_client.get("/settings/threshold", headers=HTMX).status_code == 403
    assert staff_client.post("/settings/threshold", data={"threshold_limit": "4"}, headers=HTMX).status_code == 403
    assert settings(app) is None
    assert "Setting Threshold" not in staff_client.get("/numbers/").get_data(as_text=True)


def test_threshold_changes_are_in_the_activity_log(admin_client, app):
    from efaktur.activity.models import ActivityEntry

    admin_client.post("/settings/threshold", data={"threshold_limit": "4", "active": "y"}, headers=HTMX)
    with app.app_context():
        summaries = db.session.scalars(db.select(ActivityEntry.summary).where(ActivityEntry.action == "threshold.saved")).all()
    assert summaries == ["Threshold Limit 0 (inactive) changed to 4 (active)."]
