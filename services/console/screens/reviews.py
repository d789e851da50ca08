"""复查复核: reviews and re-examinations before the studio, with statutory due dates and panels; a
coordinator registers one; a panel member files the studio's opinion (the opinion form of 法律意见).

API: `GET /lawyers/reviews` (a lawyer gets the reviews whose panel they sit on), `GET .../{id}`,
`GET .../{id}/opinions`, `POST /lawyers/reviews` (coordinator), `POST .../{id}/opinion` (panel member).
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console import labels
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens.lawyer_common import mine, names_of, opinion_api_errors, read_opinion_form, roster
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, form_allow, redirect, render

router = APIRouter()
READERS = ("coordinator", "lawyer")
STATUSES = ("open", "decided")
_FORM = ("case_no", "kind", "received_on", "parties", "summary")


async def _list(request: Request, person: ConsoleSession, api: Api, status: str, *, status_code: int = 200,
                values: dict | None = None, errors: dict | None = None, alert: str = ""):
    items, lawyers = await asyncio.gather(api.get_all("/lawyers/reviews", status=status or None), roster(api))
    items.sort(key=lambda r: (r["status"] != "open", r["due_on"] or "", r["case_no"]))
    me = mine(lawyers, person)
    return render(request, "reviews/list.html", status_code=status_code, items=items, status=status,
                  statuses=STATUSES, names=names_of(lawyers), can_create=person.has("coordinator"),
                  not_linked=person.has("lawyer") and not person.has("coordinator") and me is None,
                  values=values or {"kind": "review"}, errors=errors or {}, alert=alert)


@router.get("/reviews")
async def review_list(request: Request, person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api,
                      status: str = ""):
    return await _list(request, person, api, status if status in STATUSES else "")


@router.post("/reviews")
async def register(request: Request, person: Annotated[ConsoleSession, Depends(form_allow("coordinator"))],
                   api: Api):
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in _FORM}
    errors: dict[str, str] = {}
    if not values["case_no"]:
        errors["case_no"] = "请填写案件编号。"
    if values["kind"] not in labels.REVIEW_KIND:
        errors["kind"] = "请选择类型。"
    try:
        date.fromisoformat(values["received_on"])
    except ValueError:
        errors["received_on"] = "请填写收件日期。"
    if errors:
        return await _list(request, person, api, "", status_code=422, values=values, errors=errors,
                           alert="未登记，请修改标出的内容。")
    body = {"case_no": values["case_no"], "kind": values["kind"], "received_on": values["received_on"],
            "summary": values["summary"],
            "parties": [p.strip() for p in values["parties"].splitlines() if p.strip()]}
    try:
        r = await api.post("/lawyers/reviews", body)
    except ApiError as err:
        if err.status == 422:
            fields = {k: v for k, v in err.field_errors().items() if k in _FORM}
            return await _list(request, person, api, "", status_code=422, values=values, errors=fields,
                               alert=err.detail)
        if err.status == 409:
            alert = (f"案件 {values['case_no']} 已经复核，同一事项不再受理。" if err.code == "already_re_examined"
                     else err.detail)
            return await _list(request, person, api, "", status_code=409, values=values, alert=alert)
        raise
    return redirect(request, f"/reviews/{r['id']}", msg=f"已登记{labels.label(r['kind'], 'review_kind')}。")


async def _optional(coro):
    try:
        return await coro
    except (ApiError, ApiUnavailable):
        return None


async def _detail(request: Request, person: ConsoleSession, api: Api, review_id: str, *, status_code: int = 200,
                  values: dict | None = None, errors: dict | None = None, alert: str = ""):
    try:
        r = await api.get(f"/lawyers/reviews/{review_id}")
    except ApiError as err:
        if err.status == 404:
            return render(request, "error.html", status_code=404, title="未找到该复查复核事项",
                          message="该事项不存在，或您不是它的合议律师：律师只能查看自己参与合议的复查复核。")
        raise
    lawyers, versions = await asyncio.gather(roster(api), _optional(api.get(f"/lawyers/reviews/{review_id}/opinions")))
    me = mine(lawyers, person)
    member = me is not None and me["id"] in (r.get("panel") or [])
    return render(request, "reviews/detail.html", status_code=status_code, r=r, names=names_of(lawyers),
                  versions=(versions or {}).get("items", []), member=member,
                  can_file=member and r["status"] == "open", values=values or {}, errors=errors or {}, alert=alert)


@router.get("/reviews/{review_id}")
async def review_detail(request: Request, review_id: str,
                        person: Annotated[ConsoleSession, Depends(allow(*READERS))], api: Api):
    return await _detail(request, person, api, review_id)


@router.post("/reviews/{review_id}/opinion")
async def file_opinion(request: Request, review_id: str,
                       person: Annotated[ConsoleSession, Depends(form_allow("lawyer"))], api: Api):
    values, body, errors = read_opinion_form(await request.form())
    if errors:
        return await _detail(request, person, api, review_id, status_code=422, values=values, errors=errors,
                             alert="意见未提交，请修改标出的内容。")
    try:
        await api.post(f"/lawyers/reviews/{review_id}/opinion", body)
    except ApiError as err:
        if err.status in (403, 404):
            return render(request, "error.html", status_code=403, title="不能提交此意见",
                          message="只有该复查复核事项的合议律师才能提交意见。")
        if err.status == 422:
            fields, alert = opinion_api_errors(err)
            return await _detail(request, person, api, review_id, status_code=422, values=values, errors=fields,
                                 alert=alert)
        if err.status == 409:
            return await _detail(request, person, api, review_id, status_code=409, values=values, alert=err.detail)
        raise
    return redirect(request, f"/reviews/{review_id}", msg="已提交复查复核意见。")
