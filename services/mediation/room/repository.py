"""Every query about rooms and closures."""
from __future__ import annotations

from datetime import datetime

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


def all_rooms(session: Session) -> list[Room]:
    return list(session.execute(select(Room).order_by(Room.id)).scalars())


def closures_between(session: Session, room_ids: list[str] | None, start: datetime, end: datetime) -> list[RoomClosure]:
    q = select(RoomClosure).where(RoomClosure.starts_at < end, RoomClosure.ends_at > start)
    if room_ids is not None:
        q = q.where(RoomClosure.room_id.in_(room_ids))
    return list(session.execute(q.order_by(RoomClosure.starts_at)).scalars())


def closures_of(session: Session, room_id: str) -> list[RoomClosure]:
    q = select(RoomClosure).where(RoomClosure.room_id == room_id).order_by(RoomClosure.starts_at)
    return list(session.execute(q).scalars())
