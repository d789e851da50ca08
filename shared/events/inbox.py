"""Applying events once: the inbox records (consumer, event id) with the effect, in one transaction."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from shared.auth import ServicePrincipal
from shared.db import Database, utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import InboxEntry

log = logging.getLogger("suite.inbox")

Handler = Callable[[Session, CloudEvent], Any]


class EventHandlers:
    """Handlers by event type (`on_<event>` functions); `*` matches every type."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[Handler]] = {}

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


def record(session: Session, consumer: str, event: CloudEvent) -> None:
    session.add(InboxEntry(consumer=consumer, event_id=event.id, type=event.type, subject=event.subject,
                           applied_at=utcnow()))
    session.flush()


def apply_event(db: Database, consumer: str, handlers: EventHandlers, event: CloudEvent) -> bool:
    """Apply `event` once for `consumer`. Returns False when it had been applied already.

    The inbox row and every handler's writes commit together or not at all; a
    concurrent duplicate loses on the inbox primary key and is reported as applied.
    """
    try:
        with db.session() as s:
            if already_applied(s, consumer, event.id):
                return False
            record(s, consumer, event)
            for h in handlers.for_type(event.type):
                h(s, event)
        return True
    except IntegrityError:
        with db.session() as s:
            if already_applied(s, consumer, event.id):
                return False
        raise


class Delivery(BaseModel):
    events: list[CloudEvent]


def inbox_router(consumer: str, handlers: EventHandlers) -> APIRouter:
    """`POST /internal/events`: where the hub pushes events; `service` role only."""
    router = APIRouter(tags=["internal"])

    @router.post("/internal/events")
    def receive(body: Delivery, request: Request, _: ServicePrincipal) -> dict:
        db: Database = request.app.state.db
        applied = duplicates = 0
        for ev in body.events:
            if apply_event(db, consumer, handlers, ev):
                applied += 1
            else:
                duplicates += 1
        return {"applied": applied, "duplicates": duplicates}

    return router
