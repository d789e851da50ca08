"""Roster endpoints: /api/v1/lawyers/lawyers..."""
from __future__ import annotations

from fastapi import APIRouter, Response

from services.lawyers.context import CtxDep
from services.lawyers.lawyer import repository as repo
from services.lawyers.lawyer import service
from services.lawyers.lawyer.models import (
    ContractIn,
    LawyerCreate,
    LawyerKind,
    LawyerUpdate,
    LeaveIn,
    contract_public,
    leave_public,
)
from shared.pagination import PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["roster"], route_class=OneHopRoute)


@router.post("/lawyers", status_code=201, responses=problems((409, "license_no_taken", "user_taken")))
def create_lawyer(body: LawyerCreate, ctx: CtxDep) -> dict:
    ctx.require("coordinator")
    return service.public(ctx, service.create(ctx, body))


@router.get("/lawyers")
def list_lawyers(ctx: CtxDep, page: PageDep, kind: LawyerKind | None = None, specialty: str | None = None,
                 active: bool | None = None) -> dict:
    only = None
    if not ctx.has(*service.READ_ALL):
        only = ctx.me or ""
    rows = repo.page(ctx.session, kind=kind, specialty=specialty, active=active, only_id=only,
                     after=page.after(), limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: r.id)
    return {"items": [service.public(ctx, r) for r in rows], "next_cursor": cursor}


@router.get("/lawyers/{lawyer_id}")
def get_lawyer(lawyer_id: str, ctx: CtxDep) -> dict:
    return service.public(ctx, service.visible(ctx, lawyer_id))


@router.patch("/lawyers/{lawyer_id}", responses=problems((409, "user_taken")))
def update_lawyer(lawyer_id: str, body: LawyerUpdate, ctx: CtxDep) -> dict:
    return service.public(ctx, service.update(ctx, lawyer_id, body))


@router.post("/lawyers/{lawyer_id}/contracts", status_code=201, responses=problems((409, "contract_overlap")))
def add_contract(lawyer_id: str, body: ContractIn, ctx: CtxDep) -> dict:
    return contract_public(service.add_contract(ctx, service.managed(ctx, lawyer_id), body))


@router.get("/lawyers/{lawyer_id}/contracts")
def list_contracts(lawyer_id: str, ctx: CtxDep) -> dict:
    lw = service.visible(ctx, lawyer_id)
    return {"items": [contract_public(c) for c in repo.contracts(ctx.session, lw.id)], "next_cursor": None}


@router.post("/lawyers/{lawyer_id}/leaves", status_code=201)
def add_leave(lawyer_id: str, body: LeaveIn, ctx: CtxDep) -> dict:
    return leave_public(service.add_leave(ctx, service.managed(ctx, lawyer_id), body))


@router.get("/lawyers/{lawyer_id}/leaves")
def list_leaves(lawyer_id: str, ctx: CtxDep) -> dict:
    lw = service.visible(ctx, lawyer_id)
    return {"items": [leave_public(x) for x in repo.leaves(ctx.session, lw.id)], "next_cursor": None}


@router.delete("/lawyers/{lawyer_id}/leaves/{leave_id}", status_code=204)
def remove_leave(lawyer_id: str, leave_id: str, ctx: CtxDep) -> Response:
    service.remove_leave(ctx, service.managed(ctx, lawyer_id), leave_id)
    return Response(status_code=204)
