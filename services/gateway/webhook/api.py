"""Webhooks: `/api/v1/webhooks` (subscriptions, secret rotation, the delivery log, redelivery)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.webhook import repository as repo
from services.gateway.webhook import service
from services.gateway.webhook.models import (
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhookWithSecret,
)
from shared.auth import Principal, require_roles
from shared.db import DbSession
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

Manager = Annotated[Principal, Depends(require_roles("petition_system", "coordinator"))]
Reader = Annotated[Principal, Depends(require_roles("petition_system", "coordinator", "auditor"))]
DeliveryStatus = Literal["pending", "succeeded", "failed", "cancelled"]


@router.post("", status_code=201, response_model=WebhookWithSecret,
             responses=problems((422, "webhook_url_refused")))
def create_webhook(body: WebhookCreate, request: Request, session: DbSession, who: Manager) -> WebhookWithSecret:
    settings = request.app.state.settings
    return service.with_secret(service.register(session, settings, who, body), settings)


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(session: DbSession, page: PageDep, who: Reader) -> Page[WebhookPublic]:
    rows = repo.page_endpoints(session, service.owner_filter(who), page.after(), page.limit)
    rows, cursor = paginate(rows, page, lambda r: [r.created_at.isoformat(), r.id])
    return Page(items=[service.public(r) for r in rows], next_cursor=cursor)


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: str, session: DbSession, who: Reader) -> WebhookPublic:
    return service.public(service.get_visible(session, who, webhook_id))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, session: DbSession, who: Manager) -> Response:
    service.delete(session, who, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookWithSecret)
def rotate_secret(webhook_id: str, request: Request, session: DbSession, who: Manager) -> WebhookWithSecret:
    settings = request.app.state.settings
    return service.with_secret(service.rotate_secret(session, settings, who, webhook_id), settings)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(webhook_id: str, session: DbSession, page: PageDep, who: Reader,
                    status: Annotated[DeliveryStatus | None, Query()] = None) -> Page[DeliveryPublic]:
    ep = service.get_visible(session, who, webhook_id)
    rows = repo.page_deliveries(session, ep.id, status, page.after(), page.limit)
    rows, cursor = paginate(rows, page, lambda r: [r.created_at.isoformat(), r.id])
    attempts = repo.attempts_of(session, [r.id for r in rows])
    return Page(items=[service.delivery_public(r, attempts[r.id]) for r in rows], next_cursor=cursor)


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryPublic)
def get_delivery(webhook_id: str, delivery_id: str, session: DbSession, who: Reader) -> DeliveryPublic:
    row = service.get_delivery(session, who, webhook_id, delivery_id)
    return service.delivery_public(row, repo.attempts_of(session, [row.id])[row.id])


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", status_code=202, response_model=DeliveryPublic,
             responses=problems((409, "webhook_disabled")))
def redeliver(webhook_id: str, delivery_id: str, session: DbSession, who: Manager) -> DeliveryPublic:
    row = service.redeliver(session, who, webhook_id, delivery_id)
    return service.delivery_public(row, repo.attempts_of(session, [row.id])[row.id])
