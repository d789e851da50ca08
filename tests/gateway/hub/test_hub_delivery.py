"""The hub's push delivery: retries with exponential backoff, dead letters and their replay, ordering."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.gateway.hub.models import HubDelivery
from services.gateway.hub.subscriptions import Subscription
from shared.db import utcnow
from shared.testing import ServerThread
from tests.event_kit import event, publish_raw


class FlakyInbox:
    """A subscriber's /internal/events that fails the first `failures` pushes, recording what it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.received: list[dict] = []
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/internal/events")
        async def receive(request: Request):
            body = await request.json()
            assert request.headers["authorization"].startswith("Bearer ")
            with self.lock:
                self.calls += 1
                if self.calls <= self.failures:
                    return JSONResponse({"detail": "busy"}, status_code=503)
                self.received.extend(body["events"])
            return {"applied": len(body["events"])}

        self.server = ServerThread(app).start()

    def stop(self) -> None:
        self.server.stop()


def deliver(suite, now=None) -> int:
    return suite.servers["gateway"].call(suite.app["gateway"].state.hub.deliver_pending(now=now))


def delivery(suite, subscriber: str, event_id: str) -> HubDelivery:
    with suite.db("gateway").session() as s:
        return s.execute(select(HubDelivery).where(HubDelivery.subscriber == subscriber,
                                                   HubDelivery.event_id == event_id)).scalar_one()


def test_a_failing_subscriber_is_retried_with_exponential_backoff_until_it_succeeds(suite):
    flaky = FlakyInbox(failures=4)
    try:
        hub = suite.app["gateway"].state.hub
        hub.subscriptions.append(Subscription("flaky", frozenset({"probe.touched"}), url=flaky.server.url))
        ev = event("probe.touched", "RETRY-1", None, {"key": "retry"})
        publish_raw(suite, [ev])
        now = utcnow()
        delays = []
        for attempt in range(1, 5):
            assert deliver(suite, now) == 0
            d = delivery(suite, "flaky", ev.id)
            assert d.status == "pending" and d.attempts == attempt and "503" in d.last_error
            delays.append((d.next_attempt_at - now).total_seconds())
            assert deliver(suite, now) == 0  # not due yet: nothing is pushed before its time
            now = d.next_attempt_at
        # 1 s, 2 s, 4 s, 8 s (+-20 % jitter)
        for i, got in enumerate(delays):
            assert 0.8 * 2 ** i <= got <= 1.2 * 2 ** i + 0.01, delays
        assert deliver(suite, now) == 1
        d = delivery(suite, "flaky", ev.id)
        assert d.status == "delivered" and d.delivered_at is not None
        assert [e["id"] for e in flaky.received] == [ev.id]
        assert flaky.calls == 5
    finally:
        flaky.stop()


def test_after_the_last_attempt_a_delivery_is_a_dead_letter_that_a_coordinator_replays(suite, monkeypatch):
    flaky = FlakyInbox(failures=3)
    try:
        hub = suite.app["gateway"].state.hub
        monkeypatch.setattr(hub.settings, "hub_max_attempts", 3)
        hub.subscriptions.append(Subscription("flaky", frozenset({"probe.touched"}), url=flaky.server.url))
        ev = event("probe.touched", "DEAD-1", None, {"key": "dead"})
        publish_raw(suite, [ev])
        now = utcnow()
        for _ in range(5):
            deliver(suite, now)
            now += timedelta(hours=1)
        assert delivery(suite, "flaky", ev.id).status == "dead"
        assert flaky.received == []

        coord = suite.client("coordinator")
        assert suite.client("mediator1").get("/api/v1/events/dead-letters").status_code == 403
        items = suite.client("auditor").get("/api/v1/events/dead-letters").json()["items"]
        assert [(i["consumer"], i["event_id"], i["transport"], i["attempts"]) for i in items] == [
            ("flaky", ev.id, "hub", 3)]
        assert "503" in items[0]["error"]
        assert suite.client("auditor").post(f"/api/v1/events/dead-letters/{items[0]['id']}/replay").status_code == 403
        r = coord.post(f"/api/v1/events/dead-letters/{items[0]['id']}/replay")
        assert r.status_code == 200, r.text
        assert r.json()["replays"] == 1
        assert deliver(suite) == 1
        assert [e["id"] for e in flaky.received] == [ev.id]
        assert coord.get("/api/v1/events/dead-letters").json()["items"] == []
        assert len(coord.get("/api/v1/events/dead-letters?include_replayed=true").json()["items"]) == 1
        assert coord.post("/api/v1/events/dead-letters/nope/replay").status_code == 404
    finally:
        flaky.stop()


def test_hub_never_pushes_sequence_n_plus_1_before_n(suite):
    flaky = FlakyInbox(failures=1)
    try:
        hub = suite.app["gateway"].state.hub
        hub.subscriptions.append(Subscription("flaky", frozenset({"probe.touched"}), url=flaky.server.url))
        e1, e2, e3 = (event("probe.touched", "ORDER-1", n, {"key": f"o{n}"}) for n in (1, 2, 3))
        publish_raw(suite, [e3])          # arrives first: waits for 1 and 2
        assert deliver(suite) == 0
        publish_raw(suite, [e2])
        assert deliver(suite) == 0
        publish_raw(suite, [e1])
        now = utcnow()
        assert deliver(suite, now) == 0   # 1 fails once: 2 and 3 stay behind it
        assert delivery(suite, "flaky", e2.id).attempts == 0
        assert deliver(suite, now + timedelta(seconds=5)) == 3
        assert [e["sequence"] for e in flaky.received] == [1, 2, 3]
    finally:
        flaky.stop()


def test_a_handoff_request_is_routed_only_to_its_targets_service(suite):
    """The hub pushes `handoff.requested` to the service that owns the target, not to every service."""
    evs = {t: event("handoff.requested", f"ROUTE-{t}-{uuid.uuid4().hex[:6]}", 1,
                    {"handoff_id": uuid.uuid4().hex, "target": t})
           for t in ("mediation", "legal_opinion", "review_studio", "reception_assist")}
    publish_raw(suite, list(evs.values()))
    with suite.db("gateway").session() as s:
        subs = {t: sorted(s.execute(select(HubDelivery.subscriber).where(HubDelivery.event_id == ev.id)).scalars())
                for t, ev in evs.items()}
    assert subs == {"mediation": ["mediation"], "legal_opinion": ["lawyers"], "review_studio": ["lawyers"],
                    "reception_assist": ["lawyers"]}
