"""Rooms (调解室) and closures: create, list, close for maintenance or meetings."""
from __future__ import annotations

from sqlmodel import Session

from services.mediation.ids import new_id
from services.mediation.room import repository as repo
from services.mediation.room.models import ClosureCreate, ClosurePublic, Room, RoomClosure, RoomCreate, RoomPublic
from services.mediation.session import repository as sessions
from shared.async_reads import AsyncReads
from shared.db import utcnow
from shared.errors import NotFound


def no_such_room() -> NotFound:
    return NotFound("No such room.", detail_zh="未找到该调解室。")


def public(room: Room) -> RoomPublic:
    return RoomPublic.model_validate(room, from_attributes=True)


def create(session: Session, body: RoomCreate) -> RoomPublic:
    room = Room(id=new_id(), created_at=utcnow(), **body.model_dump())
    session.add(room)
    session.flush()
    return public(room)


async def get_public(reads: AsyncReads, room_id: str) -> RoomPublic:
    """One room as answered, read on the event loop (the hot `GET /rooms/{id}`, issue 11)."""
    row = await repo.get_row_async(reads, room_id)
    if row is None:
        raise no_such_room()
    return RoomPublic.model_validate(row)


def get(session: Session, room_id: str) -> Room:
    room = repo.get(session, room_id)
    if room is None:
        raise no_such_room()
    return room


def closure_public(c: RoomClosure, affected: list[str] | None = None) -> ClosurePublic:
    return ClosurePublic(id=c.id, room_id=c.room_id, start=c.starts_at, end=c.ends_at, reason=c.reason,
                         affected_session_ids=affected or [])


def close(session: Session, room_id: str, body: ClosureCreate) -> ClosurePublic:
    """Close a room for a period; sessions already booked there are listed for rescheduling."""
    get(session, room_id)
    c = RoomClosure(id=new_id(), room_id=room_id, starts_at=body.start, ends_at=body.end, reason=body.reason,
                    created_at=utcnow())
    session.add(c)
    session.flush()
    affected = sessions.active_ids_overlapping(session, room_id=room_id, start=body.start, end=body.end)
    return closure_public(c, affected)


def closures(session: Session, room_id: str) -> list[ClosurePublic]:
    get(session, room_id)
    return [closure_public(c) for c in repo.closures_of(session, room_id)]
