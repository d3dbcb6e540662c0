from datetime import datetime, timezone

from efaktur.rules.clock import current_year, local_today


def test_new_year_starts_in_jakarta_before_utc():
    new_years_eve_utc = datetime(2026, 12, 31, 20, 0, tzinfo=timezone.utc)
    assert current_year("Asia/Jakarta", new_years_eve_utc) == 2027
    assert current_year("UTC", new_years_eve_utc) == 2026
    assert local_today("Asia/Jakarta", new_years_eve_utc).isoformat() == "2027-01-01"


def test_before_midnight_in_jakarta_is_still_the_old_year():
    assert current_year("Asia/Jakarta", datetime(2026, 12, 31, 16, 59, tzinfo=timezone.utc)) == 2026
