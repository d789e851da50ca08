"""Availability: `GET /api/v1/mediation/availability`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.mediation.access import AnyReader
from services.mediation.availability import service
from services.mediation.deps import Rules
from shared.db import DbSession
from shared.routing import OneHopRoute
from shared.timeutil import Day

router = APIRouter(prefix="/api/v1/mediation", tags=["availability"], route_class=OneHopRoute)


class Slot(BaseModel):
    start: str
    end: str
    room_id: str
    mediator_id: str


class Availability(BaseModel):
    slots: list[Slot]


@router.get("/availability", response_model=Availability)
def availability(session: DbSession, rules: Rules, _: AnyReader,
                 from_: Annotated[Day, Query(alias="from")], to: Day,
                 duration_minutes: Annotated[int, Query(ge=1, le=24 * 60)],
                 room_id: str | None = None, mediator_id: str | None = None,
                 language: Annotated[str | None, Query(max_length=16)] = None,
                 limit: Annotated[int | None, Query(ge=1)] = None) -> dict:
    """Free (room, mediator) slots in time order, inside working hours of working days."""
    return {"slots": service.search(session, rules, from_=from_, to=to, duration_minutes=duration_minutes,
                                    room_id=room_id, mediator_id=mediator_id, language=language, limit=limit)}
