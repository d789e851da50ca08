"""Queries of the case timeline and the event feed (the hub's stored events)."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from services.gateway.hub.models import HubEvent


def for_subject(session: Session, subject: str, limit: int = 5000) -> list[HubEvent]:
    return list(session.execute(select(HubEvent).where(HubEvent.subject == subject)
                                .order_by(HubEvent.time, HubEvent.position).limit(limit)).scalars())


def feed(session: Session, after: int, subject: str | None, limit: int) -> list[HubEvent]:
    q = select(HubEvent).where(HubEvent.position > after)
    if subject:
        q = q.where(HubEvent.subject == subject)
    return list(session.execute(q.order_by(HubEvent.position).limit(limit + 1)).scalars())
