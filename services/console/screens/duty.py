"""值班表: the duty roster as a month calendar; a coordinator generates a month (生成排班).

API: `GET /lawyers/duty-shifts?from&to` (a lawyer gets only their own shifts), lawyer names from
`GET /lawyers/lawyers` (a lawyer reads only their own record), `POST /lawyers/duty-shifts/generate`.
"""
from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.formatting import today_local
from services.console.gateway_api import ApiError
from services.console.screens.lawyer_common import (
    last_day,
    month_key,
    month_or_today,
    month_title,
    names_of,
    parse_month,
    roster,
    shift_month,
)
from services.console.sessions import ConsoleSession
from services.console.web import ALL_PEOPLE, Api, allow, form_allow, redirect, render

router = APIRouter()
WEEKDAY_HEADS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _weeks(first: date, shifts: list[dict]) -> list[list[dict | None]]:
    """The month as weeks of 7 cells (Monday first); None outside the month."""
    by_day: dict[str, list[dict]] = {}
    for sh in shifts:
        by_day.setdefault(sh["date"], []).append(sh)
    last = last_day(first)
    today = today_local()
    weeks: list[list[dict | None]] = []
    week: list[dict | None] = [None] * first.weekday()
    d = first
    while d <= last:
        week.append({"date": d, "shifts": sorted(by_day.get(d.isoformat(), []), key=lambda s: s.get("slot", 0)),
                     "weekend": d.weekday() >= 5, "today": d == today})
        if len(week) == 7:
            weeks.append(week)
            week = []
        d += timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


async def _page(request: Request, person: ConsoleSession, api: Api, first: date, *, status_code: int = 200,
                gen_values: dict | None = None, gen_errors: dict | None = None, gen_alert: str = ""):
    shifts, lawyers = await asyncio.gather(
        api.get("/lawyers/duty-shifts", **{"from": first.isoformat(), "to": last_day(first).isoformat()}),
        roster(api))
    items = shifts.get("items", [])
    own_only = not person.has("coordinator", "mediator", "auditor")
    return render(request, "duty/month.html", status_code=status_code, first=first, month=month_key(first),
                  title=month_title(first), prev=month_key(shift_month(first, -1)),
                  next=month_key(shift_month(first, 1)), weeks=_weeks(first, items), heads=WEEKDAY_HEADS,
                  count=len(items), names=names_of(lawyers), own_only=own_only,
                  can_generate=person.has("coordinator"),
                  gen_values=gen_values or {"month": month_key(first)}, gen_errors=gen_errors or {},
                  gen_alert=gen_alert)


@router.get("/duty")
async def duty_month(request: Request, person: Annotated[ConsoleSession, Depends(allow(*ALL_PEOPLE))], api: Api,
                     month: str = ""):
    return await _page(request, person, api, month_or_today(month))


@router.post("/duty/generate")
async def generate(request: Request, person: Annotated[ConsoleSession, Depends(form_allow("coordinator"))],
                   api: Api):
    form = await request.form()
    raw = str(form.get("month") or "").strip()
    replace = form.get("replace") == "1"
    values = {"month": raw, "replace": replace}
    first = parse_month(raw)
    if first is None:
        return await _page(request, person, api, month_or_today(None), status_code=422, gen_values=values,
                           gen_errors={"month": "请选择要生成排班的月份（年-月）。"})
    try:
        answer = await api.post("/lawyers/duty-shifts/generate",
                                {"from": first.isoformat(), "to": last_day(first).isoformat(), "replace": replace})
    except ApiError as err:
        if err.status == 409:
            alert = (f"{month_title(first)}已有值班表。如需重新生成，请勾选“覆盖本月已有排班”后再提交。"
                     if err.code == "roster_exists" else err.detail)
            return await _page(request, person, api, first, status_code=409, gen_values=values, gen_alert=alert)
        if err.status == 422:
            return await _page(request, person, api, first, status_code=422, gen_values=values,
                               gen_errors={"month": err.detail})
        raise
    shifts = answer.get("items", [])
    if not shifts:
        msg = (f"{month_title(first)}没有生成班次：没有可值班的律师（公职律师或在合同期内的常年法律顾问），"
               "或该月没有工作日。")
    else:
        msg = f"已生成{month_title(first)}值班表：{len(shifts)} 个班次，{len(answer.get('load') or {})} 位律师轮值。"
    return redirect(request, f"/duty?month={month_key(first)}", msg=msg)
