"""Conflict register endpoints."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from services.lawyers.access import CoordinatorCtx, DeclaringLawyer, OverseerCtx, OwnLawyer, VisibleConflict
from services.lawyers.conflict import repository as repo
from services.lawyers.conflict import service
from services.lawyers.conflict.models import (
    ConflictCheck,
    ConflictCreate,
    ConflictPublic,
    ConflictWaiver,
    WaiverCreate,
    WaiverPublic,
)
from shared.pagination import Page
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["conflicts"], route_class=OneHopRoute)


@router.post("/lawyers/{lawyer_id}/conflicts", status_code=201, response_model=ConflictPublic)
def register_conflict(body: ConflictCreate, lawyer: DeclaringLawyer) -> dict[str, Any]:
    """Coordinators register for anyone; a lawyer may declare their own conflicts (利益冲突申报)."""
    ctx = lawyer.ctx
    return service.public(ctx, service.register(ctx, lawyer.load().id, body))


@router.get("/lawyers/{lawyer_id}/conflicts", response_model=Page[ConflictPublic])
def list_conflicts(lawyer: OwnLawyer) -> dict[str, Any]:
    ctx, lw = lawyer.ctx, lawyer.load()
    entries = repo.of_lawyer(ctx.session, lw.id)
    waivers = repo.waivers_for(ctx.session, [e.id for e in entries])
    by: dict[str, list[ConflictWaiver]] = {}
    for w in waivers:
        by.setdefault(w.conflict_id, []).append(w)
    return {"items": [service.public(ctx, e, by.get(e.id)) for e in entries], "next_cursor": None}


@router.post("/conflicts/{conflict_id}/waivers", status_code=201, response_model=WaiverPublic,
             responses=problems((422, "conflict_not_waivable")))
def add_waiver(conflict_id: str, body: WaiverCreate, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.waiver_public(service.waive(ctx, conflict_id, body))


@router.get("/conflicts/{conflict_id}", response_model=ConflictPublic)
def get_conflict(conflict: VisibleConflict) -> dict[str, Any]:
    ctx, e = conflict.ctx, conflict.load()
    return service.public(ctx, e, repo.waivers_for(ctx.session, [e.id]))


@router.get("/conflict-check", response_model=ConflictCheck)
def conflict_check(ctx: OverseerCtx, party: list[str] = Query(min_length=1), case_no: str | None = None
                   ) -> dict[str, Any]:
    """Which lawyers are conflicted with these parties today (coordinators and auditors)."""
    hits = service.check(ctx, party, case_no=case_no)
    return {"parties": party, "conflicted": [{"lawyer_id": lid, "conflicts": [h.wire() for h in hs]}
                                             for lid, hs in sorted(hits.items())]}
