"""Instants: stored in UTC, accepted only with an offset, answered in Asia/Shanghai (+08:00).

`Day`, `Instant` and `Month` accept years 1900–2200 only: anything outside is a 422 naming the field, never
an OverflowError when a day is turned into an instant or days are added to it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, PlainSerializer, StringConstraints
from pydantic_core import PydanticCustomError

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 1900, 2200


def to_local(value: datetime) -> datetime:
    """Show an instant in Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI)


def to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def local_dt(d: date, t: time) -> datetime:
    """The instant of wall-clock time `t` on day `d` in Asia/Shanghai."""
    return datetime.combine(d, t, tzinfo=SHANGHAI)


def local_date(value: datetime) -> date:
    return to_local(value).date()


def _serialize(value: datetime) -> str:
    return to_local(value).isoformat()


def _to_utc_input(value):
    return value


def _bounded(kind: str) -> AfterValidator:
    """A 422 `<kind>_out_of_range` for a year outside MIN_YEAR–MAX_YEAR."""
    def check(value: date) -> date:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise PydanticCustomError(f"{kind}_out_of_range", kind + " must be in the years {min_year}–{max_year}",
                                      {"min_year": MIN_YEAR, "max_year": MAX_YEAR})
        return value

    return AfterValidator(check)


# A calendar day `YYYY-MM-DD` in the years MIN_YEAR–MAX_YEAR (bodies, query and path parameters). As a
# parameter write `Annotated[Day, Query(...)]`: FastAPI drops the check from `x: Day = Query(...)`.
Day = Annotated[date, _bounded("date")]


def _month_in_range(value: str) -> str:
    if not MIN_YEAR <= int(value[:4]) <= MAX_YEAR:
        raise PydanticCustomError("date_out_of_range", "month must be in the years {min_year}–{max_year}",
                                  {"min_year": MIN_YEAR, "max_year": MAX_YEAR})
    return value


# A calendar month `YYYY-MM` (报表月份) in the years MIN_YEAR–MAX_YEAR; as a parameter, like `Day`.
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), AfterValidator(_month_in_range)]

# An RFC 3339 instant with an offset: a naive datetime is a 422; answers in +08:00.
Instant = Annotated[AwareDatetime, BeforeValidator(_to_utc_input), _bounded("datetime"),
                    PlainSerializer(_serialize, return_type=str)]
