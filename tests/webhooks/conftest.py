"""Webhook test fixtures: a receiver on 127.0.0.1 and helpers to drive the delivery job."""
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
from shared.testing import ServerThread

from .receiver import Receiver


@pytest.fixture(scope="session")
def receiver_server():
    r = Receiver()
    server = ServerThread(r.app).start()
    r.url = server.url
    try:
        yield r
    finally:
        server.stop()


@pytest.fixture
def receiver(receiver_server, suite, monkeypatch):
    """The receiver, its loopback port allowed explicitly (the allowlist names host AND port)."""
    port = receiver_server.url.rsplit(":", 1)[1]
    settings = suite.app["gateway"].state.settings
    monkeypatch.setattr(settings, "webhook_allowed_hosts",
                        f"{settings.webhook_allowed_hosts},127.0.0.1:{port},localhost:{port}")
    receiver_server.reset()
    yield receiver_server
    receiver_server.reset()


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
