"""Queries of the case timeline and the event feed (the hub's stored events)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlmodel import Session, col

from services.gateway.hub.models import HubEvent
from shared.timeutil import to_local

# Plain columns, not ORM rows: a feed page is read, turned into JSON and forgotten.
COLUMNS = tuple(col(c) for c in (HubEvent.position, HubEvent.id, HubEvent.source, HubEvent.type, HubEvent.subject,
                                  HubEvent.time, HubEvent.data, HubEvent.sequence))


def wire(row: Row) -> dict[str, Any]:
    """A stored event as its CloudEvent JSON (what `CloudEvent.wire()` gives, without building the model)."""
    out: dict[str, Any] = {"specversion": "1.0", "id": row.id, "source": row.source, "type": row.type}
    if row.subject is not None:
        out["subject"] = row.subject
    out["time"] = to_local(row.time).isoformat()
    out["datacontenttype"] = "application/json"
    out["data"] = row.data
    if row.sequence is not None:
        out["sequence"] = row.sequence
    return out


def for_subject(session: Session, subject: str, limit: int = 5000) -> list[Row]:
    return list(session.execute(select(*COLUMNS).where(col(HubEvent.subject) == subject)
                                .order_by(col(HubEvent.time), col(HubEvent.position)).limit(limit)))


def feed(session: Session, after: int, subject: str | None, limit: int) -> list[Row]:
    q = select(*COLUMNS).where(col(HubEvent.position) > after)
    if subject:
        q = q.where(col(HubEvent.subject) == subject)
    return list(session.execute(q.order_by(col(HubEvent.position)).limit(limit + 1)))
