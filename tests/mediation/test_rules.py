"""The mediation working rules (工作时间与预约规则, services/mediation/rules.py): office hours only on working
days (调休 Saturdays included), mediators' own hours, the buffer, session length, notice and horizon.
Pure: settings and the packaged calendar, no suite."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.mediation.rules import WorkingRules
from services.mediation.settings import MediationSettings
from shared.calendar import WorkingCalendar
from shared.errors import Unprocessable
from shared.timeutil import local_dt

SETTINGS = MediationSettings(office_hours="09:00-12:00,14:00-17:30", buffer_minutes=15, min_notice_minutes=120,
                             horizon_days=90, min_session_minutes=30, max_session_minutes=240)
RULES = WorkingRules(SETTINGS, WorkingCalendar())


def hours(day: date, *pairs: tuple[time, time]) -> list[tuple[datetime, datetime]]:
    return [(local_dt(day, a), local_dt(day, b)) for a, b in pairs]


MORNING, AFTERNOON = (time(9), time(12)), (time(14), time(17, 30))


@pytest.mark.parametrize(("day", "open_"), [
    (date(2026, 3, 2), True),    # an ordinary Monday
    (date(2026, 3, 1), False),   # Sunday
    (date(2026, 1, 1), False),   # 元旦
    (date(2026, 1, 4), True),    # its 调休 Sunday
    (date(2026, 2, 14), True),   # 春节's 调休 Saturday
    (date(2026, 2, 17), False),  # 春节
])
def test_office_hours_only_on_working_days(day, open_):
    assert RULES.office_intervals(day) == (hours(day, MORNING, AFTERNOON) if open_ else [])


def test_office_hours_are_beijing_time():
    start, end = RULES.office_intervals(date(2026, 3, 2))[0]
    assert start.astimezone(UTC) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=3)


def test_a_mediators_own_hours_narrow_the_office_hours():
    own = [{"weekday": 1, "start": "10:00", "end": "16:00"}, {"weekday": 6, "start": "08:00", "end": "10:00"}]
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    assert RULES.mediator_intervals(own, monday) == hours(monday, (time(10), time(12)), (time(14), time(16)))
    assert RULES.mediator_intervals(own, tuesday) == []  # not one of their days
    assert RULES.mediator_intervals(None, tuesday) == hours(tuesday, MORNING, AFTERNOON)  # no own hours: office
    # a 调休 Saturday: their Saturday entry if they have one (within office hours), else the office hours
    assert RULES.mediator_intervals(own, date(2026, 2, 14)) == hours(date(2026, 2, 14), (time(9), time(10)))
    no_saturday = own[:1]
    assert RULES.mediator_intervals(no_saturday, date(2026, 2, 28)) == hours(date(2026, 2, 28), MORNING, AFTERNOON)
    assert RULES.mediator_intervals(own, date(2026, 2, 16)) == []  # 春节: closed whatever their hours


def test_buffer_is_the_setting():
    assert RULES.buffer == timedelta(minutes=15)


@pytest.mark.parametrize(("minutes", "ok"), [(0, False), (-30, False), (29, False), (30, True), (240, True),
                                             (241, False)])
def test_session_length(minutes, ok):
    start = local_dt(date(2026, 3, 2), time(9))
    if ok:
        RULES.check_range(start, start + timedelta(minutes=minutes))
    else:
        with pytest.raises(Unprocessable) as e:
            RULES.check_range(start, start + timedelta(minutes=minutes))
        assert e.value.code == "validation_error" and e.value.status == 422


def test_notice_and_horizon():
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    RULES.check_window(now + timedelta(minutes=120), now)
    with pytest.raises(Unprocessable) as e:
        RULES.check_window(now + timedelta(minutes=119), now)
    assert e.value.code == "insufficient_notice"
    assert RULES.last_bookable_day(now) == date(2026, 5, 31)
    RULES.check_window(local_dt(date(2026, 5, 31), time(17)), now)
    with pytest.raises(Unprocessable) as e:
        RULES.check_window(local_dt(date(2026, 6, 1), time(9)), now)
    assert e.value.code == "beyond_horizon"


def test_the_horizon_counts_from_the_local_date():
    # 16:30 UTC on 31 December is already 元旦 in Beijing: 90 days from 1 January 2027
    assert RULES.last_bookable_day(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == date(2027, 4, 1)
    assert RULES.last_bookable_day(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == date(2027, 3, 31)
