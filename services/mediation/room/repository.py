"""Every query about rooms and closures."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.room.models import Room, RoomClosure
from shared.db import table_of


def get(session: Session, room_id: str) -> Room | None:
    return session.get(Room, room_id)


ROOM_COLUMNS = select(*table_of(Room).c)  # Core: no ORM identity map for a room that is only answered


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
