"""Instants: stored in UTC, accepted only with an offset, answered in Asia/Shanghai (+08:00)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BeforeValidator, PlainSerializer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_local(value: datetime) -> datetime:
    """Show an instant in Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(SHANGHAI)


def to_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def local_dt(d: date, t: time) -> datetime:
    """The instant of wall-clock time `t` on day `d` in Asia/Shanghai."""
    return datetime.combine(d, t, tzinfo=SHANGHAI)


def local_date(value: datetime) -> date:
    return to_local(value).date()


def _serialize(value: datetime) -> str:
    return to_local(value).isoformat()


def _to_utc_input(value):
    return value


# An RFC 3339 instant with an offset: a naive datetime is a 422; answers in +08:00.
Instant = Annotated[AwareDatetime, BeforeValidator(_to_utc_input), PlainSerializer(_serialize, return_type=str)]
