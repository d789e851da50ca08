"""Opinion request and legal opinion endpoints."""
from __future__ import annotations

from fastapi import APIRouter

from services.lawyers.context import CtxDep
from services.lawyers.opinion import repository as repo
from services.lawyers.opinion import service
from services.lawyers.opinion.models import (
    AssignIn,
    DeclineIn,
    LegalOpinion,
    OpinionCreate,
    OpinionRequestCreate,
    RequestStatus,
)
from shared.errors import NotFound
from shared.pagination import PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["opinions"], route_class=OneHopRoute)


@router.post("/opinion-requests", status_code=201)
def create_request(body: OpinionRequestCreate, ctx: CtxDep) -> dict:
    ctx.require("coordinator", "petition_system")
    return service.public(ctx, service.create(ctx, body))


@router.get("/opinion-requests")
def list_requests(ctx: CtxDep, page: PageDep, status: RequestStatus | None = None, assignee: str | None = None,
                  case_no: str | None = None) -> dict:
    if ctx.has(*service.READ_ALL):
        target = ctx.me if assignee == "me" else assignee
        if assignee == "me" and target is None:
            return {"items": [], "next_cursor": None}
    elif ctx.has("lawyer"):
        if ctx.me is None or (assignee not in (None, "me", ctx.me)):
            return {"items": [], "next_cursor": None}
        target = ctx.me
    else:
        ctx.require(*service.READ_ALL, "lawyer")
        target = None
    rows = repo.page(ctx.session, status=status, assignee=target, case_no=case_no, after=page.after(),
                     limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: [r.created_at.isoformat(), r.id])
    return {"items": [service.public(ctx, r, with_opinion=False) for r in rows], "next_cursor": cursor}


@router.get("/opinion-requests/{request_id}")
def get_request(request_id: str, ctx: CtxDep) -> dict:
    return service.public(ctx, service.visible(ctx, request_id))


@router.get("/opinion-requests/{request_id}/assignment-log")
def assignment_log(request_id: str, ctx: CtxDep) -> dict:
    """Every assignment decision with why each other lawyer was skipped.

    Coordinators and auditors see every skipped lawyer with their reasons (and conflict entries). The
    assigned lawyer sees the same decisions with the reasons only counted (`reason_counts`, e.g.
    `{"specialty_mismatch": 2}`): `skipped` is empty for them, and the note is kept only on manual
    assignments (a reassignment's note carries another lawyer's reason for declining). Every item
    carries `reason_counts`. Others: 403 (or 404 when they may not see the request).
    """
    r = service.visible(ctx, request_id)
    overseer = ctx.has("coordinator", "auditor")
    if not overseer and not (ctx.has("lawyer") and ctx.me is not None and r.assignee_id == ctx.me):
        ctx.require("coordinator", "auditor")
    decisions = repo.decisions(ctx.session, r.id)
    sets = repo.skip_sets(ctx.session, {d.skip_set_id for d in decisions if d.skip_set_id})
    items = []
    for d in decisions:
        item = service.decision_public(d, sets.get(d.skip_set_id) if d.skip_set_id else None)
        counts: dict[str, int] = {}
        for s in item["skipped"]:
            for reason in s["reasons"]:
                counts[reason] = counts.get(reason, 0) + 1
        item["reason_counts"] = counts
        if not overseer:
            item["skipped"] = []
            if item["mode"] != "manual":
                item["note"] = ""
        items.append(item)
    return {"request_id": r.id, "items": items}


@router.post("/opinion-requests/{request_id}/assign",
             responses=problems((409, "already_answered", "conflict_of_interest", "lawyer_unavailable",
                                      "over_cap")))
def assign(request_id: str, body: AssignIn, ctx: CtxDep) -> dict:
    return service.public(ctx, service.assign(ctx, request_id, body.lawyer_id, body.note))


@router.post("/opinion-requests/{request_id}/decline", responses=problems((409, "not_assigned")))
def decline(request_id: str, body: DeclineIn, ctx: CtxDep) -> dict:
    r = service.decline(ctx, request_id, body.reason)
    return service.public(ctx, r, with_opinion=False) | {"declined": True}


@router.post("/opinion-requests/{request_id}/opinion", status_code=201,
             responses=problems((409, "not_assigned", "already_answered")))
def file_opinion(request_id: str, body: OpinionCreate, ctx: CtxDep) -> dict:
    ctx.require("lawyer", "coordinator")
    return service.opinion_public(service.file(ctx, request_id, body))


@router.get("/opinion-requests/{request_id}/opinions")
def list_versions(request_id: str, ctx: CtxDep) -> dict:
    r = service.visible(ctx, request_id)
    return {"items": [service.opinion_public(o) for o in repo.opinions_of_request(ctx.session, r.id)],
            "next_cursor": None}


@router.get("/opinions")
def list_opinions(ctx: CtxDep, page: PageDep, case_no: str | None = None) -> dict:
    """Filed opinions (all versions), e.g. the petition system reading the opinions of its cases."""
    if ctx.has(*service.READ_ALL):
        lawyer = None
    elif ctx.has("lawyer"):
        lawyer = ctx.me or ""
    else:
        ctx.require(*service.READ_ALL)
    rows = repo.opinions_page(ctx.session, case_no=case_no, lawyer_id=lawyer, after=page.after(), limit=page.limit)
    rows, cursor = paginate(rows, page, lambda o: [o.filed_at.isoformat(), o.id])
    return {"items": [service.opinion_public(o) for o in rows], "next_cursor": cursor}


@router.get("/opinions/{opinion_id}")
def get_opinion(opinion_id: str, ctx: CtxDep) -> dict:
    o = ctx.session.get(LegalOpinion, opinion_id)
    if o is None or not (ctx.has(*service.READ_ALL) or (ctx.me is not None and o.lawyer_id == ctx.me)):
        raise NotFound(f"No opinion {opinion_id}.")
    return service.opinion_public(o)


