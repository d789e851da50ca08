"""统计: a month's figures for coordinators and auditors, with charts and CSV / Excel exports.

What the API offers: the lawyers service's monthly report (`GET /lawyers/reports/monthly`: duty
days, opinions, case resolutions, fees and hours per lawyer, and its summary figures), the
mediation service's monthly report when it answers (`GET /mediation/reports/monthly`: its
figures), and 本月调解概况 computed here from `GET /mediation/sessions` for the month (sessions by
status, room, mediator and outcome). Charts are `<meter>` elements (no inline styles: CSP).
Exports stream the services' own files (`/lawyers/reports/monthly.csv?lang=zh`, `format=xlsx`, ...)
through the console with the person's own token, as downloads.
"""
from __future__ import annotations

import asyncio
import calendar
import re
from collections import Counter
from datetime import date
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, Request
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from services.console import labels
from services.console.formatting import today_local
from services.console.gateway_api import ApiError, ApiUnavailable, SignInRequired, forwarded_for, with_forwarded
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, render

router = APIRouter()
StatsReader = Annotated[ConsoleSession, Depends(allow("coordinator", "auditor"))]
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _month_bounds(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def _shift(month: str, delta: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    m += delta
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return f"{y:04d}-{m:02d}"


def _bars(pairs: list[tuple[str, float]]) -> list[dict]:
    """Chart rows, largest first: {name, count, max} (`max` scales every `<meter>` of the chart)."""
    top = max((v for _, v in pairs), default=0)
    return [{"name": n, "count": v, "max": top} for n, v in sorted(pairs, key=lambda p: (-p[1], p[0]))]


def _rows(counter: Counter, name) -> list[dict]:
    return _bars([(name(k), v) for k, v in counter.items()])


async def _or_none(coro):
    try:
        return await coro
    except ApiError as err:
        if err.status in (403, 404):
            return None
        raise


def mediation_summary(sessions: list[dict], rooms: dict[str, str], mediators: dict[str, str]) -> dict:
    by_status = Counter(s["status"] for s in sessions)
    by_room = Counter(s["room_id"] for s in sessions if s["status"] != "cancelled")
    by_mediator = Counter(m for s in sessions if s["status"] != "cancelled" for m in s.get("mediator_ids") or [])
    outcomes = Counter(s["outcome"] for s in sessions if s.get("outcome"))
    concluded = by_status.get("concluded", 0)
    agreed = outcomes.get("agreement", 0) + outcomes.get("partial_agreement", 0)
    return {
        "total": len(sessions),
        "concluded": concluded,
        "agreed": agreed,
        "rate": round(agreed * 100 / concluded) if concluded else None,
        "by_status": [{"name": labels.label(k, "session_status"), "count": by_status.get(k, 0),
                       "max": max(by_status.values(), default=0)} for k in labels.SESSION_STATUS],
        "by_room": _rows(by_room, lambda k: rooms.get(k, "（已删除的调解室）")),
        "by_mediator": _rows(by_mediator, lambda k: mediators.get(k, "（未知调解员）")),
        "outcomes": _rows(outcomes, lambda k: labels.label(k, "outcome")),
    }


@router.get("/stats")
async def stats(request: Request, person: StatsReader, api: Api, month: str = ""):
    month = month.strip() or today_local().strftime("%Y-%m")
    if not MONTH.match(month):
        return render(request, "stats/stats.html", status_code=422, month=month, errors={
            "month": "月份格式应为 YYYY-MM，如 2026-12。"}, report=None, mediation=None)
    first, last = _month_bounds(month)
    report, mreport, sessions, rooms, mediators = await asyncio.gather(
        _or_none(api.get("/lawyers/reports/monthly", month=month)),
        _or_none(api.get("/mediation/reports/monthly", month=month)),
        _or_none(api.get_all("/mediation/sessions", cap=5000, **{"from": first.isoformat(), "to": last.isoformat()})),
        _or_none(api.get_all("/mediation/rooms")),
        _or_none(api.get_all("/mediation/mediators")),
    )
    lawyers = None
    if report is not None:
        items = report.get("items", [])
        lawyers = {"items": items, "figures": report.get("figures") or [],
                   "fee_rows": _bars([(r["name"] or r["lawyer_id"], r.get("total_fee") or 0) for r in items]),
                   "hours_rows": _bars([(r["name"] or r["lawyer_id"], r.get("hours") or 0) for r in items]),
                   "totals": {k: sum(r.get(k, 0) or 0 for r in items)
                              for k in ("duty_days", "duty_fee", "opinions", "opinion_fee", "case_resolutions",
                                        "case_resolution_fee", "other_fee", "total_fee", "hours")}}
    mediation = None
    if sessions is not None:
        mediation = mediation_summary(sessions, {r["id"]: r["name"] for r in rooms or []},
                                      {m["id"]: m["name"] for m in mediators or []})
    mfigures = (mreport or {}).get("figures") if isinstance(mreport, dict) else None
    return render(request, "stats/stats.html", month=month, errors={}, report=lawyers, mediation=mediation,
                  mediation_figures=mfigures,
                  month_label=f"{first.year}年{first.month}月", prev_month=_shift(month, -1),
                  next_month=_shift(month, 1))


# (report, format) -> the API call whose bytes are streamed, its query, and the download's Chinese name
EXPORTS = {
    ("lawyers", "csv"): ("/lawyers/reports/monthly.csv", {"lang": "zh"}, "律师工作月报"),
    ("lawyers", "xlsx"): ("/lawyers/reports/monthly", {"format": "xlsx"}, "律师工作月报"),
    ("mediation", "csv"): ("/mediation/reports/monthly", {"format": "csv"}, "信访调解月报"),
    ("mediation", "xlsx"): ("/mediation/reports/monthly", {"format": "xlsx"}, "信访调解月报"),
}


@router.get("/stats/{report}.{fmt}")
async def export(request: Request, report: str, fmt: str, person: StatsReader, month: str = ""):
    """A report file of the month, streamed through with the person's token, as a download."""
    if (report, fmt) not in EXPORTS:
        return render(request, "error.html", status_code=404, title="页面不存在", message="您访问的页面不存在。")
    month = month.strip()
    if not MONTH.match(month):
        return render(request, "error.html", status_code=400, title="请求有误", message="月份格式应为 YYYY-MM。")
    path, query, title = EXPORTS[(report, fmt)]
    http: httpx.AsyncClient = request.app.state.api.http
    req = http.build_request("GET", "/api/v1" + path, params={"month": month, **query},
                             headers=with_forwarded({"Authorization": f"Bearer {person.token}", "Accept": "*/*"},
                                                     forwarded_for(request.scope)))
    try:
        upstream = await http.send(req, stream=True)
    except httpx.HTTPError as e:
        raise ApiUnavailable() from e
    if upstream.status_code >= 400:
        body = await upstream.aread()
        await upstream.aclose()
        if upstream.status_code == 401:
            raise SignInRequired()
        if upstream.status_code in (502, 503, 504):
            raise ApiUnavailable()
        try:
            problem = httpx.Response(upstream.status_code, content=body).json()
        except ValueError:
            problem = {}
        raise ApiError(upstream.status_code, problem if isinstance(problem, dict) else {})
    filename = f"{title}-{month}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename=\"{report}-{month}.{fmt}\"; "
                                      f"filename*=UTF-8''{quote(filename)}"}
    return StreamingResponse(upstream.aiter_bytes(), media_type=upstream.headers.get("content-type", "text/csv"),
                             headers=headers, background=BackgroundTask(upstream.aclose))
