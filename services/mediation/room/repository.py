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


ROOM_COLUMNS = select(*table_of(Room).c)  # Core: no ORM identity map for a room that is only answered


ROOM_BY_ID = Read(ROOM_COLUMNS.where(table_of(Room).c.id == bindparam("room_id")))


async def get_row_async(reads: AsyncReads, room_id: str) -> Mapping[str, Any] | None:
    """The room's columns by name, read on the event loop (the hot `GET /rooms/{id}`), or None."""
    return await reads.first(ROOM_BY_ID, room_id=room_id)


def get_row(session: Session, room_id: str):
    """The room's columns as a plain row (attributes by column name), or None."""
    return session.execute(ROOM_COLUMNS.where(table_of(Room).c.id == room_id)).first()


def page(session: Session, after: list | None, limit: int) -> list[Room]:
    q = select(Room).order_by(Room.name, Room.id).limit(limit + 1)
    if after:
        q = q.where((Room.name > after[0]) | ((Room.name == after[0]) & (Room.id > after[1])))
    return list(session.execute(q).scalars())




def closures_of(session: Session, room_id: str) -> list[RoomClosure]:
    q = select(RoomClosure).where(col(RoomClosure.room_id) == room_id).order_by(col(RoomClosure.starts_at))
    return list(session.execute(q).scalars())
