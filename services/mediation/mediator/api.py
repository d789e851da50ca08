"""Mediators: `/api/v1/mediation/mediators`."""
from __future__ import annotations

from fastapi import APIRouter

from services.mediation import flows
from services.mediation.access import AnyReader, Coordinator, SessionReader, SessionWriter
from services.mediation.mediator import repository as repo
from services.mediation.mediator import service
from services.mediation.mediator.models import (
    LeaveCreate,
    LeavePublic,
    MediatorCreate,
    MediatorPublic,
    RelationCreate,
    RelationPublic,
)
from shared.db import DbSession
from shared.errors import Forbidden, NotFound
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/mediators", tags=["mediators"], route_class=OneHopRoute)


@router.post("", status_code=201, response_model=MediatorPublic, responses=problems((409, "user_taken")))
def create_mediator(body: MediatorCreate, session: DbSession, _: Coordinator) -> MediatorPublic:
    return service.create(session, body)


@router.get("", response_model=Page[MediatorPublic])
def list_mediators(session: DbSession, page: PageDep, _: AnyReader) -> Page[MediatorPublic]:
    rows, cursor = paginate(repo.page(session, page.after(), page.limit), page, lambda m: [m.name, m.id])
    return Page(items=[service.public(m) for m in rows], next_cursor=cursor)


@router.get("/{mediator_id}", response_model=MediatorPublic)
def get_mediator(mediator_id: str, session: DbSession, _: AnyReader) -> MediatorPublic:
    return service.public(service.get(session, mediator_id))


@router.post("/{mediator_id}/leave", status_code=201, response_model=LeavePublic)
def add_leave(mediator_id: str, body: LeaveCreate, session: DbSession, _: Coordinator) -> LeavePublic:
    return flows.add_leave(session, mediator_id, body)


@router.get("/{mediator_id}/leave", response_model=Page[LeavePublic])
def list_leave(mediator_id: str, session: DbSession, caller: SessionReader) -> Page[LeavePublic]:
    if not (caller.sees_all or caller.mediator_id == mediator_id):
        raise NotFound("No such mediator.", detail_zh="未找到该调解员。")
    return Page(items=service.leave(session, mediator_id), next_cursor=None)


@router.post("/{mediator_id}/relations", status_code=201, response_model=RelationPublic)
def add_relation(mediator_id: str, body: RelationCreate, session: DbSession,
                 caller: SessionWriter) -> RelationPublic:
    """Coordinators record relations; a mediator may also declare their own (自行回避)."""
    if not (caller.manages_all or caller.mediator_id == mediator_id):
        raise Forbidden("Only a coordinator or the mediator themself records a relation.")
    return flows.add_relation(session, mediator_id, body)


@router.get("/{mediator_id}/relations", response_model=Page[RelationPublic])
def list_relations(mediator_id: str, session: DbSession, caller: SessionReader) -> Page[RelationPublic]:
    if not (caller.principal.has("coordinator", "auditor") or caller.mediator_id == mediator_id):
        raise NotFound("No such mediator.", detail_zh="未找到该调解员。")
    return Page(items=service.relations(session, mediator_id), next_cursor=None)
