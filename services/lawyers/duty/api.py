"""Duty roster, reception day and reception assist endpoints."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.lawyers.access import CoordinatorCtx, VisibleAssist, VisibleShift
from services.lawyers.context import CtxDep
from services.lawyers.duty import repository as repo
from services.lawyers.duty import service
from services.lawyers.duty.models import (
    AssistIn,
    AssistPublic,
    GenerateIn,
    ReceptionDayIn,
    ReceptionDayPublic,
    RosterGenerated,
    ShiftPublic,
    SwapIn,
)
from shared.pagination import Page
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import Day, local_dt

router = APIRouter(prefix="/api/v1/lawyers", tags=["duty"], route_class=OneHopRoute)
SEE_ALL = ("coordinator", "auditor", "mediator", "petition_system")  # lawyers: their own shifts and assists


@router.post("/duty-shifts/generate", status_code=201, response_model=RosterGenerated,
             responses=problems((409, "roster_exists")))
def generate(body: GenerateIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    shifts = service.generate(ctx, body.from_, body.to, replace=body.replace)
    load: dict[str, int] = {}
    for sh in shifts:
        load[sh.lawyer_id] = load.get(sh.lawyer_id, 0) + 1
    return {"items": [service.shift_public(ctx, sh) for sh in shifts], "next_cursor": None,
            "from": body.from_.isoformat(), "to": body.to.isoformat(), "load": load}


@router.get("/duty-shifts", response_model=Page[ShiftPublic])
def list_shifts(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day, lawyer_id: str | None = None
                ) -> dict[str, Any]:
    service._period(from_, to)
    if not ctx.has(*SEE_ALL):
        lawyer_id = ctx.me or ""
    return {"items": [service.shift_public(ctx, sh) for sh in repo.shifts_between(ctx.session, from_, to, lawyer_id)],
            "next_cursor": None}


@router.get("/duty-shifts/{shift_id}", response_model=ShiftPublic)
def get_shift(shift: VisibleShift) -> dict[str, Any]:
    return service.shift_public(shift.ctx, shift.load())


@router.post("/duty-shifts/{shift_id}/swap", response_model=Page[ShiftPublic],
             responses=problems((409, "lawyer_unavailable", "already_on_duty"), (422, "invalid_swap")))
def swap(shift_id: str, body: SwapIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    a, b = service.swap(ctx, shift_id, body.with_shift_id, body.reason)
    return {"items": [service.shift_public(ctx, a), service.shift_public(ctx, b)], "next_cursor": None}


@router.get("/reception-days", response_model=Page[ReceptionDayPublic])
def reception_days(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day) -> dict[str, Any]:
    return {"items": service.reception_days(ctx, from_, to), "next_cursor": None}


@router.post("/reception-days", status_code=201, response_model=ReceptionDayPublic)
def add_reception_day(body: ReceptionDayIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    r = service.add_reception_day(ctx, body)
    return {"id": r.id, "date": r.day.isoformat(), "kind": "ad_hoc", "leader": r.leader, "note": r.note}


@router.post("/reception-assists", status_code=201, response_model=AssistPublic,
             responses=problems((409, "no_lawyer_available")))
def assign_assist(body: AssistIn, ctx: CoordinatorCtx) -> dict[str, Any]:
    return service.assist_public(service.assign_assist(ctx, body))


@router.get("/reception-assists", response_model=Page[AssistPublic])
def list_assists(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day, leader: str | None = None
                 ) -> dict[str, Any]:
    service._period(from_, to)
    lawyer_id = None
    if not ctx.has(*SEE_ALL):
        lawyer_id = ctx.me or ""
    start, end = local_dt(from_, datetime.min.time()), local_dt(to, datetime.max.time())
    rows = repo.assists_between(ctx.session, start, end, lawyer_id, leader)
    return {"items": [service.assist_public(a) for a in rows], "next_cursor": None}


@router.get("/reception-assists/{assist_id}", response_model=AssistPublic)
def get_assist(assist: VisibleAssist) -> dict[str, Any]:
    return service.assist_public(assist.load())
