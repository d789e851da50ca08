"""Hours and fee ledger endpoints (the monthly report: services/lawyers/report/)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.lawyers.context import CtxDep
from services.lawyers.hours import service
from services.lawyers.hours.models import FeeCreate, TimeEntryCreate
from services.lawyers.lawyer import service as lawyers
from shared.db import utcnow
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import Month, local_date

router = APIRouter(prefix="/api/v1/lawyers", tags=["hours"], route_class=OneHopRoute)
MONTH = Query(description="YYYY-MM")


def _own_or_overseer(ctx, lawyer_id: str):
    lw = lawyers.visible(ctx, lawyer_id)
    if not (ctx.oversees or ctx.me == lw.id):
        from shared.errors import NotFound
        raise NotFound(f"No lawyer {lawyer_id}.")
    return lw


@router.post("/time-entries", status_code=201)
def log_time(body: TimeEntryCreate, ctx: CtxDep) -> dict:
    e = service.log_time(ctx, body)
    return service.entry_public(e) | {"usage": service.usage(ctx, e.lawyer_id, e.day.year)}


@router.get("/lawyers/{lawyer_id}/hours")
def hours(lawyer_id: str, ctx: CtxDep, year: int | None = Query(default=None, ge=2000, le=2100)) -> dict:
    lw = _own_or_overseer(ctx, lawyer_id)
    return service.usage(ctx, lw.id, year or local_date(utcnow()).year)


@router.get("/lawyers/{lawyer_id}/time-entries")
def time_entries(lawyer_id: str, ctx: CtxDep, month: Annotated[Month, MONTH]) -> dict:
    lw = _own_or_overseer(ctx, lawyer_id)
    start, end = service.month_bounds(month)
    return {"items": [service.entry_public(e) for e in service.repo.entries_between(ctx.session, lw.id, start, end)],
            "next_cursor": None}


@router.post("/fees", status_code=201, responses=problems((422, "fee_out_of_range")))
def add_fee(body: FeeCreate, ctx: CtxDep) -> dict:
    return service.fee_public(service.add_fee(ctx, body))


@router.get("/lawyers/{lawyer_id}/fees")
def fee_ledger(lawyer_id: str, ctx: CtxDep, month: Annotated[Month, MONTH]) -> dict:
    lw = _own_or_overseer(ctx, lawyer_id)
    return service.ledger(ctx, lw.id, month)
