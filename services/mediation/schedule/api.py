"""What a schedule grid (排期) needs besides rooms, sessions and closures.

- `GET /api/v1/mediation/office-hours?from=&to=` (dates, at most `availability_max_days`): for each day
  whether it is a working day (the shared calendar: holidays, 调休 and overrides included) and its
  office hours as instants (`windows` [{start, end}], empty on a rest day), plus the booking rules:
  `buffer_minutes`, `min_notice_minutes`, `min_session_minutes`, `max_session_minutes` and
  `last_bookable_day` (today + `horizon_days`). Any reader.
- `GET /api/v1/mediation/occupancy?from=&to=` (dates, at most 31 days), optional `room_id`: when each room
  is taken: `{"items": [{room_id, session_id, case_no, start, end, status}], "next_cursor"}` for the
  sessions not cancelled that overlap the days (Asia/Shanghai), in time order, paginated. No parties
  and no mediators: what the room calendar feed shows; a mediator sees the rooms taken by sessions
  they do not mediate, so a free cell is really free. Readers of sessions.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.mediation.access import AnyReader, SessionReader
from services.mediation.deps import Rules
from services.mediation.rules import field_error
from services.mediation.session import repository as sessions_repo
from services.mediation.session.models import SessionStatus
from shared.db import DbSession, utcnow
from shared.pagination import Page, PageDep, paginate
from shared.routing import OneHopRoute
from shared.timeutil import Day, Instant, local_dt

router = APIRouter(prefix="/api/v1/mediation", tags=["schedule"], route_class=OneHopRoute)
MAX_OCCUPANCY_DAYS = 31


class Window(BaseModel):
    start: Instant
    end: Instant


class OfficeDay(BaseModel):
    date: date
    working_day: bool
    windows: list[Window]


class OfficeHours(BaseModel):
    days: list[OfficeDay]
    buffer_minutes: int
    min_notice_minutes: int
    min_session_minutes: int
    max_session_minutes: int
    last_bookable_day: date


class Occupied(BaseModel):
    room_id: str
    session_id: str
    case_no: str
    start: Instant
    end: Instant
    status: SessionStatus


def _days(from_: date, to: date, most: int) -> None:
    if to < from_:
        raise field_error("to", "to is before from", zh="结束日期早于开始日期")
    if (to - from_).days + 1 > most:
        raise field_error("to", f"at most {most} days at once", zh=f"一次最多查询 {most} 天")


@router.get("/office-hours", response_model=OfficeHours)
def office_hours(rules: Rules, _: AnyReader, from_: Annotated[Day, Query(alias="from")], to: Day) -> OfficeHours:
    """Working days and office hours of [from, to], with the booking rules."""
    st = rules.settings
    _days(from_, to, st.availability_max_days)
    days, d = [], from_
    while d <= to:
        days.append(OfficeDay(date=d, working_day=rules.calendar.is_working_day(d),
                              windows=[Window(start=s, end=e) for s, e in rules.office_intervals(d)]))
        d += timedelta(days=1)
    return OfficeHours(days=days, buffer_minutes=st.buffer_minutes, min_notice_minutes=st.min_notice_minutes,
                       min_session_minutes=st.min_session_minutes, max_session_minutes=st.max_session_minutes,
                       last_bookable_day=rules.last_bookable_day(utcnow()))


@router.get("/occupancy", response_model=Page[Occupied])
def occupancy(session: DbSession, _: SessionReader, page: PageDep, from_: Annotated[Day, Query(alias="from")],
              to: Day, room_id: str | None = None) -> Page[Occupied]:
    """When each room is taken (sessions not cancelled) over the days [from, to]."""
    _days(from_, to, MAX_OCCUPANCY_DAYS)
    start, end = local_dt(from_, time(0)), local_dt(to + timedelta(days=1), time(0))
    rows = sessions_repo.occupying(session, start=start, end=end, room_id=room_id, after=page.after(),
                                   limit=page.limit)
    rows, cursor = paginate(rows, page, lambda s: [s.starts_at.isoformat(), s.id])
    return Page(items=[Occupied(room_id=s.room_id, session_id=s.id, case_no=s.case_no, start=s.starts_at,
                                end=s.ends_at, status=s.status) for s in rows], next_cursor=cursor)
