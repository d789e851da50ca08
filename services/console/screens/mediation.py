"""调解: the sessions to run today and those in progress, and one session's page with its actions by status.

- scheduled: 签到 (`POST /sessions/{id}/check-in`), 改期 (`/reschedule`), 取消预约 (`/cancel`);
- in progress: 结束调解 with the outcome, the agreement (书面/口头, 协议条款 one per line, 履行期限) and an
  optional request for a legal opinion (`/conclude` with `request_legal_opinion`);
- concluded: the agreement (`GET /sessions/{id}/agreement`) with its 司法确认 deadline and 回访 date, and each
  party's satisfaction (`POST /sessions/{id}/satisfaction`; ratings already given come from the case file).
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.console.formatting import as_date, local_input, today_local, zh_datetime, zh_time
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens import session_kit as kit
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
WHO = ("coordinator", "mediator")
Reader = Annotated[ConsoleSession, Depends(allow(*WHO))]
Writer = Annotated[ConsoleSession, Depends(form_allow(*WHO))]
OUTCOMES = ("agreement", "partial_agreement", "no_agreement", "no_show")
AGREED = ("agreement", "partial_agreement")
FORMS = ("written", "oral")
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")
RESCHEDULE_MAP = {"start": "new_start", "end": "new_end", "room_id": "new_room_id", "reason": "reschedule_reason"}
CONCLUDE_MAP = {"outcome": "outcome", "agreement.form": "form", "agreement.terms*": "terms",
                "agreement.performance_due": "performance_due", "agreement.performance_method": "performance_method",
                "agreement": "terms", "request_legal_opinion.question": "question", "notes": "notes"}


@router.get("/mediation")
async def index(request: Request, person: Reader, api: Api):
    today = today_local()
    todays, running, rooms = await asyncio.gather(
        api.get_all("/mediation/sessions", **{"from": today.isoformat(), "to": today.isoformat()}),
        api.get_all("/mediation/sessions", status="in_progress"),
        api.get_all("/mediation/rooms"))
    todays = [s for s in todays if s["status"] != "cancelled"]
    return render(request, "mediation/index.html", todays=todays, running=running, rooms=kit.by_id(rooms))


async def _ratings(api: Api, s: dict) -> list[dict]:
    try:
        case = await api.get(f"/mediation/cases/{s['case_no']}")
    except (ApiError, ApiUnavailable):
        return []
    return [r for r in case.get("ratings") or [] if r.get("session_id") == s["id"]]


async def _agreement(api: Api, s: dict) -> dict | None:
    if not s.get("agreement_id"):
        return None
    try:
        return await api.get(f"/mediation/sessions/{s['id']}/agreement")
    except ApiError:
        return None


async def _page(request: Request, api: Api, session_id: str, *, status_code: int = 200, **forms: Any):
    s = await api.get(f"/mediation/sessions/{session_id}")
    (rooms, mediators), agreement, ratings = await asyncio.gather(
        kit.rooms_and_mediators(api), _agreement(api, s),
        _ratings(api, s) if s["status"] == "concluded" else _none())
    rated = {r["party_name"] for r in ratings}
    context: dict[str, Any] = {
        "conclude": {"values": {"outcome": "agreement", "form": "written"}, "errors": {}},
        "reschedule": {"values": {"new_start": local_input(s["start"]), "new_end": local_input(s["end"])},
                       "errors": {}, "problem": None},
        "cancel": {"values": {}, "errors": {}},
        "rate": {"values": {}, "errors": {}},
        "action_error": "",
    }
    context.update(forms)
    return render(request, "mediation/session.html", status_code=status_code, s=s, rooms=kit.by_id(rooms),
                  room_list=rooms, mediators=kit.by_id(mediators), agreement=agreement, ratings=ratings,
                  unrated=[p for p in s["parties"] if p["name"] not in rated], outcomes=OUTCOMES, forms=FORMS,
                  ratings_choice=RATINGS, **context)


async def _none():
    return []


@router.get("/mediation/{session_id}")
async def session_page(request: Request, session_id: str, person: Reader, api: Api):
    return await _page(request, api, session_id)


async def _refused(request: Request, api: Api, session_id: str, err: ApiError):
    """A refused action (e.g. the session changed status meanwhile): the page with the reason."""
    if err.status in (404,):
        raise err
    return await _page(request, api, session_id, status_code=err.status, action_error=err.detail)


@router.post("/mediation/{session_id}/check-in")
async def check_in(request: Request, session_id: str, person: Writer, api: Api):
    try:
        await api.post(f"/mediation/sessions/{session_id}/check-in")
    except ApiError as err:
        return await _refused(request, api, session_id, err)
    return redirect(request, f"/mediation/{session_id}", msg="已签到，调解开始")


def _read_conclusion(form) -> tuple[dict, dict, dict | None]:
    values = {k: kit.text(form, k) for k in ("outcome", "form", "performance_due", "performance_method", "question")}
    values["terms"] = (form.get("terms") or "").strip() if isinstance(form.get("terms"), str) else ""
    values["request_opinion"] = "1" if form.get("request_opinion") else ""
    errors: dict[str, str] = {}
    if values["outcome"] not in OUTCOMES:
        errors["outcome"] = "请选择调解结果"
    body: dict[str, Any] = {"outcome": values["outcome"]}
    terms = [t.strip() for t in values["terms"].splitlines() if t.strip()]
    if values["outcome"] in AGREED:
        if values["form"] not in FORMS:
            errors["form"] = "请选择协议形式"
        if not terms:
            errors["terms"] = "请填写协议条款，每行一条"
        elif any(len(t) > 2000 for t in terms):
            errors["terms"] = "每条协议条款最多 2000 个字符"
        due = None
        if not values["performance_due"]:
            errors["performance_due"] = "请填写履行期限"
        else:
            try:
                due = date.fromisoformat(values["performance_due"])
            except ValueError:
                errors["performance_due"] = "日期格式不正确，应为 年-月-日"
            else:
                if due < today_local():
                    errors["performance_due"] = "履行期限不能早于今天"
        agreement: dict[str, Any] = {"form": values["form"], "terms": terms,
                                     "performance_due": due.isoformat() if due else ""}
        if values["performance_method"]:
            agreement["performance_method"] = values["performance_method"]
        body["agreement"] = agreement
    elif values["outcome"] and terms:
        errors["terms"] = "未达成协议时无需填写协议条款：请清空协议条款，或把调解结果改为达成协议"
    if values["request_opinion"]:
        if not values["question"]:
            errors["question"] = "申请法律意见时请填写咨询问题"
        elif len(values["question"]) > 4000:
            errors["question"] = "咨询问题最多 4000 个字符"
        else:
            body["request_legal_opinion"] = {"question": values["question"]}
    elif values["question"]:
        errors["question"] = "如需申请法律意见，请勾选“申请法律意见”；否则请清空咨询问题"
    return values, errors, (None if errors else body)


@router.post("/mediation/{session_id}/conclude")
async def conclude(request: Request, session_id: str, person: Writer, api: Api):
    values, errors, body = _read_conclusion(await request.form())
    if body is None:
        return await _page(request, api, session_id, status_code=422,
                           conclude={"values": values, "errors": errors})
    try:
        await api.post(f"/mediation/sessions/{session_id}/conclude", body)
    except ApiError as err:
        if err.status != 422:
            return await _refused(request, api, session_id, err)
        fields, general = kit.map_field_errors(err, CONCLUDE_MAP)
        return await _page(request, api, session_id, status_code=422,
                           conclude={"values": values, "errors": fields, "general": general or
                                     ([] if fields else [err.detail])})
    msg = "已结束调解" + ("，已记录调解协议" if values["outcome"] in AGREED else "") \
        + ("，已申请法律意见" if "request_legal_opinion" in body else "")
    return redirect(request, f"/mediation/{session_id}", msg=msg)


@router.post("/mediation/{session_id}/satisfaction")
async def satisfaction(request: Request, session_id: str, person: Writer, api: Api):
    form = await request.form()
    values = {k: kit.text(form, k) for k in ("party_name", "rating", "comment")}
    errors: dict[str, str] = {}
    if not values["party_name"]:
        errors["party_name"] = "请选择当事人"
    if values["rating"] not in RATINGS:
        errors["rating"] = "请选择满意度"
    if len(values["comment"]) > 2000:
        errors["comment"] = "评价意见最多 2000 个字符"
    if not errors:
        try:
            await api.post(f"/mediation/sessions/{session_id}/satisfaction",
                           {"party_name": values["party_name"], "rating": values["rating"],
                            "comment": values["comment"]})
        except ApiError as err:
            if err.status not in (409, 422):
                return await _refused(request, api, session_id, err)
            fields, general = kit.map_field_errors(err, {"party_name": "party_name", "rating": "rating",
                                                         "comment": "comment"})
            errors = fields or {"party_name": "；".join(general) or err.detail}
        else:
            return redirect(request, f"/mediation/{session_id}", msg=f"已记录 {values['party_name']} 的满意度评价")
    return await _page(request, api, session_id, status_code=422, rate={"values": values, "errors": errors})


@router.post("/mediation/{session_id}/reschedule")
async def reschedule(request: Request, session_id: str, person: Writer, api: Api):
    form = await request.form()
    values = {k: kit.text(form, k) for k in ("new_start", "new_end", "new_room_id", "reschedule_reason")}
    errors: dict[str, str] = {}
    start, end = kit.read_range(values, errors, "new_start", "new_end")
    if len(values["reschedule_reason"]) > 500:
        errors["reschedule_reason"] = "改期原因最多 500 个字符"
    if errors:
        return await _page(request, api, session_id, status_code=422,
                           reschedule={"values": values, "errors": errors, "problem": None})
    assert start is not None and end is not None  # read_range reports a missing one in errors
    body: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat(), "reason": values["reschedule_reason"]}
    if values["new_room_id"]:
        body["room_id"] = values["new_room_id"]
    try:
        s = await api.post(f"/mediation/sessions/{session_id}/reschedule", body)
    except ApiError as err:
        if err.status not in (409, 422) or err.code == "invalid_status":
            return await _refused(request, api, session_id, err)
        rooms, mediators = await kit.rooms_and_mediators(api)
        problem = await kit.explain(api, err, kit.by_id(rooms), kit.by_id(mediators), as_date(body["start"]),
                                    RESCHEDULE_MAP)
        fields = {RESCHEDULE_MAP.get(k, k): v for k, v in problem["fields"].items()}
        return await _page(request, api, session_id, status_code=err.status,
                           reschedule={"values": values, "errors": fields, "problem": problem})
    return redirect(request, f"/mediation/{session_id}",
                    msg=f"已改期至 {zh_datetime(s['start'])}–{zh_time(s['end'])}")


@router.post("/mediation/{session_id}/cancel")
async def cancel(request: Request, session_id: str, person: Writer, api: Api):
    form = await request.form()
    values = {"cancel_reason": kit.text(form, "cancel_reason")}
    errors = {}
    if not values["cancel_reason"]:
        errors["cancel_reason"] = "请填写取消原因"
    elif len(values["cancel_reason"]) > 500:
        errors["cancel_reason"] = "取消原因最多 500 个字符"
    if errors:
        return await _page(request, api, session_id, status_code=422, cancel={"values": values, "errors": errors})
    try:
        await api.post(f"/mediation/sessions/{session_id}/cancel", {"reason": values["cancel_reason"]})
    except ApiError as err:
        return await _refused(request, api, session_id, err)
    return redirect(request, f"/mediation/{session_id}", msg="已取消预约")
