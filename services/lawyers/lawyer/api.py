"""Roster endpoints: /api/v1/lawyers/lawyers..."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from services.lawyers import flows
from services.lawyers.access import CoordinatorCtx, ManagedLawyer, VisibleLawyer
from services.lawyers.context import CtxDep
from services.lawyers.lawyer import repository as repo
from services.lawyers.lawyer import service
from services.lawyers.lawyer.models import (
    ContractIn,
    ContractPublic,
    LawyerCreate,
    LawyerKind,
    LawyerPublic,
    LawyerUpdate,
    LeaveIn,
    LeavePublic,
    contract_public,
    leave_public,
)
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["roster"], route_class=OneHopRoute)


@router.post("/lawyers", status_code=201, response_model=LawyerPublic,
             responses=problems((409, "license_no_taken", "user_taken")))
def create_lawyer(body: LawyerCreate, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.public(ctx, service.create(ctx, body))


@router.get("/lawyers", response_model=Page[LawyerPublic])
def list_lawyers(ctx: CtxDep, page: PageDep, kind: LawyerKind | None = None, specialty: str | None = None,
                 active: bool | None = None) -> dict[str, Any]:
    only = None
    if not ctx.has(*service.READ_ALL):
        only = ctx.me or ""
    rows = repo.page(ctx.session, kind=kind, specialty=specialty, active=active, only_id=only,
                     after=page.after(), limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: r.id)
    return {"items": [service.public(ctx, r) for r in rows], "next_cursor": cursor}


@router.get("/lawyers/{lawyer_id}", response_model=LawyerPublic)
def get_lawyer(lawyer: VisibleLawyer) -> dict[str, Any]:
    return service.public(lawyer.ctx, lawyer.load())


@router.patch("/lawyers/{lawyer_id}", response_model=LawyerPublic, responses=problems((409, "user_taken")))
def update_lawyer(body: LawyerUpdate, lawyer: ManagedLawyer) -> dict[str, Any]:
    ctx = lawyer.ctx
    return service.public(ctx, flows.update_lawyer(ctx, lawyer.load(), body))


@router.post("/lawyers/{lawyer_id}/contracts", status_code=201, response_model=ContractPublic,
             responses=problems((409, "contract_overlap")))
def add_contract(body: ContractIn, lawyer: ManagedLawyer) -> dict[str, Any]:
    return contract_public(service.add_contract(lawyer.ctx, lawyer.load(), body))


@router.get("/lawyers/{lawyer_id}/contracts", response_model=Page[ContractPublic])
def list_contracts(lawyer: VisibleLawyer) -> dict[str, Any]:
    lw = lawyer.load()
    return {"items": [contract_public(c) for c in repo.contracts(lawyer.ctx.session, lw.id)], "next_cursor": None}


@router.post("/lawyers/{lawyer_id}/leaves", status_code=201, response_model=LeavePublic)
def add_leave(body: LeaveIn, lawyer: ManagedLawyer) -> dict[str, Any]:
    return leave_public(service.add_leave(lawyer.ctx, lawyer.load(), body))


@router.get("/lawyers/{lawyer_id}/leaves", response_model=Page[LeavePublic])
def list_leaves(lawyer: VisibleLawyer) -> dict[str, Any]:
    lw = lawyer.load()
    return {"items": [leave_public(x) for x in repo.leaves(lawyer.ctx.session, lw.id)], "next_cursor": None}


@router.delete("/lawyers/{lawyer_id}/leaves/{leave_id}", status_code=204)
def remove_leave(lawyer_id: str, leave_id: str, ctx: CoordinatorCtx) -> Response:
    service.remove_leave(ctx, service.managed(ctx, lawyer_id), leave_id)
    return Response(status_code=204)
