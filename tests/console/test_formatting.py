"""Dates and times as the bureau reads them (fast unit tests, no browser)."""
from __future__ import annotations

from datetime import date

from services.console.formatting import from_local_input, local_input, zh_date, zh_datetime, zh_time


def test_dates_read_in_chinese_with_the_weekday():
    assert zh_date(date(2026, 12, 3)) == "2026年12月3日 星期四"
    assert zh_date("2027-01-01") == "2027年1月1日 星期五"


def test_instants_are_shown_in_shanghai_time():
    assert zh_time("2026-12-03T01:30:00Z") == "09:30"
    assert zh_datetime("2026-12-03T09:30:00+08:00") == "2026年12月3日 星期四 09:30"


def test_datetime_local_inputs_round_trip_as_shanghai_time():
    dt = from_local_input("2026-12-03T09:30")
    assert dt.isoformat() == "2026-12-03T09:30:00+08:00"
    assert local_input("2026-12-03T01:30:00+00:00") == "2026-12-03T09:30"
