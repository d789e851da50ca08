"""Statutory deadlines (期限): calendar days, working days and months, the start day not counted, an end on
a rest day or holiday moved to the next working day; month ends, leap years, excluded days. Pure: no suite."""
from __future__ import annotations

from datetime import date

import pytest

from shared.calendar import RULES, WorkingCalendar, provisional_fields, rule_deadline, rule_deadline_checked

CAL = WorkingCalendar()


@pytest.mark.parametrize(("start", "amount", "unit", "end"), [
    (date(2026, 3, 2), 1, "days", date(2026, 3, 3)),          # the start day is not counted
    (date(2025, 12, 17), 15, "days", date(2026, 1, 4)),       # ends on 元旦: moved to the 调休 Sunday
    (date(2026, 1, 31), 30, "days", date(2026, 3, 2)),        # over a 28-day February
    (date(2026, 2, 5), 10, "days", date(2026, 2, 24)),        # ends in 春节: first day back
    (date(2026, 2, 12), 2, "working_days", date(2026, 2, 14)),  # the 调休 Saturday counts
    (date(2026, 2, 12), 3, "working_days", date(2026, 2, 24)),
    (date(2026, 1, 31), 1, "months", date(2026, 2, 28)),      # last day of the shorter month, a worked Saturday
    (date(2026, 1, 15), 1, "months", date(2026, 2, 24)),      # 15 February is in 春节
    (date(2025, 12, 31), 1, "months", date(2026, 2, 2)),      # 31 January 2026 is a Saturday
    (date(2024, 1, 31), 1, "months", date(2024, 2, 29)),      # leap year
    (date(2025, 11, 1), 2, "months", date(2026, 1, 4)),       # over the year end, onto 元旦
])
def test_deadline(start, amount, unit, end):
    assert CAL.deadline(start, amount, unit) == end


def test_excluded_days_are_added_before_moving_off_rest_days():
    # 15 + 5 days from Monday 2 March 2026 is Sunday 22 March: Monday 23
    assert CAL.deadline(date(2026, 3, 2), 15, excluded_days=5) == date(2026, 3, 23)
    assert CAL.deadline(date(2026, 2, 12), 2, "working_days", excluded_days=1) == date(2026, 2, 24)


def test_rules_by_name():
    assert rule_deadline(CAL, "petition_handling", date(2026, 8, 1)) == date(2026, 9, 30)
    assert rule_deadline(CAL, "petition_handling", date(2026, 8, 2)) == date(2026, 10, 8)  # National Day
    assert rule_deadline(CAL, "remit_objection", date(2026, 2, 12)) == date(2026, 2, 26)  # 5 working days
    assert rule_deadline(CAL, "mediation_target", date(2026, 1, 31)) == date(2026, 2, 28)
    assert all(r.amount > 0 and r.unit in ("days", "working_days", "months") and r.source for r in RULES.values())
    with pytest.raises(KeyError):
        rule_deadline(CAL, "no_such_rule", date(2026, 1, 5))


def test_a_deadline_resting_on_the_weekday_fallback_is_provisional():
    assert rule_deadline_checked(CAL, "petition_register", date(2026, 11, 1)) == (date(2026, 11, 16), None)
    # 15 days from 20 December 2026 is Monday 4 January 2027, beyond the packaged data
    assert rule_deadline_checked(CAL, "petition_register", date(2026, 12, 20)) == (date(2027, 1, 4), 2027)
    assert provisional_fields(2027) == {"deadline_provisional": True, "deadline_missing_year": 2027}
    assert provisional_fields(None) == {"deadline_provisional": False, "deadline_missing_year": None}
    # the check does not leave its tracking on the shared calendar
    assert CAL.missing is None
