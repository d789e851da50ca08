"""`PUT /api/v1/calendar/years/{year}`: the State Council's holiday notice for a year, loaded in one call.

How the answer's `recomputed` list stays accurate:

1. The gateway replaces the year's days in its own calendar, marks the year covered and emits
   `calendar.year.set` {year, days} (outbox) in one transaction, which commits.
2. It then hands that same event to each service at once (`POST /internal/calendar/apply`, service
   token). The service applies it through its inbox, so it applies once whichever comes first, this call
   or the hub's ordinary push: its calendar follows, every stored deadline not yet passed is computed
   again, each one that moved is recorded (`deadline_change`, keyed by the event id) and announced
   (`mediation.deadline.recomputed`, `lawyers.deadline.recomputed`, to the webhooks). The service answers
   with the changes recorded for that event id, so the list is exact even when the push came first.
   The gateway's own deadlines (handoffs' `expires_at`, handoff/deadlines.py) move in step 1's
   transaction and lead the list (`service: "gateway"`).
3. A service that cannot be reached is listed under `pending`: the event still reaches it through the
   hub (retried until applied) and its changes are announced by their events; loading the same year
   again (PUT is idempotent) answers with every change once all services have applied it.

`GET /api/v1/calendar/years/{year}`: the loaded days and whether the year is covered (loaded whole, or in
the packaged data); a deadline in a year not covered is provisional (`deadline_provisional`).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from services.gateway.calendar import repository as repo
from services.gateway.handoff import deadlines as handoff_deadlines
from shared.auth import READ_ROLES, Principal, require_roles
from shared.db import DbSession
from shared.deadlines import change_public
from shared.errors import Unprocessable
from shared.events import emit
from shared.timeutil import Day

log = logging.getLogger("suite.calendar")
router = APIRouter(tags=["calendar"])
Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]
Year = Annotated[int, Path(ge=2000, le=2100)]
SERVICES = ("mediation", "lawyers")


class YearDay(BaseModel):
    date: Day
    kind: Literal["holiday", "workday"]
    name: str = Field(default="", max_length=100)


class YearLoad(BaseModel):
    """The year's notice: every holiday and every adjustment working day (调休); other days are Mon–Fri."""

    days: list[YearDay] = Field(max_length=366)
    name: str = Field(default="", max_length=200)


def subject_of(year: int) -> str:
    return f"calendar:{year}"


def _check(year: int, body: YearLoad) -> None:
    errors, seen = [], set()
    for i, d in enumerate(body.days):
        if d.date.year != year:
            errors.append({"field": f"days[{i}].date", "message": f"not in {year}", "message_zh": f"不在 {year} 年内",
                           "type": "value_error"})
        elif d.date in seen:
            errors.append({"field": f"days[{i}].date", "message": "listed twice", "message_zh": "重复",
                           "type": "value_error"})
        seen.add(d.date)
    if errors:
        raise Unprocessable("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors,
                            detail_zh="；".join(f"{e['field']}：{e['message_zh']}" for e in errors))


def _write(app, year: int, body: YearLoad):
    """Write the year and its event; the handoffs' acceptance deadlines follow in the same transaction.
    Returns the event and the gateway's own moved deadlines (as answered)."""
    days = sorted(body.days, key=lambda d: d.date)
    with app.state.db.session() as s:
        before = app.state.calendar.fresh(s)
        app.state.calendar.set_year(s, year, [(d.date, d.kind, d.name) for d in days], body.name)
        data = {"year": year, "name": body.name,
                "days": [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name} for d in days]}
        event = emit(s, source="gateway", type="calendar.year.set", subject=subject_of(year), data=data)
        moved = [change_public(c, "gateway") for c in handoff_deadlines.follow_calendar(app, s, before, event)]
        return event, moved


def _service_token(app) -> str:
    """The gateway's own `service` token (the hub's, which it renews), as for pushing to the inboxes."""
    hub = getattr(app.state, "hub", None)
    if hub is not None:
        return hub.service_token()
    return app.state.signer.issue("gateway", "gateway", ["service"])[0]


async def _apply_at(app, svc: str, event) -> dict:
    url = getattr(app.state.settings, f"{svc}_url").rstrip("/") + "/internal/calendar/apply"
    r = await app.state.http.post(url, json={"event": event.wire()}, timeout=60.0,
                                  headers={"Authorization": f"Bearer {_service_token(app)}"})
    r.raise_for_status()
    return r.json()


@router.put("/api/v1/calendar/years/{year}")
async def load_year(year: Year, body: YearLoad, request: Request, _: Coordinator) -> dict:
    """Load a year's holidays and 调休 days whole; answers with the stored deadlines that moved."""
    _check(year, body)
    app = request.app
    event, recomputed = await anyio.to_thread.run_sync(_write, app, year, body)
    results = await asyncio.gather(*(_apply_at(app, svc, event) for svc in SERVICES), return_exceptions=True)
    pending = []
    for svc, res in zip(SERVICES, results, strict=True):
        if isinstance(res, BaseException):
            log.warning("calendar not applied at once; the hub delivers it", extra={
                "service": svc, "error": f"{type(res).__name__}: {res}"[:300]})
            pending.append(svc)
        else:
            recomputed.extend(res.get("recomputed") or [])
    return {"year": year, "covered": True, "days": len(body.days), "event_id": event.id,
            "recomputed": recomputed, "pending": pending}


@router.get("/api/v1/calendar/years/{year}")
def get_year(year: Year, request: Request, session: DbSession, _: Reader) -> dict:
    cal = request.app.state.calendar.get(session)
    loaded = repo.loaded_year(session, year)
    rows = repo.days_of(session, year)
    return {"year": year, "covered": cal.year_covered(year), "loaded": loaded is not None,
            "name": loaded.name if loaded else None,
            "days": [{"date": r.day.isoformat(), "kind": r.kind, "name": r.name} for r in rows]}
