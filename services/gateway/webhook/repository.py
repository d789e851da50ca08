"""Every query about webhook endpoints, deliveries and attempts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.gateway.webhook.models import (
    CANCELLED,
    ENDPOINT_ACTIVE,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from shared.db import rowcount, utcnow
from shared.jobs import claim


def get_endpoint(session: Session, endpoint_id: str) -> WebhookEndpoint | None:
    row = session.get(WebhookEndpoint, endpoint_id)
    return row if row is not None and row.deleted_at is None else None


def endpoints_by_id(session: Session, ids: set[str]) -> dict[str, WebhookEndpoint]:
    if not ids:
        return {}
    rows = session.execute(select(WebhookEndpoint).where(col(WebhookEndpoint.id).in_(ids))).scalars()
    return {r.id: r for r in rows}


def page_endpoints(session: Session, owner: str | None, after: list | None, limit: int) -> list[WebhookEndpoint]:
    q = (select(WebhookEndpoint).where(col(WebhookEndpoint.deleted_at).is_(None))
         .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id)).limit(limit + 1))
    if owner is not None:
        q = q.where(col(WebhookEndpoint.owner) == owner)
    if after:
        at = datetime.fromisoformat(after[0])
        q = q.where((WebhookEndpoint.created_at > at)
                    | ((WebhookEndpoint.created_at == at) & (WebhookEndpoint.id > after[1])))
    return list(session.execute(q).scalars())


def active_endpoints(session: Session) -> list[WebhookEndpoint]:
    q = select(WebhookEndpoint).where(col(WebhookEndpoint.status) == ENDPOINT_ACTIVE,
                                      col(WebhookEndpoint.deleted_at).is_(None))
    return list(session.execute(q).scalars())


def deliveries_of(session: Session, event_ids: list[str]) -> set[tuple[str, str]]:
    """(endpoint id, event id) of the deliveries already queued for these events."""
    q = select(col(WebhookDelivery.endpoint_id),
               col(WebhookDelivery.event_id)).where(col(WebhookDelivery.event_id).in_(event_ids))
    return {(a, b) for a, b in session.execute(q)}


def deliveries_by_id(session: Session, ids: list[str]) -> dict[str, WebhookDelivery]:
    if not ids:
        return {}
    rows = session.execute(select(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids))).scalars()
    return {r.id: r for r in rows}


def get_delivery(session: Session, endpoint_id: str, delivery_id: str) -> WebhookDelivery | None:
    row = session.get(WebhookDelivery, delivery_id)
    return row if row is not None and row.endpoint_id == endpoint_id else None


def page_deliveries(session: Session, endpoint_id: str, status: str | None, after: list | None,
                    limit: int) -> list[WebhookDelivery]:
    """Newest first."""
    q = (select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
         .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc()).limit(limit + 1))
    if status:
        q = q.where(col(WebhookDelivery.status) == status)
    if after:
        at = datetime.fromisoformat(after[0])
        q = q.where((WebhookDelivery.created_at < at)
                    | ((WebhookDelivery.created_at == at) & (WebhookDelivery.id < after[1])))
    return list(session.execute(q).scalars())


def attempts_of(session: Session, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    out: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
    if not delivery_ids:
        return out
    q = (select(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
         .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.number)))
    for a in session.execute(q).scalars():
        out[a.delivery_id].append(a)
    return out


def claim_due(session: Session, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come, locked (SKIP LOCKED on PostgreSQL), oldest due first."""
    q = (select(WebhookDelivery)
         .where(col(WebhookDelivery.status) == PENDING, col(WebhookDelivery.next_attempt_at) <= now)
         .order_by(col(WebhookDelivery.next_attempt_at)).limit(limit))
    return claim(session, q)


def cancel_pending(session: Session, endpoint_id: str, reason: str) -> int:
    now = utcnow()
    res = session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.status) == PENDING)
        .values(status=CANCELLED, next_attempt_at=None, last_error=reason, updated_at=now, completed_at=now)
    )
    return rowcount(res) or 0
