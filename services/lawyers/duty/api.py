"""Duty roster, reception day and reception assist endpoints."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.lawyers.context import CtxDep
from services.lawyers.duty import repository as repo
from services.lawyers.duty import service
from services.lawyers.duty.models import AssistIn, GenerateIn, ReceptionDayIn, SwapIn
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import Day, local_dt

router = APIRouter(prefix="/api/v1/lawyers", tags=["duty"], route_class=OneHopRoute)
SEE_ALL = ("coordinator", "auditor", "mediator", "petition_system")


@router.post("/duty-shifts/generate", status_code=201, responses=problems((409, "roster_exists")))
def generate(body: GenerateIn, ctx: CtxDep) -> dict:
    ctx.require("coordinator")
    shifts = service.generate(ctx, body.from_, body.to, replace=body.replace)
    load: dict[str, int] = {}
    for sh in shifts:
        load[sh.lawyer_id] = load.get(sh.lawyer_id, 0) + 1
    return {"items": [service.shift_public(ctx, sh) for sh in shifts], "next_cursor": None,
            "from": body.from_.isoformat(), "to": body.to.isoformat(), "load": load}


@router.get("/duty-shifts")
def list_shifts(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day, lawyer_id: str | None = None
                ) -> dict:
    service._period(from_, to)
    if not ctx.has(*SEE_ALL):
        ctx.require(*SEE_ALL, "lawyer")
        lawyer_id = ctx.me or ""
    return {"items": [service.shift_public(ctx, sh) for sh in repo.shifts_between(ctx.session, from_, to, lawyer_id)],
            "next_cursor": None}


@router.get("/duty-shifts/{shift_id}")
def get_shift(shift_id: str, ctx: CtxDep) -> dict:
    return service.shift_public(ctx, service.get_shift(ctx, shift_id))


@router.post("/duty-shifts/{shift_id}/swap",
             responses=problems((409, "lawyer_unavailable", "already_on_duty"), (422, "invalid_swap")))
def swap(shift_id: str, body: SwapIn, ctx: CtxDep) -> dict:
    a, b = service.swap(ctx, shift_id, body.with_shift_id, body.reason)
    return {"items": [service.shift_public(ctx, a), service.shift_public(ctx, b)], "next_cursor": None}


@router.get("/reception-days")
def reception_days(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day) -> dict:
    return {"items": service.reception_days(ctx, from_, to), "next_cursor": None}


@router.post("/reception-days", status_code=201)
def add_reception_day(body: ReceptionDayIn, ctx: CtxDep) -> dict:
    r = service.add_reception_day(ctx, body)
    return {"id": r.id, "date": r.day.isoformat(), "kind": "ad_hoc", "leader": r.leader, "note": r.note}


@router.post("/reception-assists", status_code=201, responses=problems((409, "no_lawyer_available")))
def assign_assist(body: AssistIn, ctx: CtxDep) -> dict:
    ctx.require("coordinator")
    return service.assist_public(service.assign_assist(ctx, body))


@router.get("/reception-assists")
def list_assists(ctx: CtxDep, from_: Annotated[Day, Query(alias="from")], to: Day, leader: str | None = None
                 ) -> dict:
    service._period(from_, to)
    lawyer_id = None
    if not ctx.has(*SEE_ALL):
        ctx.require(*SEE_ALL, "lawyer")
        lawyer_id = ctx.me or ""
    start, end = local_dt(from_, datetime.min.time()), local_dt(to, datetime.max.time())
    rows = repo.assists_between(ctx.session, start, end, lawyer_id, leader)
    return {"items": [service.assist_public(a) for a in rows], "next_cursor": None}


@router.get("/reception-assists/{assist_id}")
def get_assist(assist_id: str, ctx: CtxDep) -> dict:
    return service.assist_public(service.get_assist(ctx, assist_id))


