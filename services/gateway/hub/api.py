"""The hub's endpoints: `POST /internal/events` (services publish here) and the dead letters."""
from __future__ import annotations

import logging
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.gateway.hub import repository as repo
from services.gateway.hub.models import DeadLetter
from shared.audit import record_now
from shared.auth import Principal, ServicePrincipal, require_roles
from shared.db import utcnow
from shared.errors import Forbidden, NotFound
from shared.events.envelope import CloudEvent
from shared.events.inbox import Delivery
from shared.pagination import PageDep, paginate

log = logging.getLogger("suite.hub")
router = APIRouter()
Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
Reader = Annotated[Principal, Depends(require_roles("coordinator", "auditor"))]


def producer_source(principal: Principal) -> str:
    """The `source` a service client may publish: `mediation-service` -> `mediation` (the gateway: `gateway`)."""
    return principal.client_id.removesuffix("-service")


def _audit_refused(request: Request, principal: Principal, allowed: str, bad: list[CloudEvent]) -> None:
    """Record the refusal in the gateway's audit trail."""
    try:
        record_now(request.app.state.db, "hub.event.source_refused", service="gateway", outcome="failure",
                   object_type="event", object_id=bad[0].id, actor=principal.sub, client_id=principal.client_id,
                   roles=sorted(principal.roles), request=request,
                   detail={"allowed_source": allowed, "sources": sorted({e.source[:100] for e in bad}),
                           "types": sorted({e.type[:100] for e in bad})[:20], "count": len(bad)})
    except Exception as e:  # the refusal stands; a lost record is logged
        log.error("refused event not recorded in the audit trail: %r", e)


@router.post("/internal/events", tags=["internal"])
async def publish(body: Delivery, request: Request, principal: ServicePrincipal) -> dict:
    """Where the services' outbox relays publish (at-least-once; the hub dedupes by event id). Every event's
    `source` must be the service whose token delivered it, else the whole delivery is refused (403)."""
    allowed = producer_source(principal)
    bad = [e for e in body.events if e.source != allowed]
    if bad:
        await anyio.to_thread.run_sync(_audit_refused, request, principal, allowed, bad)
        raise Forbidden(f"An event's source must be the service that delivers it ({allowed!r}); "
                        f"{len(bad)} event(s) name another source.", code="event_source_mismatch",
                        detail_zh="事件来源必须与投递该事件的服务一致。")
    stored, duplicates = await anyio.to_thread.run_sync(request.app.state.hub.store, body.events)
    return {"stored": stored, "duplicates": duplicates}


class DeadLetterPublic(BaseModel):
    id: str
    transport: str
    consumer: str
    event_id: str
    event: dict
    error: str | None
    attempts: int
    dead_at: str
    replayed_at: str | None
    replays: int

    @classmethod
    def of(cls, r: DeadLetter) -> DeadLetterPublic:
        from shared.timeutil import to_local
        return cls(id=r.id, transport=r.transport, consumer=r.consumer, event_id=r.event_id, event=r.event,
                   error=r.error, attempts=r.attempts, dead_at=to_local(r.dead_at).isoformat(),
                   replayed_at=to_local(r.replayed_at).isoformat() if r.replayed_at else None, replays=r.replays)


@router.get("/api/v1/events/dead-letters", tags=["events"])
def list_dead_letters(request: Request, page: PageDep, _: Reader,
                      consumer: Annotated[str | None, Query(max_length=100)] = None,
                      include_replayed: bool = False) -> dict:
    """Events a consumer gave up on (hub deliveries past their attempts, NATS dead-letter subject)."""
    with request.app.state.db.session() as s:
        rows = repo.dead_letters(s, consumer, include_replayed, page.after(), page.limit)
    rows, nxt = paginate(rows, page, lambda r: r.id)
    return {"items": [DeadLetterPublic.of(r).model_dump() for r in rows], "next_cursor": nxt}


@router.post("/api/v1/events/dead-letters/{dead_letter_id}/replay", tags=["events"])
async def replay_dead_letter(dead_letter_id: str, request: Request, _: Coordinator) -> dict:
    """Deliver a dead letter again (the consumer's inbox still applies it at most once)."""
    app = request.app

    def load() -> DeadLetter:
        with app.state.db.session() as s:
            dl = s.get(DeadLetter, dead_letter_id)
            if dl is None:
                raise NotFound("No dead letter with this id.")
            return dl

    def mark() -> DeadLetter:
        now = utcnow()
        with app.state.db.session() as s:
            dl = s.get(DeadLetter, dead_letter_id)
            if dl.transport == "hub":
                app.state.hub.replay_hub(s, dl, now)
            dl.replayed_at, dl.replays = now, dl.replays + 1
            s.flush()
            return dl

    dl = await anyio.to_thread.run_sync(load)
    if dl.transport == "nats":  # publish first: a failed publish leaves the dead letter as it was
        await app.state.nats.replay(CloudEvent.model_validate(dl.event), dl.replays + 1)
    dl = await anyio.to_thread.run_sync(mark)
    if dl.transport == "hub":
        app.state.hub.kick()
    return DeadLetterPublic.of(dl).model_dump()
