"""法律意见: a lawyer's queue and a coordinator's overview; one request with its assignment reasons,
its filed opinions, the opinion form (assignee) and manual assignment (coordinator).

API: `GET /lawyers/opinion-requests` (`assignee=me` for a lawyer), `GET .../{id}`,
`GET .../{id}/assignment-log` (the assignee sees the reasons counted, overseers per lawyer),
`GET .../{id}/opinions`, `POST .../{id}/opinion`, `POST .../{id}/assign`.
"""
from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens.lawyer_common import mine, names_of, opinion_api_errors, read_opinion_form, roster
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
READERS = ("lawyer", "coordinator")
STATUSES = ("unassigned", "assigned", "answered")
OPINION_KINDS = ("retained_counsel", "public_lawyer")
_ORDER = {"unassigned": 0, "assigned": 1, "answered": 2}


@router.get("/opinions")
async def opinion_list(request: Request, person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api,
                       status: str = ""):
    coordinator = person.has("coordinator")
    params = {"status": status if status in STATUSES else None}
    if not coordinator:
        params["assignee"] = "me"
    items, lawyers = await asyncio.gather(api.get_all("/lawyers/opinion-requests", **params), roster(api))
    items.sort(key=lambda o: (_ORDER.get(o["status"], 9), o["due_on"] or "", o["case_no"]))
    me = mine(lawyers, person)
    return render(request, "opinions/list.html", items=items, status=status if status in STATUSES else "",
                  statuses=STATUSES, coordinator=coordinator, names=names_of(lawyers),
                  not_linked=person.has("lawyer") and not coordinator and me is None)


async def _optional(coro):
    try:
        return await coro
    except (ApiError, ApiUnavailable):
        return None


async def _detail(request: Request, person: ConsoleSession, api: Api, request_id: str, *, status_code: int = 200,
                  values: dict | None = None, errors: dict | None = None, alert: str = "",
                  assign_values: dict | None = None, assign_errors: dict | None = None, assign_alert: str = ""):
    try:
        r = await api.get(f"/lawyers/opinion-requests/{request_id}")
    except ApiError as err:
        if err.status == 404:
            return render(request, "error.html", status_code=404, title="未找到该法律意见请求",
                          message="该请求不存在，或未分派给您：律师只能查看和答复分派给自己的法律意见请求。")
        raise
    lawyers, versions = await asyncio.gather(
        roster(api), _optional(api.get(f"/lawyers/opinion-requests/{request_id}/opinions")))
    me = mine(lawyers, person)
    is_assignee = me is not None and r["assignee_id"] == me["id"]
    log = None
    if person.has("coordinator", "auditor") or is_assignee:
        log = await _optional(api.get(f"/lawyers/opinion-requests/{request_id}/assignment-log"))
    coordinator = person.has("coordinator")
    candidates = [lw for lw in lawyers if lw["kind"] in OPINION_KINDS and lw.get("active", True)]
    return render(request, "opinions/detail.html", status_code=status_code, r=r, names=names_of(lawyers),
                  versions=(versions or {}).get("items", []), log=(log or {}).get("items") if log else None,
                  overseer=person.has("coordinator", "auditor"), is_assignee=is_assignee,
                  can_file=is_assignee and r["status"] == "assigned",
                  can_assign=coordinator and r["status"] in ("unassigned", "assigned"), candidates=candidates,
                  values=values or {}, errors=errors or {}, alert=alert,
                  assign_values=assign_values or {}, assign_errors=assign_errors or {}, assign_alert=assign_alert)


@router.get("/opinions/{request_id}")
async def opinion_detail(request: Request, request_id: str,
                         person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api):
    return await _detail(request, person, api, request_id)


def _not_yours(request: Request):
    return render(request, "error.html", status_code=403, title="不能提交此法律意见",
                  message="只有被分派承办该请求的律师才能提交法律意见。该请求未分派给您，或已改派他人。")


@router.post("/opinions/{request_id}/opinion")
async def file_opinion(request: Request, request_id: str,
                       person: Annotated[ConsoleSession, Depends(form_allow("lawyer"))], api: Api):
    values, body, errors = read_opinion_form(await request.form())
    if errors:
        return await _detail(request, person, api, request_id, status_code=422, values=values, errors=errors,
                             alert="意见未提交，请修改标出的内容。")
    try:
        await api.post(f"/lawyers/opinion-requests/{request_id}/opinion", body)
    except ApiError as err:
        if err.status in (403, 404):
            return _not_yours(request)
        if err.status == 422:
            fields, alert = opinion_api_errors(err)
            return await _detail(request, person, api, request_id, status_code=422, values=values, errors=fields,
                                 alert=alert)
        if err.status == 409:
            return await _detail(request, person, api, request_id, status_code=409, values=values, alert=err.detail)
        raise
    return redirect(request, f"/opinions/{request_id}", msg="已提交法律意见。")


@router.post("/opinions/{request_id}/assign")
async def assign(request: Request, request_id: str,
                 person: Annotated[ConsoleSession, Depends(form_allow("coordinator"))], api: Api):
    form = await request.form()
    values = {"lawyer_id": str(form.get("lawyer_id") or ""), "note": str(form.get("note") or "").strip()}
    if not values["lawyer_id"]:
        return await _detail(request, person, api, request_id, status_code=422, assign_values=values,
                             assign_errors={"lawyer_id": "请选择律师。"})
    try:
        r = await api.post(f"/lawyers/opinion-requests/{request_id}/assign", values)
    except ApiError as err:
        if err.status == 422:
            return await _detail(request, person, api, request_id, status_code=422, assign_values=values,
                                 assign_errors=err.field_errors() or {"lawyer_id": err.detail})
        if err.status == 409:
            return await _detail(request, person, api, request_id, status_code=409, assign_values=values,
                                 assign_alert=err.detail)
        raise
    names = names_of(await roster(api))
    return redirect(request, f"/opinions/{request_id}",
                    msg=f"已指派给{names.get(r.get('assignee_id'), '所选律师')}。")
