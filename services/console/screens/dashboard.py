"""工作台: the first page after sign-in: today's and the next sessions, deadlines, duty, my opinions.

Each panel is filled from the API the person's role may call; a panel whose
call is refused (403) or fails is shown as unavailable, never the whole page.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request

from services.console.formatting import instant, today_local
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.web import Api, Person, render

router = APIRouter()


async def _panel(coro):
    """The panel's data, or None when the API refuses or cannot answer it."""
    try:
        return await coro
    except (ApiError, ApiUnavailable):
        return None


async def _sessions(api: Api, today) -> list[dict]:
    items = await api.get_all("/mediation/sessions", **{"from": today.isoformat(),
                                                        "to": (today + timedelta(days=14)).isoformat()})
    live = [s for s in items if s["status"] in ("scheduled", "in_progress")]
    return sorted(live, key=lambda s: s["start"])


async def _duty_today(api: Api, today) -> list[dict]:
    return (await api.get("/lawyers/duty-shifts", **{"from": today.isoformat(), "to": today.isoformat()}))["items"]


async def _names(api: Api, path: str) -> dict[str, str]:
    return {x["id"]: x["name"] for x in await api.get_all(path)}


@router.get("/")
async def dashboard(request: Request, person: Person, api: Api):
    today = today_local()
    mediation = person.has("coordinator", "mediator", "auditor")
    lawyers = person.has("coordinator", "lawyer", "auditor", "mediator")
    sessions, rooms, duty, lawyer_names, my_opinions, agreements = await asyncio.gather(
        _panel(_sessions(api, today)) if mediation else _none(),
        _panel(_names(api, "/mediation/rooms")) if mediation else _none(),
        _panel(_duty_today(api, today)) if lawyers else _none(),
        _panel(_names(api, "/lawyers/lawyers")) if lawyers else _none(),
        _panel(api.get("/lawyers/opinion-requests", assignee="me", status="assigned"))
        if person.has("lawyer") else _none(),
        _panel(api.get("/mediation/agreements", open="true")) if mediation else _none(),
    )
    today_sessions = [s for s in sessions or [] if instant(s["start"]).date() == today]
    next_sessions = [s for s in sessions or [] if instant(s["start"]).date() > today][:10]
    return render(request, "dashboard.html", mediation=mediation, sessions=sessions,
                  today_sessions=today_sessions, next_sessions=next_sessions, rooms=rooms or {},
                  duty=duty, lawyer_names=lawyer_names or {},
                  my_opinions=(my_opinions or {}).get("items") if my_opinions is not None else None,
                  agreements=(agreements or {}).get("items") if agreements is not None else None)


async def _none():
    return None
