"""Webhook test fixtures: helpers to drive the delivery job (the receiver fixture is in tests/conftest.py)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.gateway.webhook.jobs import deliver_due
from services.gateway.webhook.models import PENDING, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from services.gateway.webhook.service import enqueue_deliveries
from shared.db import utcnow
from shared.events.envelope import CloudEvent


class Hooks:
    """Drive webhooks in the running suite: enqueue events, run the job, read the tables."""

    def __init__(self, suite) -> None:
        self.suite = suite
        self.app = suite.app["gateway"]
        self.db = suite.db("gateway")

    @property
    def settings(self):
        return self.app.state.settings

    def register(self, url: str, event_types=("*",), who: str = "petition-system") -> dict:
        r = self.suite.client(who).post("/api/v1/webhooks", json={"url": url, "event_types": list(event_types)})
        assert r.status_code == 201, r.text
        return r.json()

    def event(self, type: str = "handoff.accepted", subject: str = "XF-2026-0001", **data) -> CloudEvent:
        return CloudEvent(id=uuid.uuid4().hex, source="gateway", type=type, subject=subject, time=utcnow(),
                          data=data or {"handoff_id": "h1", "target": "mediation", "说明": "已受理"}, sequence=1)

    def enqueue(self, event: CloudEvent) -> int:
        with self.db.session() as s:
            return enqueue_deliveries(s, event)

    def deliver(self) -> int:
        return self.suite.servers["gateway"].call(deliver_due(self.app))

    def make_due(self) -> None:
        """Move time forward: every pending delivery is due now."""
        with self.db.session() as s:
            s.execute(update(WebhookDelivery).where(WebhookDelivery.status == PENDING)
                      .values(next_attempt_at=utcnow() - timedelta(seconds=1)))

    def delivery(self, event_id: str) -> WebhookDelivery:
        with self.db.session() as s:
            return s.execute(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)).scalar_one()

    def attempts(self, delivery_id: str) -> list[WebhookAttempt]:
        with self.db.session() as s:
            q = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.number)
            return list(s.execute(q).scalars())

    def endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        with self.db.session() as s:
            return s.get(WebhookEndpoint, endpoint_id)


@pytest.fixture
def hooks(suite):
    return Hooks(suite)
