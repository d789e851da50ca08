"""Webhook use cases: subscribe, rotate the secret, queue deliveries, judge each attempt.

Who sees what: a coordinator or an auditor sees every subscription; a machine
client (petition_system) sees only its own (others are 404, as if absent).
"""
from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlmodel import Session

from services.gateway.access.masking import mask_personal
from services.gateway.settings import GatewaySettings
from services.gateway.webhook import repository as repo
from services.gateway.webhook.models import (
    CANCELLED,
    ENDPOINT_ACTIVE,
    ENDPOINT_DISABLED,
    FAILED,
    PENDING,
    SUCCEEDED,
    AttemptPublic,
    DeliveryPublic,
    WebhookAttempt,
    WebhookCreate,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookPublic,
    WebhookWithSecret,
)
from services.gateway.webhook.sealing import box
from services.gateway.webhook.signing import new_secret
from services.gateway.webhook.urlsafety import UnsafeUrl, allowed_hosts, check_registration, own_endpoints
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.envelope import CloudEvent

log = logging.getLogger("gateway.webhooks")

SEES_ALL = ("coordinator", "auditor")


def _new_id() -> str:
    return uuid.uuid4().hex


# -- subscriptions ------------------------------------------------------------------------
def public(row: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic.model_validate(row, from_attributes=True)


def with_secret(row: WebhookEndpoint, settings: GatewaySettings) -> WebhookWithSecret:
    return WebhookWithSecret(**public(row).model_dump(), secret=box(settings.webhook_sealing_keys).open(row.secret))


def owner_filter(principal: Principal) -> str | None:
    return None if principal.has(*SEES_ALL) else principal.sub


def get_visible(session: Session, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    row = repo.get_endpoint(session, endpoint_id)
    owner = owner_filter(principal)
    if row is None or (owner is not None and row.owner != owner):
        raise NotFound(f"No webhook {endpoint_id}.")
    return row


def register(session: Session, settings: GatewaySettings, principal: Principal, body: WebhookCreate) -> WebhookEndpoint:
    """Subscribe `url` to `event_types` (订阅); the answer carries the new secret."""
    try:
        check_registration(body.url, allowed_hosts(settings.webhook_allowed_hosts), own_endpoints(settings))
    except UnsafeUrl as e:
        raise Unprocessable(f"url: {e}", code="webhook_url_refused",
                            errors=[{"field": "url", "message": str(e), "type": "webhook_url_refused"}]) from None
    now = utcnow()
    row = WebhookEndpoint(id=_new_id(), owner=principal.sub, url=body.url.strip(), event_types=body.event_types,
                          secret=box(settings.webhook_sealing_keys).seal(new_secret()), status=ENDPOINT_ACTIVE,
                          created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def delete(session: Session, principal: Principal, endpoint_id: str) -> None:
    row = get_visible(session, principal, endpoint_id)
    now = utcnow()
    row.deleted_at = row.updated_at = now
    repo.cancel_pending(session, row.id, "webhook deleted")
    session.flush()


def rotate_secret(session: Session, settings: GatewaySettings, principal: Principal,
                  endpoint_id: str) -> WebhookEndpoint:
    """A new secret; the old one still signs (a second signature) for the grace period."""
    row = get_visible(session, principal, endpoint_id)
    now = utcnow()
    row.previous_secret = row.secret
    row.previous_secret_expires_at = now + timedelta(hours=settings.webhook_secret_grace_hours)
    row.secret = box(settings.webhook_sealing_keys).seal(new_secret())
    row.updated_at = now
    session.flush()
    return row


def signing_secrets(row: WebhookEndpoint, settings: GatewaySettings, now: datetime) -> list[str]:
    """The secrets that sign now, opened: the current one, and the previous one during its grace period."""
    sealed = [row.secret]
    if row.previous_secret and row.previous_secret_expires_at and row.previous_secret_expires_at > now:
        sealed.append(row.previous_secret)
    return [box(settings.webhook_sealing_keys).open(x) for x in sealed]


# -- deliveries -----------------------------------------------------------------------------
def type_matches(patterns: list[str], event_type: str) -> bool:
    return any(p in ("*", event_type) or (p.endswith(".*") and event_type.startswith(p[:-1])) for p in patterns)


def enqueue_deliveries(session: Session, event: CloudEvent) -> int:
    """Queue `event` for every active subscription that wants its type; in the caller's transaction."""
    return enqueue_many(session, [event])


def enqueue_many(session: Session, events: list[CloudEvent]) -> int:
    """Queue each event for every active subscription that wants its type; in the caller's transaction.

    Idempotent per (subscription, event id); two queries whatever the number of events.
    Returns the number of deliveries created.
    """
    active = repo.active_endpoints(session)
    wanted = [(ev, [e for e in active if type_matches(e.event_types, ev.type)]) for ev in events]
    wanted = [(ev, eps) for ev, eps in wanted if eps]
    if not wanted:
        return 0
    done = repo.deliveries_of(session, [ev.id for ev, _ in wanted])
    now = utcnow()
    n = 0
    for ev, endpoints in wanted:
        wire = ev.wire()
        if wire.get("data"):  # phones and ID numbers masked, no sealed values (API.md "Personal data in answers")
            wire["data"] = mask_personal(wire["data"])
        body = orjson.dumps(wire).decode()
        for ep in endpoints:
            if (ep.id, ev.id) in done:
                continue
            session.add(WebhookDelivery(id=_new_id(), endpoint_id=ep.id, event_id=ev.id, event_type=ev.type,
                                        subject=ev.subject, body=body, status=PENDING, attempts=0,
                                        max_attempts=0, next_attempt_at=now, created_at=now, updated_at=now))
            n += 1
    if n:
        session.flush()
    return n


def delivery_public(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryPublic:
    return DeliveryPublic(
        id=row.id, webhook_id=row.endpoint_id, event_id=row.event_id, event_type=row.event_type,
        subject=row.subject, status=row.status, attempt_count=row.attempts, next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code, last_error=row.last_error, created_at=row.created_at,
        completed_at=row.completed_at,
        attempts=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts])


def get_delivery(session: Session, principal: Principal, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    ep = get_visible(session, principal, endpoint_id)
    row = repo.get_delivery(session, ep.id, delivery_id)
    if row is None:
        raise NotFound(f"No delivery {delivery_id} for webhook {endpoint_id}.")
    return row


def redeliver(session: Session, principal: Principal, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    """Manual redelivery (重新投递): one attempt now; a pending delivery is simply moved forward."""
    ep = get_visible(session, principal, endpoint_id)
    if ep.status != ENDPOINT_ACTIVE:
        raise Conflict(f"Webhook {endpoint_id} is disabled ({ep.disabled_reason}); register it again.",
                       code="webhook_disabled")
    row = repo.get_delivery(session, ep.id, delivery_id)
    if row is None:
        raise NotFound(f"No delivery {delivery_id} for webhook {endpoint_id}.")
    now = utcnow()
    if row.status != PENDING:
        row.status = PENDING
        row.max_attempts = row.attempts + 1
        row.completed_at = None
    row.manual = True
    row.next_attempt_at = now
    row.updated_at = now
    session.flush()
    return row


# -- judging an attempt -----------------------------------------------------------------------
@dataclass
class AttemptResult:
    """What happened on the wire for one claimed delivery."""

    delivery_id: str
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from a Retry-After header


def next_delay(settings: GatewaySettings, attempts_done: int, retry_after: float | None) -> float:
    """Seconds until the next attempt: the schedule's step with jitter, never sooner than Retry-After."""
    delays = settings.webhook_retry_delays()
    step = delays[min(attempts_done, len(delays) - 1)]
    delay = step * (1 + random.uniform(-settings.webhook_retry_jitter, settings.webhook_retry_jitter))
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.webhook_retry_after_max_seconds))
    return max(delay, 0.0)


def record_attempt(session: Session, settings: GatewaySettings, row: WebhookDelivery, ep: WebhookEndpoint | None,
                   result: AttemptResult) -> str:
    """Log the attempt and move the delivery on: done, retry later, failed, or endpoint disabled (410)."""
    now = utcnow()
    row.attempts += 1
    max_attempts = row.max_attempts or len(settings.webhook_retry_delays())
    code = result.status_code
    manual, row.manual = row.manual, False
    if code is not None and 200 <= code < 300:
        outcome = SUCCEEDED
        row.status, row.next_attempt_at, row.completed_at = SUCCEEDED, None, now
    elif row.status != PENDING:
        outcome = row.status  # cancelled while in flight (webhook deleted or disabled)
    elif code == 410:
        outcome = "disabled"
        row.status, row.next_attempt_at, row.completed_at = FAILED, None, now
        if ep is not None and ep.status == ENDPOINT_ACTIVE:
            ep.status, ep.disabled_at, ep.updated_at = ENDPOINT_DISABLED, now, now
            ep.disabled_reason = "the endpoint answered 410 Gone"
            repo.cancel_pending(session, ep.id, "webhook disabled: the endpoint answered 410 Gone")
            log.warning("webhook disabled by 410", extra={"webhook_id": ep.id})
    elif row.attempts >= max_attempts:
        outcome = FAILED
        row.status, row.next_attempt_at, row.completed_at = FAILED, None, now
    else:
        outcome = "retrying"
        row.next_attempt_at = now + timedelta(seconds=next_delay(settings, row.attempts, result.retry_after))
    row.last_status_code = code
    row.last_error = result.error
    row.updated_at = now
    session.add(WebhookAttempt(id=_new_id(), delivery_id=row.id, number=row.attempts, started_at=result.started_at,
                               duration_ms=result.duration_ms, status_code=code,
                               error=(result.error or None) and result.error[:1000], outcome=outcome, manual=manual))
    return outcome


def cancel_if_inactive(row: WebhookDelivery, ep: WebhookEndpoint | None) -> bool:
    """A claimed delivery whose webhook is gone or disabled is cancelled instead of sent."""
    if ep is not None and ep.status == ENDPOINT_ACTIVE and ep.deleted_at is None:
        return False
    now = utcnow()
    row.status, row.next_attempt_at, row.completed_at, row.updated_at = CANCELLED, None, now, now
    row.last_error = "webhook deleted" if ep is None or ep.deleted_at else "webhook disabled"
    return True
