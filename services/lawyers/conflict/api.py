"""Conflict register endpoints."""
from __future__ import annotations

from fastapi import APIRouter, Query

from services.lawyers.conflict import repository as repo
from services.lawyers.conflict import service
from services.lawyers.conflict.models import ConflictCreate, ConflictEntry, ConflictWaiver, WaiverCreate
from services.lawyers.context import CtxDep
from services.lawyers.lawyer import service as lawyers
from shared.errors import NotFound
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["conflicts"], route_class=OneHopRoute)


def _own_or_managed(ctx, lawyer_id: str):
    """Coordinators register for anyone; a lawyer may declare their own conflicts (利益冲突申报)."""
    if ctx.has("coordinator"):
        return lawyers.managed(ctx, lawyer_id)
    lw = lawyers.visible(ctx, lawyer_id)
    if ctx.me != lw.id:
        ctx.require("coordinator")
    return lw


@router.post("/lawyers/{lawyer_id}/conflicts", status_code=201)
def register_conflict(lawyer_id: str, body: ConflictCreate, ctx: CtxDep) -> dict:
    if not ctx.has("coordinator", "lawyer"):
        ctx.require("coordinator")
    lw = _own_or_managed(ctx, lawyer_id)
    return service.public(ctx, service.register(ctx, lw.id, body))


@router.get("/lawyers/{lawyer_id}/conflicts")
def list_conflicts(lawyer_id: str, ctx: CtxDep) -> dict:
    lw = lawyers.visible(ctx, lawyer_id)
    if not (ctx.oversees or ctx.me == lw.id):
        raise NotFound(f"No lawyer {lawyer_id}.")
    entries = repo.of_lawyer(ctx.session, lw.id)
    waivers = repo.waivers_for(ctx.session, [e.id for e in entries])
    by: dict[str, list[ConflictWaiver]] = {}
    for w in waivers:
        by.setdefault(w.conflict_id, []).append(w)
    return {"items": [service.public(ctx, e, by.get(e.id)) for e in entries], "next_cursor": None}


@router.post("/conflicts/{conflict_id}/waivers", status_code=201, responses=problems((422, "conflict_not_waivable")))
def add_waiver(conflict_id: str, body: WaiverCreate, ctx: CtxDep) -> dict:
    ctx.require("coordinator")
    return service.waiver_public(service.waive(ctx, conflict_id, body))


@router.get("/conflicts/{conflict_id}")
def get_conflict(conflict_id: str, ctx: CtxDep) -> dict:
    e = ctx.session.get(ConflictEntry, conflict_id)
    if e is None or not (ctx.oversees or ctx.me == e.lawyer_id):
        raise NotFound(f"No conflict entry {conflict_id}.")
    return service.public(ctx, e, repo.waivers_for(ctx.session, [e.id]))


@router.get("/conflict-check")
def conflict_check(ctx: CtxDep, party: list[str] = Query(min_length=1), case_no: str | None = None) -> dict:
    """Which lawyers are conflicted with these parties today (coordinators and auditors)."""
    ctx.require("coordinator", "auditor")
    hits = service.check(ctx, party, case_no=case_no)
    return {"parties": party, "conflicted": [{"lawyer_id": lid, "conflicts": [h.wire() for h in hs]}
                                             for lid, hs in sorted(hits.items())]}
