"""Opinion request and legal opinion endpoints."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.lawyers.access import (
    CoordinatorCtx,
    FilerCtx,
    IntakeCtx,
    LoggedRequest,
    OpinionReaderCtx,
    RequestReaderCtx,
    VisibleOpinion,
    VisibleRequest,
)
from services.lawyers.context import CtxDep
from services.lawyers.opinion import repository as repo
from services.lawyers.opinion import service
from services.lawyers.opinion.models import (
    AssignIn,
    AssignmentLog,
    DeclineIn,
    OpinionCreate,
    OpinionPublic,
    OpinionRequestCreate,
    OpinionRequestDeclined,
    OpinionRequestListed,
    OpinionRequestPublic,
    RequestStatus,
)
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["opinions"], route_class=OneHopRoute)


@router.post("/opinion-requests", status_code=201, response_model=OpinionRequestPublic)
def create_request(body: OpinionRequestCreate, ctx: IntakeCtx) -> dict[str, Any]:
    return service.public(ctx, service.create(ctx, body))


@router.get("/opinion-requests", response_model=Page[OpinionRequestListed])
def list_requests(ctx: RequestReaderCtx, page: PageDep, status: RequestStatus | None = None,
                  assignee: str | None = None, case_no: str | None = None) -> dict[str, Any]:
    """Overseers and the petition system list every request (`assignee=me`: their own, if any); a lawyer
    only their own."""
    if ctx.has(*service.READ_ALL):
        target = ctx.me if assignee == "me" else assignee
        if assignee == "me" and target is None:
            return {"items": [], "next_cursor": None}
    else:
        if ctx.me is None or (assignee not in (None, "me", ctx.me)):
            return {"items": [], "next_cursor": None}
        target = ctx.me
    rows = repo.page(ctx.session, status=status, assignee=target, case_no=case_no, after=page.after(),
                     limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: [r.created_at.isoformat(), r.id])
    return {"items": [service.public(ctx, r, with_opinion=False) for r in rows], "next_cursor": cursor}


@router.get("/opinion-requests/{request_id}", response_model=OpinionRequestPublic)
def get_request(opinion_request: VisibleRequest) -> dict[str, Any]:
    return service.public(opinion_request.ctx, opinion_request.load())


@router.get("/opinion-requests/{request_id}/assignment-log", response_model=AssignmentLog,
            response_model_exclude_unset=True)
def assignment_log(opinion_request: LoggedRequest) -> dict[str, Any]:
    """Every assignment decision with why each other lawyer was skipped.

    Coordinators and auditors see every skipped lawyer with their reasons (and conflict entries). The
    assigned lawyer sees the same decisions with the reasons only counted (`reason_counts`, e.g.
    `{"specialty_mismatch": 2}`): `skipped` is empty for them, and the note is kept only on manual
    assignments (a reassignment's note carries another lawyer's reason for declining). Every item
    carries `reason_counts`. Others: 403 (or 404 when they may not see the request).
    """
    ctx, r = opinion_request.ctx, opinion_request.load()
    overseer = ctx.has("coordinator", "auditor")
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


@router.post("/opinion-requests/{request_id}/assign", response_model=OpinionRequestPublic,
             responses=problems((409, "already_answered", "conflict_of_interest", "lawyer_unavailable",
                                      "over_cap")))
def assign(request_id: str, body: AssignIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.public(ctx, service.assign(ctx, request_id, body.lawyer_id, body.note))


@router.post("/opinion-requests/{request_id}/decline", response_model=OpinionRequestDeclined,
             responses=problems((409, "not_assigned")))
def decline(request_id: str, body: DeclineIn, ctx: CtxDep) -> dict[str, Any]:
    """Only the assignee declines (403 for anyone else who may see the request)."""
    r = service.decline(ctx, request_id, body.reason)
    return service.public(ctx, r, with_opinion=False) | {"declined": True}


@router.post("/opinion-requests/{request_id}/opinion", status_code=201, response_model=OpinionPublic,
             responses=problems((409, "not_assigned", "already_answered")))
def file_opinion(request_id: str, body: OpinionCreate, ctx: FilerCtx) -> dict[str, Any]:
    return service.opinion_public(service.file(ctx, request_id, body))


@router.get("/opinion-requests/{request_id}/opinions", response_model=Page[OpinionPublic])
def list_versions(opinion_request: VisibleRequest) -> dict[str, Any]:
    r = opinion_request.load()
    return {"items": [service.opinion_public(o) for o in repo.opinions_of_request(opinion_request.ctx.session, r.id)],
            "next_cursor": None}


@router.get("/opinions", response_model=Page[OpinionPublic])
def list_opinions(ctx: OpinionReaderCtx, page: PageDep, case_no: str | None = None) -> dict[str, Any]:
    """Filed opinions (all versions), e.g. the petition system reading the opinions of its cases; a lawyer
    only their own."""
    lawyer = None if ctx.has(*service.READ_ALL) else (ctx.me or "")
    rows = repo.opinions_page(ctx.session, case_no=case_no, lawyer_id=lawyer, after=page.after(), limit=page.limit)
    rows, cursor = paginate(rows, page, lambda o: [o.filed_at.isoformat(), o.id])
    return {"items": [service.opinion_public(o) for o in rows], "next_cursor": cursor}


@router.get("/opinions/{opinion_id}", response_model=OpinionPublic)
def get_opinion(opinion: VisibleOpinion) -> dict[str, Any]:
    return service.opinion_public(opinion.load())
