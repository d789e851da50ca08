"""The working-day calendar on real 2026 data, beyond it, and with overrides."""
from __future__ import annotations

import logging
from datetime import date

import chinese_calendar

from shared.calendar import WorkingCalendar, rule_deadline


def test_2026_adjustment_saturdays_and_national_day():
    cal = WorkingCalendar()
    for d in (date(2026, 2, 14), date(2026, 2, 28)):
        assert d.weekday() == 5
        assert cal.is_working_day(d) is True
        assert chinese_calendar.is_workday(d) is True  # the package agrees
    assert cal.is_working_day(date(2026, 10, 1)) is False
    assert cal.is_working_day(date(2026, 10, 8)) is True  # back to work after Golden Week


def test_beyond_packaged_data_falls_back_to_weekdays_with_warning(caplog):
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="suite.calendar"):
        assert cal.is_working_day(date(2027, 1, 5)) is True  # a Tuesday
        assert cal.is_working_day(date(2027, 1, 9)) is False  # a Saturday
    assert any("Monday-Friday" in r.getMessage() for r in caplog.records)
    assert cal.is_known(date(2027, 1, 5)) is False


def test_override_beats_fallback_and_package():
    cal = WorkingCalendar({date(2027, 1, 1): "holiday", date(2027, 1, 9): "workday", date(2026, 10, 8): "holiday"})
    assert cal.is_working_day(date(2027, 1, 1)) is False  # a Friday, declared a holiday
    assert cal.is_working_day(date(2027, 1, 9)) is True  # a Saturday made a working day
    assert cal.is_working_day(date(2026, 10, 8)) is False


def test_calendar_days_deadline_start_not_counted_and_moved_off_rest_days():
    cal = WorkingCalendar()
    # 30 days from 2026-09-01 end on 2026-10-01 (National Day): moved to 2026-10-08, the first working day
    assert cal.deadline(date(2026, 9, 1), 30) == date(2026, 10, 8)
    # 30 days from 2026-11-02 ends 2026-12-02, a Wednesday: unchanged
    assert cal.deadline(date(2026, 11, 2), 30) == date(2026, 12, 2)
    # an end on a Sunday moves to Monday
    assert cal.deadline(date(2026, 11, 1), 28) == date(2026, 11, 30)


def test_working_days_period_counts_adjustment_saturday():
    cal = WorkingCalendar()
    # from Thursday 2026-02-12: Fri 13, Sat 14 (调休 workday), then Spring Festival holidays to 2026-02-23
    assert cal.deadline(date(2026, 2, 12), 2, "working_days") == date(2026, 2, 14)


def test_deadline_into_2027_with_and_without_override():
    cal = WorkingCalendar()
    # 30 days from 2026-12-02 is 2027-01-01, a Friday: weekday fallback keeps it
    assert rule_deadline(cal, "review_opinion", date(2026, 12, 2)) == date(2027, 1, 1)
    declared = WorkingCalendar({date(2027, 1, 1): "holiday"})
    assert rule_deadline(declared, "review_opinion", date(2026, 12, 2)) == date(2027, 1, 4)
