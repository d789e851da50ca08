"""`PUT /api/v1/calendar/days/{date}`: the bureau sets a holiday or working day (e.g. next year's notice).

The gateway writes its own override and emits `calendar.day.set` {date, kind, name}
in the same transaction; every service applies it to its own calendar (inbox),
so the day survives restarts everywhere.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.gateway.handoff import deadlines as handoff_deadlines
from shared.auth import READ_ROLES, Principal, require_roles
from shared.db import DbSession
from shared.events import emit
from shared.timeutil import Day

router = APIRouter(tags=["calendar"])
Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]


class CalendarDaySet(BaseModel):
    kind: Literal["holiday", "workday"]
    name: str = Field(default="", max_length=100)


def subject_of(day: date) -> str:
    """Events of one day share a subject, so that two changes of a day apply in order."""
    return f"calendar:{day.isoformat()}"


@router.put("/api/v1/calendar/days/{day}")
def set_calendar_day(day: Day, body: CalendarDaySet, request: Request, session: DbSession,
                     _: Coordinator) -> dict:
    """Set one day; the handoffs' acceptance deadlines follow in this transaction, the services' deadlines
    when the event reaches them (each move announced as `<service>.deadline.recomputed`)."""
    app = request.app
    before = app.state.calendar.fresh(session)
    app.state.calendar.set_day(session, day, body.kind, body.name)
    data = {"date": day.isoformat(), "kind": body.kind, "name": body.name}
    event = emit(session, source="gateway", type="calendar.day.set", subject=subject_of(day), data=data)
    handoff_deadlines.follow_calendar(app, session, before, event)
    return data


@router.get("/api/v1/calendar/days/{day}")
def get_calendar_day(day: Day, request: Request, session: DbSession, _: Reader) -> dict:
    cal = request.app.state.calendar.get(session)
    return {"date": day.isoformat(), "working_day": cal.is_working_day(day), "known": cal.is_known(day),
            "override": cal.overrides.get(day)}
