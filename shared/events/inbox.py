"""Applying events once: the inbox records (consumer, event id) with the effect, in one transaction."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from shared.auth import ServicePrincipal
from shared.db import Database, utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import InboxEntry
from shared.tracing import Tracing

log = logging.getLogger("suite.inbox")

Handler = Callable[[Session, CloudEvent], Any]


class EventHandlers:
    """Handlers by event type (`on_<event>` functions); `*` matches every type."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[Handler]] = {}
        self._preparers: list[Callable[[Session, list[CloudEvent]], Any]] = []
        self.tracing: Tracing | None = None  # the service's, set by create_service_app (shared/tracing.py)

    def before_batch(self, fn: Callable[[Session, list[CloudEvent]], Any]):
        """Register `fn(session, events)`, run once before a batch is applied (e.g. to load rows in one query)."""
        self._preparers.append(fn)
        return fn

    def run(self, session: Session, events: list[CloudEvent]) -> None:
        """Apply `events` in `session`: the batch preparers once, then each event's handlers in order."""
        for fn in self._preparers:
            fn(session, events)
        tracing = self.tracing
        for ev in events:
            if tracing is None or (tracing.tracer is None and ev.traceparent is None):
                for h in self.for_type(ev.type):
                    h(session, ev)
                continue
            with tracing.consuming(ev):  # a span continuing the event's trace; what the handlers emit carries it
                for h in self.for_type(ev.type):
                    h(session, ev)

    def on(self, event_type: str):
        def register(fn: Handler) -> Handler:
            self._by_type.setdefault(event_type, []).append(fn)
            return fn
        return register

    def for_type(self, event_type: str) -> list[Handler]:
        return self._by_type.get(event_type, []) + self._by_type.get("*", [])

    @property
    def types(self) -> list[str]:
        return sorted(self._by_type)


def already_applied(session: Session, consumer: str, event_id: str) -> bool:
    return session.get(InboxEntry, (consumer, event_id)) is not None


def applied_ids(session: Session, consumer: str, ids: list[str]) -> set[str]:
    """Which of `ids` the consumer has applied already (one query)."""
    return set(session.execute(select(col(InboxEntry.event_id)).where(
        col(InboxEntry.consumer) == consumer, col(InboxEntry.event_id).in_(ids))).scalars())


def _apply_together(db: Database, consumer: str, handlers: EventHandlers,
                    events: list[CloudEvent]) -> dict[str, bool]:
    """Apply `events` in one transaction (one inbox lookup, one inbox insert); per id, applied now or before."""
    with db.session() as s:
        done = applied_ids(s, consumer, [e.id for e in events])
        result: dict[str, bool] = {}
        fresh: list[CloudEvent] = []
        for ev in events:
            if ev.id in done or ev.id in result:
                result.setdefault(ev.id, False)
                continue
            result[ev.id] = True
            fresh.append(ev)
        if fresh:
            now = utcnow()
            s.execute(insert(InboxEntry), [{"consumer": consumer, "event_id": ev.id, "type": ev.type,
                                            "subject": ev.subject, "applied_at": now} for ev in fresh])
            handlers.run(s, fresh)
    return result


def apply_event(db: Database, consumer: str, handlers: EventHandlers, event: CloudEvent) -> bool:
    """Apply `event` once for `consumer`. Returns False when it had been applied already.

    The inbox row and every handler's writes commit together or not at all; a
    concurrent duplicate loses on the inbox primary key and is reported as applied.
    """
    try:
        return _apply_together(db, consumer, handlers, [event])[event.id]
    except IntegrityError:
        with db.session() as s:
            if already_applied(s, consumer, event.id):
                return False
        raise


def apply_events(db: Database, consumer: str, handlers: EventHandlers,
                 events: list[CloudEvent]) -> dict[str, bool | Exception]:
    """Apply a batch for `consumer`: per event id, True (applied now), False (applied before) or the error.

    The whole batch is tried in one transaction; if any handler fails, that
    transaction rolls back and every event is applied on its own with
    `apply_event`, so one bad event never holds back the others and nothing is
    half-written. The caller passes at most one event per subject and source it
    has to keep in order, or passes them in order.
    """
    if len(events) > 1:
        try:
            return dict(_apply_together(db, consumer, handlers, events))
        except Exception as e:  # a handler failed or a concurrent duplicate won: settle each event alone
            log.info("batch apply fell back to one event at a time",
                     extra={"consumer": consumer, "count": len(events), "error": f"{type(e).__name__}: {e}"})
    return _one_by_one(db, consumer, handlers, events)


def _one_by_one(db: Database, consumer: str, handlers: EventHandlers,
                events: list[CloudEvent]) -> dict[str, bool | Exception]:
    result: dict[str, bool | Exception] = {}
    for ev in events:
        try:
            result[ev.id] = apply_event(db, consumer, handlers, ev)
        except Exception as e:
            result[ev.id] = e
    return result


class Delivery(BaseModel):
    events: list[CloudEvent]


def inbox_router(consumer: str, handlers: EventHandlers) -> APIRouter:
    """`POST /internal/events`: where the hub pushes events; `service` role only."""
    router = APIRouter(tags=["internal"])

    @router.post("/internal/events")
    def receive(body: Delivery, request: Request, _: ServicePrincipal) -> dict:
        db: Database = request.app.state.db
        result = apply_events(db, consumer, handlers, body.events)
        failed = [{"id": i, "error": f"{type(e).__name__}: {e}"[:500]}
                  for i, e in result.items() if isinstance(e, Exception)]
        for i, e in result.items():
            if isinstance(e, Exception):
                log.error("event failed; the hub retries it", exc_info=e, extra={"consumer": consumer, "event_id": i})
        applied = sum(1 for v in result.values() if v is True)
        # The hub retries only the failed ones; the others are settled.
        return {"applied": applied, "duplicates": len(body.events) - applied - len(failed), "failed": failed}

    return router
