"""Every query about mediators, their leave and relations."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.mediator.models import Mediator, MediatorLeave, MediatorRelation


def get(session: Session, mediator_id: str) -> Mediator | None:
    return session.get(Mediator, mediator_id)


def get_many(session: Session, ids: list[str]) -> dict[str, Mediator]:
    return {m.id: m for m in session.execute(select(Mediator).where(col(Mediator.id).in_(ids))).scalars()}


def by_user(session: Session, user: str) -> Mediator | None:
    return session.execute(select(Mediator).where(col(Mediator.user) == user)).scalar()


def id_of_user(session: Session, user: str) -> str | None:
    """The id of the mediator record linked to login `user` (its `user` field), or None."""
    return session.execute(select(col(Mediator.id)).where(col(Mediator.user) == user)).scalar()


def page(session: Session, after: list | None, limit: int) -> list[Mediator]:
    q = select(Mediator).order_by(Mediator.name, Mediator.id).limit(limit + 1)
    if after:
        q = q.where((Mediator.name > after[0]) | ((Mediator.name == after[0]) & (Mediator.id > after[1])))
    return list(session.execute(q).scalars())




def leave_of(session: Session, mediator_id: str) -> list[MediatorLeave]:
    q = (select(MediatorLeave).where(col(MediatorLeave.mediator_id) == mediator_id)
         .order_by(col(MediatorLeave.starts_at)))
    return list(session.execute(q).scalars())


def relations_of(session: Session, mediator_id: str) -> list[MediatorRelation]:
    q = select(MediatorRelation).where(col(MediatorRelation.mediator_id) == mediator_id)
    return list(session.execute(q.order_by(col(MediatorRelation.created_at))).scalars())
