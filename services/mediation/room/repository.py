"""Every query about rooms and closures."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from services.mediation.room.models import Room, RoomClosure
from shared.async_reads import AsyncReads, Read
from shared.db import table_of


def get(session: Session, room_id: str) -> Room | None:
    return session.get(Room, room_id)


# The answered reads: Core statements run on the event loop (shared/async_reads.py), no ORM identity map.
_ROOMS = table_of(Room).c
ROOM_COLUMNS = select(*_ROOMS)
ROOM_BY_ID = Read(ROOM_COLUMNS.where(_ROOMS.id == bindparam("room_id")))


async def get_row_async(reads: AsyncReads, room_id: str) -> Mapping[str, Any] | None:
    """The room's columns by name, read on the event loop (the hot `GET /rooms/{id}`), or None."""
    return await reads.first(ROOM_BY_ID, room_id=room_id)


ROOMS_FIRST = Read(ROOM_COLUMNS.order_by(_ROOMS.name, _ROOMS.id).limit(bindparam("limit")))
ROOMS_AFTER = Read(ROOM_COLUMNS.where((_ROOMS.name > bindparam("name")) | (
    (_ROOMS.name == bindparam("name")) & (_ROOMS.id > bindparam("id")))).order_by(_ROOMS.name, _ROOMS.id)
                   .limit(bindparam("limit")))


async def page_async(reads: AsyncReads, after: list | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit + 1` rooms by name after the key `after` ([name, id]), read on the event loop."""
    if after:
        return await reads.all(ROOMS_AFTER, name=after[0], id=after[1], limit=limit + 1)
    return await reads.all(ROOMS_FIRST, limit=limit + 1)


def closures_of(session: Session, room_id: str) -> list[RoomClosure]:
    q = select(RoomClosure).where(col(RoomClosure.room_id) == room_id).order_by(col(RoomClosure.starts_at))
    return list(session.execute(q).scalars())
