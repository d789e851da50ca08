"""审计 (auditor only): who did what, searchable, and whether the audit chains verify.

When the audit trail API answers (`GET /audit/events`, `GET /audit/verify`) its records are shown,
newest first, with the filters 操作人, 操作, 对象类型, 结果 and 起止日期. While it answers 404 (not
yet enabled) the page shows the case-handling events from the gateway's event feed
(`GET /events?after=…`: who, what and when, from the CloudEvents) under a notice saying so.
Read only: the page has search forms (GET) and links, never anything that changes data.
"""
from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from services.console import labels
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens.cases import event_sentence
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, render

router = APIRouter()
Auditor = Annotated[ConsoleSession, Depends(allow("auditor"))]
FEED_PAGE = 200
FEED_SHOWN = 100
FEED_MAX_PAGES = 25  # walking the feed to its newest events reads at most this many pages
CASE_NO = re.compile(r"^[A-Za-z0-9-]{1,64}$")
FILTERS = ("actor", "action", "object_type", "outcome", "from", "to")


def _filters(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """The audit filters as typed, and the reasons for those that cannot be sent."""
    q = request.query_params
    values = {k: (q.get(k) or "").strip() for k in (*FILTERS, "case_no", "cursor", "after")}
    errors: dict[str, str] = {}
    for k in ("from", "to"):
        if values[k]:
            try:
                date.fromisoformat(values[k])
            except ValueError:
                errors[k] = "日期格式应为 YYYY-MM-DD。"
    if values["from"] and values["to"] and not errors and values["to"] < values["from"]:
        errors["to"] = "结束日期早于开始日期。"
    if values["outcome"] not in ("", "success", "failure"):
        errors["outcome"] = "请选择成功或失败。"
    if values["case_no"] and not CASE_NO.match(values["case_no"]):
        errors["case_no"] = "案件编号只能包含字母、数字和连字符（-），最多 64 位。"
    if values["after"] and not (values["after"].isascii() and values["after"].isdigit()):
        values["after"] = ""
    return values, errors


def _href(request: Request, values: dict[str, str], **more: str | None) -> str | None:
    """This page with the same filters and `more` (None when `more` has no value: no next page)."""
    if not any(more.values()):
        return None
    query = {k: v for k, v in values.items() if v and k not in ("cursor", "after")}
    query.update({k: v for k, v in more.items() if v})
    return request.url.path + "?" + urlencode(query)


def _who(ev: dict) -> str:
    raw = ev.get("data")
    data = raw if isinstance(raw, dict) else {}
    for key in ("actor", "requested_by", "created_by", "by"):
        if data.get(key):
            return str(data[key])
    return labels.label(ev.get("source"), "source") or "系统"


async def _latest_feed(api: Api, subject: str | None) -> tuple[list[dict], str | None]:
    """The newest events of the feed (walking it forward from the start); when the walk stopped before the
    end, the cursor to go on from."""
    after: str | None = None
    kept: list[dict] = []
    for _ in range(FEED_MAX_PAGES):
        page = await api.get("/events", after=after, subject=subject, limit=FEED_PAGE)
        kept = (kept + page.get("items", []))[-FEED_SHOWN:]
        after = page.get("next_cursor")
        if not after:
            return kept, None
    return kept, after


@router.get("/audit")
async def audit(request: Request, person: Auditor, api: Api):
    values, errors = _filters(request)
    if set(errors) - {"case_no"}:
        return render(request, "audit/audit.html", status_code=422, mode="audit", values=values, errors=errors,
                      items=None, verify=None, next_href=None)
    params: dict[str, Any] = {k: values[k] or None for k in FILTERS}
    try:
        page, verify = await asyncio.gather(api.get("/audit/events", cursor=values["cursor"] or None, limit=100,
                                                    **params),
                                            _verify(api))
    except ApiError as err:
        if err.status == 404:
            if errors:  # the feed's only filter (案件编号) cannot be sent
                return render(request, "audit/audit.html", status_code=422, mode="feed", values=values,
                              errors=errors, items=[], verify=None, next_href=None)
            return await _feed(request, api, values)
        if err.status == 422:
            return render(request, "audit/audit.html", status_code=422, mode="audit", values=values,
                          errors=err.field_errors() or {"actor": err.detail}, items=None, verify=None,
                          next_href=None)
        raise
    return render(request, "audit/audit.html", mode="audit", values=values, errors={}, items=page.get("items", []),
                  verify=verify, next_href=_href(request, values, cursor=page.get("next_cursor")))


async def _verify(api: Api) -> dict | None:
    try:
        return await api.get("/audit/verify")
    except ApiError as err:
        if err.status == 404:
            return None
        raise


async def _room_names(api: Api) -> dict[str, str]:
    try:
        return {r["id"]: r["name"] for r in await api.get_all("/mediation/rooms")}
    except (ApiError, ApiUnavailable):
        return {}


async def _feed(request: Request, api: Api, values: dict[str, str]):
    """The case-handling event feed, while the audit trail API is not enabled."""
    subject = values["case_no"] or None
    if values["after"]:
        page, rooms = await asyncio.gather(api.get("/events", after=values["after"], subject=subject,
                                                   limit=FEED_SHOWN), _room_names(api))
        events, next_after = page.get("items", []), page.get("next_cursor")
    else:
        (events, next_after), rooms = await asyncio.gather(_latest_feed(api, subject), _room_names(api))
    rows = [{"time": e.get("time"), "who": _who(e), "source": e.get("source", ""), "type": e.get("type", ""),
             "what": event_sentence(e, rooms), "subject": e.get("subject") or ""} for e in reversed(events)]
    return render(request, "audit/audit.html", mode="feed", values=values, errors={}, items=rows,
                  verify=None, next_href=_href(request, values, after=next_after))
