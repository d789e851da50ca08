"""Every query about rooms and closures."""
from __future__ import annotations


from sqlalchemy import select
from sqlmodel import Session

from services.mediation.room.models import Room, RoomClosure


def get(session: Session, room_id: str) -> Room | None:
    return session.get(Room, room_id)


ROOM_COLUMNS = select(*Room.__table__.c)  # Core: no ORM identity map for a room that is only answered


def get_row(session: Session, room_id: str):
    """The room's columns as a plain row (attributes by column name), or None."""
    return session.execute(ROOM_COLUMNS.where(Room.__table__.c.id == room_id)).first()


def page(session: Session, after: list | None, limit: int) -> list[Room]:
    q = select(Room).order_by(Room.name, Room.id).limit(limit + 1)
    if after:
        q = q.where((Room.name > after[0]) | ((Room.name == after[0]) & (Room.id > after[1])))
    return list(session.execute(q).scalars())




def closures_of(session: Session, room_id: str) -> list[RoomClosure]:
    q = select(RoomClosure).where(RoomClosure.room_id == room_id).order_by(RoomClosure.starts_at)
    return list(session.execute(q).scalars())
