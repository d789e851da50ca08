"""Stored deadlines that follow the calendar: recomputed when it changes, recorded, announced.

When the bureau changes the calendar (`calendar.day.set`, or `calendar.year.set` for a State Council
notice loaded whole), each service applies the change to its own calendar (inbox) and, in the same
transaction, computes again every stored deadline not yet passed (`recompute(session, calendar, event)`,
given by the service). Each deadline that moved is recorded in `deadline_change` (old -> new, the
calendar event that caused it) and announced as `<service>.deadline.recomputed` (outbox), which reaches
the webhooks through the hub like every event.

`POST /internal/calendar/apply` (service role) applies a calendar event right away, through the same
inbox as the hub's push (so whichever comes first applies it, once), and answers with the deadlines that
event moved: the gateway's `PUT /api/v1/calendar/years/{year}` gathers its `recomputed` list this way.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import Column, Date, Index, Integer, String, select
from sqlmodel import Field, Session, SQLModel, col

from shared import clock
from shared.auth import ServicePrincipal
from shared.calendar import WorkingCalendar
from shared.db import UTCDateTime, utcnow
from shared.events import emit
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers, apply_event

CALENDAR_EVENTS = ("calendar.day.set", "calendar.year.set")
# recompute(session, calendar, event, today): deadlines on or after `today` (the app's clock) are not yet passed.
Recompute = Callable[[Session, WorkingCalendar, CloudEvent, date], None]


class DeadlineChange(SQLModel, table=True):
    """A stored deadline moved by a calendar change: what, from, to, and which calendar event moved it."""

    __tablename__ = "deadline_change"
    __table_args__ = (Index("ix_deadline_change_cause", "cause"), Index("ix_deadline_change_object", "object",
                                                                          "object_id"),
                      {"info": {"owner": "shared"}})

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    object: str = Field(sa_column=Column(String(40), nullable=False))
    object_id: str = Field(sa_column=Column(String(64), nullable=False))
    field: str = Field(sa_column=Column(String(64), nullable=False))
    case_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    from_day: date = Field(sa_column=Column(Date, nullable=False))
    to_day: date = Field(sa_column=Column(Date, nullable=False))
    missing_year: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    cause: str = Field(sa_column=Column(String(128), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


def change_public(c: DeadlineChange, service: str) -> dict[str, Any]:
    return {"object": c.object, "id": c.object_id, "field": c.field, "case_no": c.case_no,
            "from": c.from_day.isoformat(), "to": c.to_day.isoformat(), "service": service,
            "deadline_provisional": c.missing_year is not None, "deadline_missing_year": c.missing_year}


def record(session: Session, source: str, event: CloudEvent, *, object: str, object_id: str, field: str,
           case_no: str | None, old: date, new: date, missing_year: int | None,
           extra: dict[str, Any] | None = None) -> DeadlineChange:
    """Record one moved deadline and announce it (`<source>.deadline.recomputed`), in the caller's transaction.

    `extra`: more fields for the event (e.g. a handoff's new `expires_at` instant)."""
    c = DeadlineChange(id=uuid.uuid4().hex, object=object, object_id=object_id, field=field, case_no=case_no,
                       from_day=old, to_day=new, missing_year=missing_year, cause=event.id, at=utcnow())
    session.add(c)
    data = {**change_public(c, source), **(extra or {}), "cause": {"event_id": event.id, "type": event.type,
                                                  "data": {k: v for k, v in (event.data or {}).items()
                                                           if k != "days"}}}
    emit(session, source=source, type=f"{source}.deadline.recomputed", subject=case_no, data=data)
    return c


def changes_caused_by(session: Session, cause: str) -> list[DeadlineChange]:
    q = (select(DeadlineChange).where(col(DeadlineChange.cause) == cause)
         .order_by(col(DeadlineChange.object), col(DeadlineChange.object_id), col(DeadlineChange.field)))
    return list(session.execute(q).scalars())


def on_calendar_year_set(app: FastAPI) -> Callable:
    """Apply `calendar.year.set` {year, days: [{date, kind, name}]} to this service's own calendar."""

    def handler(session: Session, event: CloudEvent) -> None:
        d = event.data
        days = [(date.fromisoformat(x["date"]), x["kind"], x.get("name") or "") for x in d.get("days") or []]
        app.state.calendar.set_year(session, int(d["year"]), days, d.get("name") or "", sequence=event.sequence)

    return handler


class CalendarApply(BaseModel):
    event: CloudEvent


def install(app: FastAPI, handlers: EventHandlers, *recomputes: Recompute) -> None:
    """Wire a service: apply whole years, recompute its deadlines after any calendar change (each of
    `recomputes`, in order, in the same transaction), and the internal endpoint that applies a
    calendar event now and answers with the deadlines it moved."""
    consumer = app.state.settings.service_name
    handlers.on("calendar.year.set")(on_calendar_year_set(app))

    def after_change(session: Session, event: CloudEvent) -> None:
        # Registered after the handlers that write the days: the calendar as this transaction sees it.
        cal, today = app.state.calendar.fresh(session), clock.today(app)
        for recompute in recomputes:
            recompute(session, cal, event, today)

    for t in CALENDAR_EVENTS:
        handlers.on(t)(after_change)

    router = APIRouter(tags=["internal"])

    @router.post("/internal/calendar/apply")
    def apply_now(body: CalendarApply, request: Request, _: ServicePrincipal) -> dict:
        ev = body.event
        if ev.type not in CALENDAR_EVENTS:
            from shared.errors import Unprocessable
            raise Unprocessable(f"not a calendar event: {ev.type}")
        applied = apply_event(request.app.state.db, consumer, handlers, ev)
        with request.app.state.db.session() as s:
            moved = [change_public(c, consumer) for c in changes_caused_by(s, ev.id)]
        return {"service": consumer, "applied_now": applied, "recomputed": moved}

    app.include_router(router)
