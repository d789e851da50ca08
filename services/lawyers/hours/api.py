"""Hours and fee ledger endpoints (the monthly report: services/lawyers/report/)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.lawyers.access import CoordinatorCtx, OwnLawyer
from services.lawyers.context import CtxDep
from services.lawyers.hours import repository as repo
from services.lawyers.hours import service
from services.lawyers.hours.models import (
    FeeCreate,
    FeeLedger,
    FeePublic,
    HoursUsage,
    TimeEntryCreate,
    TimeEntryLogged,
    TimeEntryPublic,
)
from shared.db import utcnow
from shared.pagination import Page
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import Month, local_date

router = APIRouter(prefix="/api/v1/lawyers", tags=["hours"], route_class=OneHopRoute)
MONTH = Query(description="YYYY-MM")


@router.post("/time-entries", status_code=201, response_model=TimeEntryLogged)
def log_time(body: TimeEntryCreate, ctx: CtxDep) -> dict[str, Any]:
    """Coordinators log anyone's hours, a lawyer their own (checked with the lawyer record: 403)."""
    e = service.log_time(ctx, body)
    return service.entry_public(e) | {"usage": service.usage(ctx, e.lawyer_id, e.day.year)}


@router.get("/lawyers/{lawyer_id}/hours", response_model=HoursUsage)
def hours(lawyer: OwnLawyer, year: int | None = Query(default=None, ge=2000, le=2100)) -> dict[str, Any]:
    return service.usage(lawyer.ctx, lawyer.load().id, year or local_date(utcnow()).year)


@router.get("/lawyers/{lawyer_id}/time-entries", response_model=Page[TimeEntryPublic])
def time_entries(lawyer: OwnLawyer, month: Annotated[Month, MONTH]) -> dict[str, Any]:
    lw = lawyer.load()
    start, end = service.month_bounds(month)
    return {"items": [service.entry_public(e) for e in repo.entries_between(lawyer.ctx.session, lw.id, start, end)],
            "next_cursor": None}


@router.post("/fees", status_code=201, response_model=FeePublic, responses=problems((422, "fee_out_of_range")))
def add_fee(body: FeeCreate, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.fee_public(service.add_fee(ctx, body))


@router.get("/lawyers/{lawyer_id}/fees", response_model=FeeLedger)
def fee_ledger(lawyer: OwnLawyer, month: Annotated[Month, MONTH]) -> dict[str, Any]:
    return service.ledger(lawyer.ctx, lawyer.load().id, month)
