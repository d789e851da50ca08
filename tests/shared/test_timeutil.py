"""Local time (北京时间, Asia/Shanghai, UTC+8 all year: no daylight saving since 1992): conversions, the
day an instant falls on, and the `Instant`, `Day` and `Month` input types. Pure: no suite."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.timeutil import Day, Instant, Month, local_date, local_dt, to_local

EIGHT = timedelta(hours=8)


def test_every_day_of_several_years_is_utc_plus_8():
    d = date(2025, 1, 1)
    while d < date(2031, 1, 1):
        for t in (time(0), time(2, 30), time(23, 59)):  # 02:30 would be missing or doubled under DST
            assert local_dt(d, t).utcoffset() == EIGHT, d
        d += timedelta(days=1)


def test_local_midnight_of_new_year_is_16_00_utc_the_day_before():
    assert local_dt(date(2026, 1, 1), time(0)).astimezone(UTC) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert local_date(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)) == date(2026, 1, 1)  # 元旦 already
    assert local_date(datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC)) == date(2025, 12, 31)
    assert local_date(datetime(2026, 2, 28, 16, 0, tzinfo=UTC)) == date(2026, 3, 1)  # month end


def test_a_naive_datetime_is_taken_as_utc():
    naive = datetime(2026, 1, 1, 0, 0)  # noqa: DTZ001 (the case under test)
    assert to_local(naive) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert to_local(naive).isoformat() == "2026-01-01T08:00:00+08:00"


def test_an_instant_needs_an_offset_and_is_answered_in_plus_08_00():
    adapter = TypeAdapter(Instant)
    value = adapter.validate_python("2026-01-01T01:30:00Z")
    assert adapter.dump_python(value) == "2026-01-01T09:30:00+08:00"
    assert adapter.dump_python(adapter.validate_python("2026-01-01T09:30:00+08:00")) == "2026-01-01T09:30:00+08:00"
    with pytest.raises(ValidationError):
        adapter.validate_python("2026-01-01T09:30:00")  # no offset
    with pytest.raises(ValidationError) as e:
        adapter.validate_python("2201-01-01T00:00:00Z")
    assert e.value.errors()[0]["type"] == "datetime_out_of_range"


@pytest.mark.parametrize(("kind", "value", "ok"), [
    (Day, "2026-02-28", True), (Day, "2026-02-29", False), (Day, "2024-02-29", True),
    (Day, "1900-01-01", True), (Day, "1899-12-31", False), (Day, "2200-12-31", True), (Day, "2201-01-01", False),
    (Month, "2026-12", True), (Month, "2026-13", False), (Month, "2026-1", False), (Month, "2201-01", False),
])
def test_days_and_months_in_range(kind, value, ok):
    adapter = TypeAdapter(kind)
    if ok:
        adapter.validate_python(value)
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
