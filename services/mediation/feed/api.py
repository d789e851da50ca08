"""Calendar feeds: `GET /mediators/{id}/calendar.ics`, `GET /rooms/{id}/calendar.ics`."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from services.mediation.access import SessionReader
from services.mediation.feed import service
from services.mediation.mediator import service as mediators
from services.mediation.room import service as rooms
from shared.db import DbSession
from shared.errors import NotFound
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation", tags=["calendar"], route_class=OneHopRoute)
FEED_RESPONSES: dict[int | str, dict] = {200: {"description": "An iCalendar feed (RFC 5545).",
                                              "content": {"text/calendar": {"schema": {"type": "string"}}}}}
ICS = "text/calendar; charset=utf-8"


@router.get("/mediators/{mediator_id}/calendar.ics", response_class=Response, responses=FEED_RESPONSES)
def mediator_calendar(mediator_id: str, session: DbSession, caller: SessionReader) -> Response:
    """A mediator's own sessions (a mediator sees only their own feed)."""
    if not (caller.sees_all or caller.mediator_id == mediator_id):
        raise NotFound("No such mediator.", detail_zh="未找到该调解员。")
    m = mediators.get(session, mediator_id)
    return Response(service.mediator_feed(session, m.id, m.name), media_type=ICS,
                    headers={"Content-Disposition": f'inline; filename="mediator-{m.id}.ics"'})


@router.get("/rooms/{room_id}/calendar.ics", response_class=Response, responses=FEED_RESPONSES)
def room_calendar(room_id: str, session: DbSession, caller: SessionReader) -> Response:
    """A room's bookings, without the parties' names."""
    room = rooms.get(session, room_id)
    return Response(service.room_feed(session, room), media_type=ICS,
                    headers={"Content-Disposition": f'inline; filename="room-{room.id}.ics"'})
