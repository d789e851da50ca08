"""Every query of an availability search (空闲时段): the rooms and mediators, closures, leave and claims."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from services.mediation.mediator.models import Mediator, MediatorLeave
from services.mediation.room.models import Room, RoomClosure
from services.mediation.session.models import MAX_CLAIM, ClaimKindUnindexed, ResourceClaim


def room_ids(session: Session, room_id: str | None = None) -> list[str]:
    """Every room id in order, or just `room_id` if it exists."""
    q = select(col(Room.id)).order_by(col(Room.id))
    if room_id:
        q = q.where(col(Room.id) == room_id)
    return list(session.execute(q).scalars())


def mediators(session: Session, mediator_id: str | None = None) -> list[tuple[str, list | None, list | None]]:
    """(id, languages, working hours) of every mediator in id order, or just `mediator_id`."""
    q = select(col(Mediator.id), col(Mediator.languages), col(Mediator.working_hours)).order_by(col(Mediator.id))
    if mediator_id:
        q = q.where(col(Mediator.id) == mediator_id)
    return [(mid, langs, wh) for mid, langs, wh in session.execute(q)]


def closures_between(session: Session, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(room id, start, end) of every room closure overlapping [start, end)."""
    q = select(col(RoomClosure.room_id), col(RoomClosure.starts_at), col(RoomClosure.ends_at)).where(
        col(RoomClosure.starts_at) < end, col(RoomClosure.ends_at) > start)
    return [(rid, s, e) for rid, s, e in session.execute(q)]


def leave_between(session: Session, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(mediator id, start, end) of every leave overlapping [start, end)."""
    q = select(col(MediatorLeave.mediator_id), col(MediatorLeave.starts_at), col(MediatorLeave.ends_at)).where(
        col(MediatorLeave.starts_at) < end, col(MediatorLeave.ends_at) > start)
    return [(mid, s, e) for mid, s, e in session.execute(q)]


def claims_between(session: Session, lo: datetime, hi: datetime, rooms: list[str], mediator_ids: list[str],
                   all_rooms: bool, all_meds: bool) -> Sequence[Any]:
    """(kind, key, start, end) of the room and mediator claims overlapping [lo, hi).

    `all_rooms` / `all_meds`: every room's (mediator's) claims, not only those of `rooms` (`mediator_ids`).
    """
    kind = ClaimKindUnindexed()  # the period's claims from the start index (session/models.py)
    kinds = [kind == "room" if all_rooms else and_(kind == "room", col(ResourceClaim.resource_key).in_(rooms)),
             kind == "mediator" if all_meds else
             and_(kind == "mediator", col(ResourceClaim.resource_key).in_(mediator_ids))]
    q = (select(col(ResourceClaim.resource_kind), col(ResourceClaim.resource_key), col(ResourceClaim.starts_at),
                col(ResourceClaim.ends_at))
         .where(or_(*kinds), col(ResourceClaim.starts_at) < hi, col(ResourceClaim.ends_at) > lo,
                # No claim lasts a day: this bound turns the scan into an index range.
                col(ResourceClaim.starts_at) > lo - MAX_CLAIM))
    return session.execute(q).all()
