"""Hours, fee ledger and monthly report endpoints."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from shared.db import utcnow
from shared.timeutil import local_date

from services.lawyers.context import CtxDep
from services.lawyers.hours import service
from services.lawyers.hours.models import FeeCreate, TimeEntryCreate
from services.lawyers.lawyer import service as lawyers

router = APIRouter(prefix="/api/v1/lawyers", tags=["hours"])
MONTH = Query(pattern=r"^\d{4}-\d{2}$")


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
def time_entries(lawyer_id: str, ctx: CtxDep, month: str = MONTH) -> dict:
    lw = _own_or_overseer(ctx, lawyer_id)
    start, end = service.month_bounds(month)
    return {"items": [service.entry_public(e) for e in service.repo.entries_between(ctx.session, lw.id, start, end)],
            "next_cursor": None}


@router.post("/fees", status_code=201)
def add_fee(body: FeeCreate, ctx: CtxDep) -> dict:
    return service.fee_public(service.add_fee(ctx, body))


@router.get("/lawyers/{lawyer_id}/fees")
def fee_ledger(lawyer_id: str, ctx: CtxDep, month: str = MONTH) -> dict:
    lw = _own_or_overseer(ctx, lawyer_id)
    return service.ledger(ctx, lw.id, month)


@router.get("/reports/monthly", response_model=None)
def monthly_report(ctx: CtxDep, month: str = MONTH, lawyer_id: str | None = None,
                   format: Literal["json", "csv"] = "json") -> dict | Response:
    """Per-lawyer, per-month hours and fees (coordinators and auditors; a lawyer their own row)."""
    if not ctx.oversees:
        ctx.require("coordinator", "auditor", "lawyer")
        if lawyer_id is None:
            lawyer_id = ctx.me or ""
        _own_or_overseer(ctx, lawyer_id)
    elif lawyer_id is not None:
        lawyers.visible(ctx, lawyer_id)
    rows = service.monthly_report(ctx, month, lawyer_id)
    if format == "csv":
        return Response(service.report_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="lawyers-{month}.csv"'})
    return {"month": month, "items": rows, "next_cursor": None}


@router.get("/reports/monthly.csv")
def monthly_report_csv(ctx: CtxDep, month: str = MONTH, lawyer_id: str | None = None) -> Response:
    return monthly_report(ctx, month, lawyer_id, "csv")
