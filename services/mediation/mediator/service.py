"""Mediators (调解员): register, leave (请假), relations to parties for recusal (回避)."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.mediation.ids import new_id
from services.mediation.mediator import repository as repo
from services.mediation.mediator.models import (
    LeaveCreate,
    LeavePublic,
    Mediator,
    MediatorCreate,
    MediatorLeave,
    MediatorPublic,
    MediatorRelation,
    RelationCreate,
    RelationPublic,
)
from shared.db import utcnow
from shared.errors import Conflict, NotFound


def public(m: Mediator) -> MediatorPublic:
    return MediatorPublic.model_validate(m, from_attributes=True)


def create(session: Session, body: MediatorCreate) -> MediatorPublic:
    if body.user and repo.by_user(session, body.user) is not None:
        raise Conflict(f"The login {body.user!r} is already linked to another mediator.", code="user_taken")
    data = body.model_dump(mode="json")
    m = Mediator(id=new_id(), created_at=utcnow(), **data)
    session.add(m)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"The login {body.user!r} is already linked to another mediator.", code="user_taken") from None
    return public(m)


def get(session: Session, mediator_id: str) -> Mediator:
    m = repo.get(session, mediator_id)
    if m is None:
        raise NotFound("No such mediator.", detail_zh="未找到该调解员。")
    return m


def leave_public(lv: MediatorLeave, affected: list[str] | None = None) -> LeavePublic:
    return LeavePublic(id=lv.id, mediator_id=lv.mediator_id, start=lv.starts_at, end=lv.ends_at, reason=lv.reason,
                       affected_session_ids=affected or [])


def record_leave(session: Session, mediator_id: str, body: LeaveCreate) -> MediatorLeave:
    """Record leave (the sessions it touches are listed by flows.add_leave)."""
    get(session, mediator_id)
    lv = MediatorLeave(id=new_id(), mediator_id=mediator_id, starts_at=body.start, ends_at=body.end,
                       reason=body.reason, created_at=utcnow())
    session.add(lv)
    session.flush()
    return lv


def leave(session: Session, mediator_id: str) -> list[LeavePublic]:
    get(session, mediator_id)
    return [leave_public(lv) for lv in repo.leave_of(session, mediator_id)]


def relation_public(r: MediatorRelation) -> RelationPublic:
    return RelationPublic.model_validate(r, from_attributes=True)


def record_relation(session: Session, mediator_id: str, body: RelationCreate) -> MediatorRelation:
    """Record a relation to a party: the mediator is then recused (回避) from that party's sessions
    (those already booked are flagged by flows.add_relation)."""
    get(session, mediator_id)
    r = MediatorRelation(id=new_id(), mediator_id=mediator_id, party_name=" ".join(body.party_name.split()),
                         relation=body.relation, created_at=utcnow())
    session.add(r)
    session.flush()
    return r


def relations(session: Session, mediator_id: str) -> list[RelationPublic]:
    get(session, mediator_id)
    return [relation_public(r) for r in repo.relations_of(session, mediator_id)]
