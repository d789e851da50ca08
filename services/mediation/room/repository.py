"""Every query about rooms and closures."""
from __future__ import annotations


from sqlalchemy import select
from sqlmodel import Session

from services.mediation.room.models import Room, RoomClosure


def get(session: Session, room_id: str) -> Room | None:
    return session.get(Room, room_id)


def page(session: Session, after: list | None, limit: int) -> list[Room]:
    q = select(Room).order_by(Room.name, Room.id).limit(limit + 1)
    if after:
        q = q.where((Room.name > after[0]) | ((Room.name == after[0]) & (Room.id > after[1])))
    return list(session.execute(q).scalars())




def closures_of(session: Session, room_id: str) -> list[RoomClosure]:
    q = select(RoomClosure).where(RoomClosure.room_id == room_id).order_by(RoomClosure.starts_at)
    return list(session.execute(q).scalars())
