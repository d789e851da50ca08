"""预约: the sessions by status (即将开始 / 进行中 / 已结束 / 已取消) with filters, and the new booking form.

The list is `GET /mediation/sessions` (a mediator sees only the sessions they mediate). The form posts
`POST /mediation/sessions`; a refused booking is shown beside the fields (422), or as an alert naming
each taken resource and the session holding it (409 `slot_conflict`), the recusal (409
`mediator_recused`) or the office hours (422 `outside_working_hours`). Reschedule and cancel live on the
session page (调解).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.formatting import as_date, from_local_input, local_input, today_local, zh_datetime, zh_time
from services.console.gateway_api import ApiError
from services.console.screens import session_kit as kit
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
WHO = ("coordinator", "mediator")
TABS = (("upcoming", "即将开始", "scheduled"), ("active", "进行中", "in_progress"),
        ("done", "已结束", "concluded"), ("cancelled", "已取消", "cancelled"))
RECENT_DAYS = 30  # 已结束 / 已取消 without dates: the last 30 days


def _day(raw: str, errors: dict, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "日期格式不正确，应为 年-月-日"
        return None


@router.get("/bookings")
async def bookings(request: Request, person: Annotated[ConsoleSession, Depends(allow(*WHO))], api: Api):
    q = request.query_params
    tab = q.get("tab") if q.get("tab") in {t[0] for t in TABS} else "upcoming"
    status = next(t[2] for t in TABS if t[0] == tab)
    filters = {k: (q.get(k) or "").strip() for k in ("case_no", "room_id", "mediator_id", "from", "to")}
    errors: dict[str, str] = {}
    if filters["case_no"] and not kit.CASE_NO.match(filters["case_no"]):
        errors["case_no"] = "案件编号只能包含字母、数字和连字符（-）"
    first, last = _day(filters["from"], errors, "from"), _day(filters["to"], errors, "to")
    if first and last and last < first:
        errors["to"] = "结束日期不能早于开始日期"
    defaulted = False
    if tab in ("done", "cancelled") and not first and not last:
        first, defaulted = today_local() - timedelta(days=RECENT_DAYS), True
    rooms, mediators = await kit.rooms_and_mediators(api)
    items, cursor = [], None
    if not errors:
        params = {"status": status, "case_no": filters["case_no"], "room_id": filters["room_id"],
                  "mediator_id": filters["mediator_id"], "from": first.isoformat() if first else None,
                  "to": last.isoformat() if last else None, "limit": 50, "cursor": q.get("cursor")}
        try:
            page = await api.get("/mediation/sessions", **params)
            items, cursor = page["items"], page.get("next_cursor")
        except ApiError as err:
            if err.status != 422:
                raise
            fields, general = kit.map_field_errors(err, {"case_no": "case_no", "from": "from", "to": "to",
                                                         "room_id": "room_id", "mediator_id": "mediator_id",
                                                         "cursor": "from"})
            errors.update(fields or {"from": "；".join(general) or err.detail})
    keep = {k: v for k, v in filters.items() if v}
    return render(request, "bookings/list.html", tabs=TABS, tab=tab, filters=filters, keep=keep, errors=errors,
                  items=items, next_cursor=cursor, rooms=kit.by_id(rooms), mediators=kit.by_id(mediators),
                  room_list=rooms, mediator_list=mediators, defaulted=defaulted, recent_days=RECENT_DAYS,
                  first=first)


def _prefill(request: Request, mediators: list[dict], person: ConsoleSession) -> dict:
    q = request.query_params
    values = dict.fromkeys(kit.BOOKING_FIELDS, "")
    values["party_role"] = "petitioner"
    values["second_party_role"] = "respondent"
    for k in ("case_no", "room_id", "mediator_id"):
        values[k] = (q.get(k) or "").strip()
    for k in ("start", "end"):
        raw = (q.get(k) or "").strip()
        try:
            values[k] = local_input(from_local_input(raw)) if raw else ""
        except ValueError:
            values[k] = ""
    if values["start"] and not values["end"]:
        values["end"] = local_input(from_local_input(values["start"])
                                    + timedelta(minutes=kit.DEFAULT_MINUTES))
    mine = kit.own_mediator(mediators, person)
    if mine and not values["mediator_id"]:
        values["mediator_id"] = mine["id"]
    return values


def _form(request: Request, person: ConsoleSession, rooms: list[dict], mediators: list[dict], values: dict,
          errors: dict | None = None, problem: dict | None = None, status_code: int = 200):
    return render(request, "bookings/new.html", status_code=status_code, rooms=rooms, mediators=mediators,
                  values=values, errors=errors or {}, problem=problem, roles=kit.PARTY_ROLES,
                  mine=kit.own_mediator(mediators, person))


@router.get("/bookings/new")
async def new_booking(request: Request, person: Annotated[ConsoleSession, Depends(allow(*WHO))], api: Api):
    rooms, mediators = await kit.rooms_and_mediators(api)
    return _form(request, person, rooms, mediators, _prefill(request, mediators, person))


@router.post("/bookings/new")
async def book(request: Request, person: Annotated[ConsoleSession, Depends(form_allow(*WHO))], api: Api):
    form = await request.form()
    rooms, mediators = await kit.rooms_and_mediators(api)
    values, errors, body = kit.read_booking(form)
    if body is None:
        return _form(request, person, rooms, mediators, values, errors, status_code=422)
    try:
        s = await api.post("/mediation/sessions", body)
    except ApiError as err:
        if err.status not in (409, 422, 403):
            raise
        day = as_date(body["start"])
        problem = await kit.explain(api, err, kit.by_id(rooms), kit.by_id(mediators), day, kit.BOOKING_MAP)
        return _form(request, person, rooms, mediators, values, problem["fields"], problem, status_code=err.status)
    room = kit.by_id(rooms).get(s["room_id"], {}).get("name", "调解室")
    return redirect(request, f"/mediation/{s['id']}",
                    msg=f"已预约：案件 {s['case_no']}，{zh_datetime(s['start'])}–{zh_time(s['end'])}，{room}")
