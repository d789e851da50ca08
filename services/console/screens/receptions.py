"""接访: leader reception days and the public lawyers assisting them (协助接访), by month.

API: `GET /lawyers/reception-days?from&to`, `GET /lawyers/reception-assists?from&to` (a lawyer gets only
their own), `POST /lawyers/reception-assists` (coordinator; the service picks the public lawyer).
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.formatting import from_local_input
from services.console.gateway_api import ApiError
from services.console.screens.lawyer_common import (
    last_day,
    month_key,
    month_or_today,
    month_title,
    names_of,
    roster,
    shift_month,
)
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
READERS = ("coordinator", "lawyer")
_API_FIELD = {"leader": "leader", "start": "start", "end": "end", "topic": "topic"}


async def _page(request: Request, person: ConsoleSession, api: Api, first: date, *, status_code: int = 200,
                values: dict | None = None, errors: dict | None = None, alert: str = ""):
    span = {"from": first.isoformat(), "to": last_day(first).isoformat()}
    days, assists, lawyers = await asyncio.gather(api.get("/lawyers/reception-days", **span),
                                                  api.get("/lawyers/reception-assists", **span), roster(api))
    return render(request, "receptions/month.html", status_code=status_code, month=month_key(first),
                  title=month_title(first), prev=month_key(shift_month(first, -1)),
                  next=month_key(shift_month(first, 1)), days=days.get("items", []),
                  assists=assists.get("items", []), names=names_of(lawyers),
                  own_only=not person.has("coordinator"), can_create=person.has("coordinator"),
                  values=values or {}, errors=errors or {}, alert=alert)


@router.get("/receptions")
async def receptions(request: Request, person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api,
                     month: str = ""):
    return await _page(request, person, api, month_or_today(month))


@router.post("/receptions/assists")
async def create_assist(request: Request, person: Annotated[ConsoleSession, Depends(form_allow("coordinator"))],
                        api: Api):
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("leader", "start", "end", "topic")}
    errors: dict[str, str] = {}
    if not values["leader"]:
        errors["leader"] = "请填写领导姓名。"
    times = {}
    for key, word in (("start", "开始时间"), ("end", "结束时间")):
        try:
            times[key] = from_local_input(values[key])
        except ValueError:
            errors[key] = f"请填写{word}（日期和时间）。"
    if len(times) == 2 and times["end"] <= times["start"]:
        errors["end"] = "结束时间须晚于开始时间。"
    first = month_or_today(month_key(times["start"].date()) if "start" in times else None)
    if errors:
        return await _page(request, person, api, first, status_code=422, values=values, errors=errors,
                           alert="未安排，请修改标出的内容。")
    body = {"leader": values["leader"], "topic": values["topic"], "start": times["start"].isoformat(),
            "end": times["end"].isoformat()}
    try:
        a = await api.post("/lawyers/reception-assists", body)
    except ApiError as err:
        if err.status == 422:
            fields = {_API_FIELD[k]: v for k, v in err.field_errors().items() if k in _API_FIELD}
            return await _page(request, person, api, first, status_code=422, values=values, errors=fields,
                               alert=err.detail)
        if err.status == 409:
            alert = ("这段时间没有空闲的公职律师可以协助接访（均已安排其他接访或请假）。"
                     "请调整时间，或先在名册中添加公职律师。"
                     if err.code == "no_lawyer_available" else err.detail)
            return await _page(request, person, api, first, status_code=409, values=values, alert=alert)
        raise
    names = names_of(await roster(api))
    who = names.get(a.get("public_lawyer") or a.get("lawyer_id"), "一名公职律师")
    return redirect(request, f"/receptions?month={month_key(first)}",
                    msg=f"已安排协助接访：{who}协助{values['leader']}接访。")
