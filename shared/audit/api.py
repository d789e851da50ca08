"""Each service's internal audit endpoints (service token only), read by the gateway's audit API.

- `GET /internal/audit/events`: records newest first, filtered, below `before_seq`; `{"items", "more"}`.
- `GET /internal/audit/verify`: the chain checked from its base (`anchor_seq`/`anchor_hash`: the last
  signed anchor the gateway holds, which the record at that seq must still match).
- `GET /internal/audit/head`: the chain head, for the gateway's daily anchor.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from shared.audit import chain
from shared.auth import ServicePrincipal
from shared.db import DbSession
from shared.timeutil import Instant

router = APIRouter(prefix="/internal/audit", tags=["internal"], include_in_schema=False)


@router.get("/events")
def internal_events(request: Request, session: DbSession, _: ServicePrincipal,
                    before_seq: Annotated[int | None, Query(ge=1)] = None,
                    limit: Annotated[int, Query(ge=1, le=201)] = 50,
                    actor: str | None = None, action: str | None = None, object_type: str | None = None,
                    object_id: str | None = None, outcome: Literal["success", "failure"] | None = None,
                    start: Instant | None = None, end: Instant | None = None) -> dict:
    service = request.app.state.settings.service_name
    rows = chain.listing(session, service, before_seq=before_seq, limit=limit + 1, actor=actor, action=action,
                         object_type=object_type, object_id=object_id, outcome=outcome, start=start, end=end)
    return {"items": [chain.public(r) for r in rows[:limit]], "more": len(rows) > limit}


@router.get("/verify")
def internal_verify(request: Request, session: DbSession, _: ServicePrincipal,
                    anchor_seq: Annotated[int | None, Query(ge=1)] = None,
                    anchor_hash: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None) -> dict:
    anchor = (anchor_seq, anchor_hash) if anchor_seq and anchor_hash else None
    return chain.verify(session, request.app.state.settings.service_name, anchor=anchor)


@router.get("/head")
def internal_head(request: Request, session: DbSession, _: ServicePrincipal) -> dict:
    h = chain.head(session, request.app.state.settings.service_name)
    return {"service": h["service"], "seq": int(h["seq"]), "hash": h["hash"], "base_seq": int(h["base_seq"])}
