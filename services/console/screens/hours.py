"""工时: hours used against the contracted annual hours, the month's time entries and a form to log hours.

A lawyer sees their own record (their roster entry is the lawyer whose `user` is their login); a
coordinator sees every lawyer's year at a glance and picks one.
API: `GET /lawyers/lawyers`, `GET /lawyers/lawyers/{id}/hours?year=`,
`GET /lawyers/lawyers/{id}/time-entries?month=`, `POST /lawyers/time-entries`.
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.formatting import today_local
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens.lawyer_common import mine, month_key, month_or_today, month_title, roster
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
READERS = ("coordinator", "lawyer")
_FORM = ("lawyer_id", "date", "hours", "case_no", "activity")
OVERVIEW_CAP = 60


async def _usage(api: Api, lawyer_id: str, year: int) -> dict | None:
    try:
        return await api.get(f"/lawyers/lawyers/{lawyer_id}/hours", year=year)
    except (ApiError, ApiUnavailable):
        return None


async def _page(request: Request, person: ConsoleSession, api: Api, lawyer_id: str, first: date, *,
                status_code: int = 200, values: dict | None = None, errors: dict | None = None, alert: str = ""):
    lawyers = await roster(api)
    coordinator = person.has("coordinator")
    me = mine(lawyers, person)
    if not coordinator:
        lawyers = [me] if me else []
        lawyer_id = me["id"] if me else ""
    selected = next((lw for lw in lawyers if lw["id"] == lawyer_id), None)
    year = first.year
    overview: list[tuple[dict, dict | None]] = []
    usage = entries = None
    if coordinator:
        order = {"retained_counsel": 0, "public_lawyer": 1, "studio_lawyer": 2}
        lawyers = sorted(lawyers, key=lambda lw: (order.get(lw["kind"], 9), lw["name"]))
        shown = lawyers[:OVERVIEW_CAP]
        usages = await asyncio.gather(*(_usage(api, lw["id"], year) for lw in shown))
        overview = list(zip(shown, usages, strict=True))
    if selected:
        usage, entries = await asyncio.gather(
            _usage(api, selected["id"], year),
            api.get(f"/lawyers/lawyers/{selected['id']}/time-entries", month=month_key(first)))
        entries = entries.get("items", [])
    form_values = values or {"lawyer_id": selected["id"] if selected else "", "date": today_local().isoformat()}
    return render(request, "hours/index.html", status_code=status_code, coordinator=coordinator, lawyers=lawyers,
                  selected=selected, year=year, month=month_key(first), month_title=month_title(first),
                  overview=overview, more=max(0, len(lawyers) - OVERVIEW_CAP) if coordinator else 0,
                  usage=usage, entries=entries, not_linked=not coordinator and me is None,
                  values=form_values, errors=errors or {}, alert=alert)


@router.get("/hours")
async def hours(request: Request, person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api,
                lawyer: str = "", month: str = ""):
    return await _page(request, person, api, lawyer, month_or_today(month))


@router.post("/hours/entries")
async def log_hours(request: Request, person: Annotated[ConsoleSession, Depends(form_allow(*READERS))], api: Api):
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in _FORM}
    errors: dict[str, str] = {}
    if not person.has("coordinator"):
        me = mine(await roster(api), person)
        if me is None:
            return render(request, "error.html", status_code=403, title="不能登记工时",
                          message="您的账号尚未关联律师名册中的律师，无法登记工时。请联系协调员。")
        values["lawyer_id"] = me["id"]
    if not values["lawyer_id"]:
        errors["lawyer_id"] = "请选择律师。"
    day = None
    try:
        day = date.fromisoformat(values["date"])
    except ValueError:
        errors["date"] = "请填写日期。"
    hours = None
    try:
        hours = float(values["hours"])
        if not 0 < hours <= 24:
            errors["hours"] = "小时数须大于 0 且不超过 24。"
    except ValueError:
        errors["hours"] = "请填写小时数（可含小数，如 1.5）。"
    first = month_or_today(month_key(day) if day else None)
    if errors:
        return await _page(request, person, api, values["lawyer_id"], first, status_code=422, values=values,
                           errors=errors, alert="工时未登记，请修改标出的内容。")
    body = {"lawyer_id": values["lawyer_id"], "date": values["date"], "hours": hours,
            "case_no": values["case_no"] or None, "activity": values["activity"]}
    try:
        answer = await api.post("/lawyers/time-entries", body)
    except ApiError as err:
        if err.status == 422:
            fields = {k: v for k, v in err.field_errors().items() if k in _FORM}
            return await _page(request, person, api, values["lawyer_id"], first, status_code=422, values=values,
                               errors=fields, alert="工时未登记，请修改标出的内容。" if fields else err.detail)
        if err.status == 403:
            return render(request, "error.html", status_code=403, title="不能登记工时",
                          message="律师只能登记本人的工时。")
        raise
    msg = f"已登记工时 {hours:g} 小时。"
    u = answer.get("usage") or {}
    if u.get("warning") and u.get("annual_hours"):
        msg += (f"注意：{u['year']}年度已用 {u['used']:g} 小时，已达合同工时 {u['annual_hours']:g} 小时的 "
                f"{round((u.get('ratio') or 0) * 100)}%。")
    query = f"/hours?month={month_key(first)}" + (f"&lawyer={values['lawyer_id']}" if person.has("coordinator") else "")
    return redirect(request, query, msg=msg)
