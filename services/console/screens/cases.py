"""案件: find a case by its number (exact or prefix) or a party's name; one case's file and timeline.

Search uses the mediation service's finding calls (`GET /mediation/sessions` and `GET /mediation/cases`
with `q` = case number prefix and `party` = a name, exact or prefix), so a person finds only the
cases their role may see. The case page shows the mediation case file (sessions, agreement,
ratings, attached legal opinions), the gateway's handoffs of the case and its timeline across the
services (CloudEvents, told as Chinese sentences). A case the person may not see reads as not found.
"""
from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.console import labels
from services.console.formatting import instant, zh_datetime
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, render

router = APIRouter()
READERS = ("coordinator", "mediator", "auditor")
CaseReader = Annotated[ConsoleSession, Depends(allow(*READERS))]
CASE_NO = re.compile(r"^[A-Za-z0-9-]{1,64}$")
CASE_NO_HINT = "案件编号只能包含字母、数字和连字符（-），最多 64 位。"
FIELD_OF = {"q": "case_no", "party": "party"}


async def _tolerant(coro, default):
    """A side panel's data; `default` when the API refuses it or cannot answer."""
    try:
        return await coro
    except (ApiError, ApiUnavailable):
        return default


def _group(sessions: list[dict], intakes: list[dict]) -> list[dict]:
    """One row per case number: its parties, sessions and latest state, newest activity first."""
    cases: dict[str, dict[str, Any]] = {}

    def row(case_no: str) -> dict[str, Any]:
        return cases.setdefault(case_no, {"case_no": case_no, "parties": [], "sessions": 0, "last": None,
                                          "status": None, "intake": None, "latest": ""})

    def add_party(r: dict, name: str) -> None:
        if name and name not in r["parties"]:
            r["parties"].append(name)

    for i in intakes:
        r = row(i["case_no"])
        r["intake"] = i.get("status")
        r["latest"] = max(r["latest"], i.get("received_at") or "")
        for p in i.get("parties") or []:
            add_party(r, p.get("name", "") if isinstance(p, dict) else str(p))
    for s in sessions:
        r = row(s["case_no"])
        r["sessions"] += 1
        if r["last"] is None or s["start"] >= r["last"]["start"]:
            r["last"] = s
        r["latest"] = max(r["latest"], s.get("start") or "")
        for p in s.get("parties") or []:
            add_party(r, p.get("name", ""))
    return sorted(cases.values(), key=lambda r: (r["latest"], r["case_no"]), reverse=True)


@router.get("/cases")
async def search(request: Request, person: CaseReader, api: Api, case_no: str = "", party: str = ""):
    case_no, party = case_no.strip(), " ".join(party.split())
    errors: dict[str, str] = {}
    if case_no and not CASE_NO.match(case_no):
        errors["case_no"] = CASE_NO_HINT
    if len(party) > 200:
        errors["party"] = "当事人姓名最多 200 字。"
    searched = bool(case_no or party) and not errors
    results: list[dict] | None = None
    if searched:
        params = {"q": case_no or None, "party": party or None}
        try:
            sessions, intakes = await asyncio.gather(api.get_all("/mediation/sessions", cap=500, **params),
                                                     _intake_list(api, params))
            results = _group(sessions, intakes)
        except ApiError as err:
            if err.status != 422:
                raise
            errors = {FIELD_OF.get(k, k): v for k, v in err.field_errors().items()} or {"case_no": err.detail}
            searched = False
    return render(request, "cases/search.html", case_no=case_no, party=party, errors=errors, searched=searched,
                  results=results, exact=case_no if searched and case_no else "",
                  status_code=422 if errors else 200)


async def _intake_list(api: Api, params: dict) -> list[dict]:
    """Cases handed to mediation that match (also those without a session yet)."""
    try:
        return await api.get_all("/mediation/cases", cap=500, **params)
    except ApiError as err:
        if err.status in (403, 404):
            return []
        raise


# -- one case ------------------------------------------------------------------------------------
def _when(value: str | None) -> str:
    return zh_datetime(value) if value else ""


def event_sentence(ev: dict, rooms: dict[str, str]) -> str:
    """A CloudEvent as one Chinese sentence: what happened, with the facts a reader needs."""
    t = ev.get("type", "")
    raw = ev.get("data")
    data = raw if isinstance(raw, dict) else {}
    head = labels.EVENT_TYPE.get(t)
    if head is None:
        return f"其他事件（{t}）"
    bits: list[str] = []
    if t.startswith("mediation.session.") and data.get("start"):
        bits.append(f"{_when(data['start'])}–{instant(data['end']).strftime('%H:%M')}"
                    if data.get("end") else _when(data["start"]))
        if data.get("room_id"):
            bits.append(rooms.get(data["room_id"], "调解室"))
    if t == "mediation.session.concluded" and data.get("outcome"):
        bits.append(labels.label(data["outcome"], "outcome"))
    if t.startswith("handoff.") and data.get("target"):
        bits.append("移交至" + labels.label(data["target"], "handoff_target"))
    if t == "lawyers.opinion.filed":
        if data.get("legality"):
            bits.append("合法性：" + labels.label(data["legality"], "legality"))
        if data.get("recommended_channel"):
            bits.append("建议途径：" + labels.label(data["recommended_channel"], "channel"))
    if t in ("lawyers.opinion.assigned", "lawyers.review.opened") and data.get("due_on"):
        bits.append(f"办理期限 {data['due_on']}")
    for key in ("reason",):
        if data.get(key):
            bits.append("原因：" + str(data[key]))
    return head + ("：" + "，".join(bits) if bits else "")


@router.get("/cases/{case_no}")
async def case_page(request: Request, case_no: str, person: CaseReader, api: Api):
    if not CASE_NO.match(case_no):
        return _not_found(request, case_no)
    try:
        case = await api.get(f"/mediation/cases/{case_no}")
    except ApiError as err:
        if err.status in (403, 404, 422):
            return _not_found(request, case_no)
        raise
    timeline, handoffs, rooms, mediators = await asyncio.gather(
        _tolerant(api.get(f"/cases/{case_no}/timeline"), None),
        _tolerant(api.get_all(f"/cases/{case_no}/handoffs"), None),
        _tolerant(_names(api, "/mediation/rooms"), {}),
        _tolerant(_names(api, "/mediation/mediators"), {}),
    )
    events = None
    if timeline is not None:
        events = [{"time": e.get("time"), "source": e.get("source", ""), "type": e.get("type", ""),
                   "sentence": event_sentence(e, rooms)} for e in timeline.get("events", [])]
    return render(request, "cases/case.html", case=case, case_no=case_no, events=events, handoffs=handoffs,
                  rooms=rooms, mediators=mediators, can_open_session=person.has("coordinator", "mediator"))


async def _names(api: Api, path: str) -> dict[str, str]:
    return {x["id"]: x["name"] for x in await api.get_all(path)}


def _not_found(request: Request, case_no: str):
    return render(request, "cases/not_found.html", status_code=404, case_no=case_no)
