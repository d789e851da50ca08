"""The working-day calendar (工作日历) on the packaged State Council data: 元旦, 春节 with its 调休
working days, National Day, the year after the data ends, overrides and loaded years. Pure: no suite."""
from __future__ import annotations

from datetime import date

import pytest

from shared.calendar import WorkingCalendar, next_working_day_checked

CAL = WorkingCalendar()


@pytest.mark.parametrize(("day", "working"), [
    (date(2025, 1, 1), False),   # 元旦 2025: one day off (a Wednesday)
    (date(2025, 1, 2), True),
    (date(2026, 1, 1), False),   # 元旦 2026: Thursday to Saturday off ...
    (date(2026, 1, 2), False),
    (date(2026, 1, 3), False),
    (date(2026, 1, 4), True),    # ... and Sunday 4 January is a 调休 working day
    (date(2025, 1, 26), True),   # 春节 2025: Sunday before the holiday is worked
    (date(2025, 1, 28), False),  # 除夕 2025
    (date(2025, 2, 4), False),
    (date(2025, 2, 8), True),    # Saturday after it is worked
    (date(2026, 2, 14), True),   # 春节 2026: Saturday 14 February worked
    (date(2026, 2, 15), False),  # holiday from Sunday 15 ...
    (date(2026, 2, 23), False),  # ... to Monday 23 February
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),   # and Saturday 28 February worked
    (date(2026, 3, 1), False),   # an ordinary Sunday
    (date(2026, 10, 7), False),  # National Day week
    (date(2026, 10, 10), True),  # its 调休 Saturday
])
def test_working_days_follow_the_state_council_notice(day, working):
    assert CAL.is_working_day(day) is working


def test_next_working_day_over_new_year_and_spring_festival():
    assert CAL.next_working_day(date(2025, 12, 31), include=False) == date(2026, 1, 4)  # a Sunday, worked
    assert CAL.next_working_day(date(2026, 1, 1)) == date(2026, 1, 4)
    assert CAL.next_working_day(date(2026, 2, 14)) == date(2026, 2, 14)  # include: the day itself
    assert CAL.next_working_day(date(2026, 2, 14), include=False) == date(2026, 2, 24)


def test_add_working_days_counts_adjustment_saturdays_and_skips_the_festival():
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert CAL.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)


def test_working_days_lists_a_closed_range():
    days = CAL.working_days(date(2026, 2, 9), date(2026, 3, 1))
    assert days[0] == date(2026, 2, 9) and days[-1] == date(2026, 2, 28)  # both ends included when worked
    assert date(2026, 2, 14) in days and date(2026, 2, 16) not in days
    assert len(days) == 11  # 9–13, 14, 24–28 February
    assert CAL.working_days(date(2026, 2, 15), date(2026, 2, 23)) == []
    assert CAL.working_days(date(2026, 3, 2), date(2026, 3, 1)) == []  # end before start


def test_the_year_after_the_data_falls_back_to_weekdays_and_is_reported():
    assert not CAL.year_covered(2027) and CAL.year_covered(2026)
    assert CAL.is_known(date(2026, 12, 31)) and not CAL.is_known(date(2027, 1, 1))
    assert next_working_day_checked(CAL, date(2026, 12, 31)) == (date(2026, 12, 31), None)
    assert next_working_day_checked(CAL, date(2027, 1, 2)) == (date(2027, 1, 4), 2027)  # Saturday → Monday


def test_overrides_win_and_a_loaded_year_is_known_whole():
    loaded = WorkingCalendar({date(2027, 1, 1): "holiday", date(2027, 2, 20): "workday"}, covered_years={2027})
    assert loaded.is_working_day(date(2027, 1, 1)) is False   # listed holiday (a Friday)
    assert loaded.is_working_day(date(2027, 1, 4)) is True    # not listed: Monday–Friday
    assert loaded.is_working_day(date(2027, 2, 20)) is True   # listed 调休 Saturday
    assert loaded.is_working_day(date(2027, 2, 21)) is False  # an unlisted Sunday
    assert loaded.is_known(date(2027, 6, 1)) and loaded.year_covered(2027)
    assert next_working_day_checked(loaded, date(2027, 1, 1)) == (date(2027, 1, 4), None)  # not provisional
    mine = WorkingCalendar({date(2026, 1, 4): "holiday"})
    assert mine.is_working_day(date(2026, 1, 4)) is False  # the bureau's word beats the package
