"""Review studio endpoints."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from services.lawyers.access import CoordinatorCtx, FilerCtx, IntakeCtx, ReviewReaderCtx, VisibleReview
from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.opinion.models import OpinionCreate, OpinionPublic
from services.lawyers.opinion.service import opinion_public
from services.lawyers.review import repository as repo
from services.lawyers.review import service
from services.lawyers.review.models import HearingIn, HearingScheduled, PanelIn, ReviewCreate, ReviewPublic
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["reviews"], route_class=OneHopRoute)


@router.post("/reviews", status_code=201, response_model=ReviewPublic, responses=problems((409, "already_re_examined")))
def open_review(body: ReviewCreate, ctx: IntakeCtx) -> dict[str, Any]:
    return service.public(ctx, service.open_review(ctx, body))


@router.get("/reviews", response_model=Page[ReviewPublic])
def list_reviews(ctx: ReviewReaderCtx, page: PageDep, case_no: str | None = None,
                 status: Literal["open", "decided"] | None = None) -> dict[str, Any]:
    """Every review for overseers and the petition system; a lawyer the reviews whose panel they sit on."""
    member = None if ctx.has(*service.READ_ALL) else (ctx.me or "")
    rows = repo.page(ctx.session, case_no=case_no, status=status, member=member, after=page.after(),
                     limit=page.limit)
    rows, cursor = paginate(rows, page, lambda r: r.id)
    return {"items": [service.public(ctx, r) for r in rows], "next_cursor": cursor}


@router.get("/reviews/{review_id}", response_model=ReviewPublic)
def get_review(review: VisibleReview) -> dict[str, Any]:
    return service.public(review.ctx, review.load())


@router.post("/reviews/{review_id}/panel", response_model=ReviewPublic,
             responses=problems((409, "lawyer_unavailable", "conflict_of_interest")))
def set_panel(review_id: str, body: PanelIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.public(ctx, service.set_panel(ctx, review_id, body.lawyer_ids))


@router.post("/reviews/{review_id}/hearings", status_code=201, response_model=HearingScheduled,
             responses=problems((409, "already_decided")))
def add_hearing(review_id: str, body: HearingIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    h = service.add_hearing(ctx, review_id, body)
    return service.hearing_public(h) | {"review": service.public(ctx, service.visible(ctx, review_id))}


@router.post("/reviews/{review_id}/opinion", status_code=201, response_model=OpinionPublic)
def file_opinion(review_id: str, body: OpinionCreate, ctx: FilerCtx) -> dict[str, Any]:
    """A member of the review's panel files the studio's opinion (403 for anyone else who may see it)."""
    return opinion_public(service.file_opinion(ctx, review_id, body))


@router.get("/reviews/{review_id}/opinions", response_model=Page[OpinionPublic])
def list_versions(review: VisibleReview) -> dict[str, Any]:
    r = review.load()
    return {"items": [opinion_public(o) for o in opinions_repo.opinions_of_review(review.ctx.session, r.id)],
            "next_cursor": None}
