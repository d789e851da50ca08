"""Dates and times as people in the bureau read them: `2026年12月3日 星期四`, `09:30`, Asia/Shanghai."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def now_local() -> datetime:
    return datetime.now(SHANGHAI)


def today_local() -> date:
    return now_local().date()


def parse_instant(value: str | datetime | None) -> datetime | None:
    """An API instant (RFC 3339 with offset) in Asia/Shanghai."""
    if value is None or value == "":
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(SHANGHAI)


def instant(value: str | datetime) -> datetime:
    """A required API instant in Asia/Shanghai (ValueError when it is empty)."""
    dt = parse_instant(value)
    if dt is None:
        raise ValueError("an instant is required")
    return dt


def as_date(value: str | date | datetime | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    text = str(value)
    return instant(text).date() if "T" in text else date.fromisoformat(text[:10])


def zh_date(value) -> str:
    """`2026年12月3日 星期四`."""
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日 {WEEKDAYS[d.weekday()]}" if d else ""


def zh_short_date(value) -> str:
    """`12月3日`."""
    d = as_date(value)
    return f"{d.month}月{d.day}日" if d else ""


def zh_time(value) -> str:
    """`09:30` in Asia/Shanghai."""
    dt = parse_instant(value)
    return dt.strftime("%H:%M") if dt else ""


def zh_datetime(value) -> str:
    """`2026年12月3日 星期四 09:30`."""
    dt = parse_instant(value)
    return f"{zh_date(dt)} {dt.strftime('%H:%M')}" if dt else ""


def days_left(value) -> int | None:
    """Whole days from today (Asia/Shanghai) to a date; negative when past."""
    d = as_date(value)
    return (d - today_local()).days if d else None


def local_input(value) -> str:
    """An instant as a `datetime-local` input value (`2026-12-03T09:30`)."""
    dt = parse_instant(value)
    return dt.strftime("%Y-%m-%dT%H:%M") if dt else ""


def from_local_input(value: str) -> datetime:
    """A `datetime-local` value, read as Asia/Shanghai time (raises ValueError when malformed)."""
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


FILTERS = {
    "zh_date": zh_date,
    "zh_short_date": zh_short_date,
    "zh_time": zh_time,
    "zh_datetime": zh_datetime,
    "days_left": days_left,
    "local_input": local_input,
}
