"""Review studio endpoints."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from services.lawyers.context import CtxDep
from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.opinion.models import OpinionCreate
from services.lawyers.opinion.service import opinion_public
from services.lawyers.review import repository as repo
from services.lawyers.review import service
from services.lawyers.review.models import HearingIn, PanelIn, ReviewCreate
from shared.pagination import PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["reviews"], route_class=OneHopRoute)


@router.post("/reviews", status_code=201, responses=problems((409, "already_re_examined")))
def open_review(body: ReviewCreate, ctx: CtxDep) -> dict:
    ctx.require("coordinator", "petition_system")
    return service.public(ctx, service.open_review(ctx, body))


@router.get("/reviews")
def list_reviews(ctx: CtxDep, page: PageDep, case_no: str | None = None,
                 status: Literal["open", "decided"] | None = None) -> dict:
    member = None
    if not ctx.has(*service.READ_ALL):
        ctx.require(*service.READ_ALL, "lawyer")
        member = ctx.me or ""
    rows = repo.page(ctx.session, case_no=case_no, status=status, member=member, after=page.after(),
                     limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: r.id)
    return {"items": [service.public(ctx, r) for r in rows], "next_cursor": cursor}


@router.get("/reviews/{review_id}")
def get_review(review_id: str, ctx: CtxDep) -> dict:
    return service.public(ctx, service.visible(ctx, review_id))


@router.post("/reviews/{review_id}/panel",
             responses=problems((409, "lawyer_unavailable", "conflict_of_interest")))
def set_panel(review_id: str, body: PanelIn, ctx: CtxDep) -> dict:
    return service.public(ctx, service.set_panel(ctx, review_id, body.lawyer_ids))


@router.post("/reviews/{review_id}/hearings", status_code=201, responses=problems((409, "already_decided")))
def add_hearing(review_id: str, body: HearingIn, ctx: CtxDep) -> dict:
    h = service.add_hearing(ctx, review_id, body)
    return service.hearing_public(h) | {"review": service.public(ctx, service.visible(ctx, review_id))}


@router.post("/reviews/{review_id}/opinion", status_code=201)
def file_opinion(review_id: str, body: OpinionCreate, ctx: CtxDep) -> dict:
    ctx.require("lawyer", "coordinator")
    return opinion_public(service.file_opinion(ctx, review_id, body))


@router.get("/reviews/{review_id}/opinions")
def list_versions(review_id: str, ctx: CtxDep) -> dict:
    r = service.visible(ctx, review_id)
    return {"items": [opinion_public(o) for o in opinions_repo.opinions_of_review(ctx.session, r.id)],
            "next_cursor": None}
