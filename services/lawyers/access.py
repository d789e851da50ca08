"""Who may do what in the lawyers service: dependencies that check the caller and load the path's object.

- coordinator: manages the roster, conflicts, duty roster, requests and reviews;
- lawyer: sees and works on their own record, requests, reviews (panel seats), shifts and assists;
  the login is linked to a roster record through its `user` field (`Ctx.me`);
- auditor: reads everything; petition_system and mediator: read what API.md gives them.

Roles come from the token, so a role check runs while the dependencies are solved (403). An object is
loaded and checked on first use (`Found.load()`), in the endpoint's worker thread and unit of work:
dependencies run on the event loop and touch no database (shared/routing.py). Objects a caller may not
see are 404, as if absent; a role the call needs but the caller lacks is 403 (API.md "Conventions").
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request

from services.lawyers.conflict import repository as conflicts_repo
from services.lawyers.conflict.models import ConflictEntry
from services.lawyers.context import Ctx, CtxDep, get_ctx, needs_role
from services.lawyers.duty import service as duty
from services.lawyers.duty.models import DutyShift, ReceptionAssist
from services.lawyers.lawyer import service as lawyers
from services.lawyers.lawyer.models import Lawyer
from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.opinion import service as opinions
from services.lawyers.opinion.models import LegalOpinion, OpinionRequest
from services.lawyers.review import service as reviews
from services.lawyers.review.models import ReviewMatter
from shared.auth import current_principal
from shared.errors import NotFound

T = TypeVar("T")


def requires(*roles: str, named: tuple[str, ...] = ()):
    """Dependency factory: the request's Ctx when the caller holds one of `roles`, else 403 naming
    `named` (default: `roles`)."""
    names = named or roles

    async def _dep(request: Request) -> Ctx:
        # One dependency, not three (issue 11): the token and the unit's session read in turn.
        ctx = await get_ctx(request)
        if not (await current_principal(request)).has(*roles):  # read once per request, then kept on it
            raise needs_role(*names)
        return ctx

    return _dep


CoordinatorCtx = Annotated[Ctx, Depends(requires("coordinator"))]
OverseerCtx = Annotated[Ctx, Depends(requires("coordinator", "auditor"))]
# Who opens opinion requests and reviews: coordinators and the petition system.
IntakeCtx = Annotated[Ctx, Depends(requires("coordinator", "petition_system"))]
# Who files opinions (the service then checks the assignee or panel seat).
FilerCtx = Annotated[Ctx, Depends(requires("lawyer", "coordinator"))]
RequestReaderCtx = Annotated[Ctx, Depends(requires(*opinions.READ_ALL, "lawyer"))]
OpinionReaderCtx = Annotated[Ctx, Depends(requires(*opinions.READ_ALL, "lawyer", named=opinions.READ_ALL))]
ReviewReaderCtx = Annotated[Ctx, Depends(requires(*reviews.READ_ALL, "lawyer"))]


class Found(Generic[T]):
    """The path's object for the caller: loaded and authorized by `load()`, once."""

    __slots__ = ("_load", "_obj", "ctx", "key")

    def __init__(self, ctx: Ctx, key: str, load: Callable[[Ctx, str], T]) -> None:
        self.ctx, self.key, self._load = ctx, key, load
        self._obj: T | None = None

    def load(self) -> T:
        if self._obj is None:
            self._obj = self._load(self.ctx, self.key)
        return self._obj


# -- lawyers (律师名册) ------------------------------------------------------------------------------
def _own_lawyer(ctx: Ctx, lawyer_id: str) -> Lawyer:
    """Overseers' view of any lawyer, a lawyer's of their own; 404 for everyone else."""
    lw = lawyers.visible(ctx, lawyer_id)
    if not (ctx.oversees or ctx.me == lw.id):
        raise NotFound(f"No lawyer {lawyer_id}.")
    return lw


def _declaring_lawyer(ctx: Ctx, lawyer_id: str) -> Lawyer:
    """Coordinators register conflicts for anyone; a lawyer may declare their own (利益冲突申报)."""
    if ctx.has("coordinator"):
        return lawyers.managed(ctx, lawyer_id)
    lw = lawyers.visible(ctx, lawyer_id)
    if ctx.me != lw.id:
        raise needs_role("coordinator")
    return lw


async def visible_lawyer(lawyer_id: str, ctx: CtxDep) -> Found[Lawyer]:
    return Found(ctx, lawyer_id, lawyers.visible)


async def managed_lawyer(lawyer_id: str, ctx: CoordinatorCtx) -> Found[Lawyer]:
    return Found(ctx, lawyer_id, lawyers.managed)


async def own_lawyer(lawyer_id: str, ctx: CtxDep) -> Found[Lawyer]:
    return Found(ctx, lawyer_id, _own_lawyer)


async def declaring_lawyer(lawyer_id: str, ctx: Annotated[Ctx, Depends(requires("coordinator", "lawyer",
                                                                               named=("coordinator",)))]
                           ) -> Found[Lawyer]:
    return Found(ctx, lawyer_id, _declaring_lawyer)


VisibleLawyer = Annotated[Found[Lawyer], Depends(visible_lawyer)]
ManagedLawyer = Annotated[Found[Lawyer], Depends(managed_lawyer)]
OwnLawyer = Annotated[Found[Lawyer], Depends(own_lawyer)]
DeclaringLawyer = Annotated[Found[Lawyer], Depends(declaring_lawyer)]


# -- conflicts (利益冲突) ----------------------------------------------------------------------------
def _visible_conflict(ctx: Ctx, conflict_id: str) -> ConflictEntry:
    e = conflicts_repo.get(ctx.session, conflict_id)
    if e is None or not (ctx.oversees or ctx.me == e.lawyer_id):
        raise NotFound(f"No conflict entry {conflict_id}.")
    return e


async def visible_conflict(conflict_id: str, ctx: CtxDep) -> Found[ConflictEntry]:
    return Found(ctx, conflict_id, _visible_conflict)


VisibleConflict = Annotated[Found[ConflictEntry], Depends(visible_conflict)]


# -- opinion requests and opinions (法律意见) ------------------------------------------------------------
def _logged_request(ctx: Ctx, request_id: str) -> OpinionRequest:
    """Overseers read the assignment log, and the assigned lawyer (reasons only counted); others 403."""
    r = opinions.visible(ctx, request_id)
    if not (ctx.has("coordinator", "auditor") or (ctx.has("lawyer") and ctx.me is not None
                                                   and r.assignee_id == ctx.me)):
        raise needs_role("coordinator", "auditor")
    return r


def _visible_opinion(ctx: Ctx, opinion_id: str) -> LegalOpinion:
    o = opinions_repo.get_opinion(ctx.session, opinion_id)
    if o is None or not (ctx.has(*opinions.READ_ALL) or (ctx.me is not None and o.lawyer_id == ctx.me)):
        raise NotFound(f"No opinion {opinion_id}.")
    return o


async def visible_request(request_id: str, ctx: CtxDep) -> Found[OpinionRequest]:
    return Found(ctx, request_id, opinions.visible)


async def logged_request(request_id: str, ctx: CtxDep) -> Found[OpinionRequest]:
    return Found(ctx, request_id, _logged_request)


async def visible_opinion(opinion_id: str, ctx: CtxDep) -> Found[LegalOpinion]:
    return Found(ctx, opinion_id, _visible_opinion)


VisibleRequest = Annotated[Found[OpinionRequest], Depends(visible_request)]
LoggedRequest = Annotated[Found[OpinionRequest], Depends(logged_request)]
VisibleOpinion = Annotated[Found[LegalOpinion], Depends(visible_opinion)]


# -- duty roster and reception assists (值班、协助接访) ----------------------------------------------------
async def visible_shift(shift_id: str, ctx: CtxDep) -> Found[DutyShift]:
    return Found(ctx, shift_id, duty.get_shift)


async def visible_assist(assist_id: str, ctx: CtxDep) -> Found[ReceptionAssist]:
    return Found(ctx, assist_id, duty.get_assist)


VisibleShift = Annotated[Found[DutyShift], Depends(visible_shift)]
VisibleAssist = Annotated[Found[ReceptionAssist], Depends(visible_assist)]


# -- reviews (复查复核) -----------------------------------------------------------------------------------
async def visible_review(review_id: str, ctx: CtxDep) -> Found[ReviewMatter]:
    return Found(ctx, review_id, reviews.visible)


VisibleReview = Annotated[Found[ReviewMatter], Depends(visible_review)]
