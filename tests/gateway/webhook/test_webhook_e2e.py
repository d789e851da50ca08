"""End to end: an event produced by a service travels outbox -> relay -> hub -> webhook receiver."""
from __future__ import annotations

import json

from standardwebhooks import Webhook

from shared.events.outbox import emit


def test_service_event_reaches_the_petition_system(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook", ["mediation.session.*"])
    with suite.db("mediation").session() as s:
        ev = emit(s, source="mediation", type="mediation.session.scheduled", subject="XF-2026-0100",
                  data={"session_id": "s1", "starts_at": "2026-12-01T09:30:00+08:00", "地点": "调解室一"})
        emit(s, source="mediation", type="lawyers.opinion.filed", subject="XF-2026-0100", data={})
    suite.drain()
    assert hooks.deliver() == 1
    [got] = receiver.hits("/hook")
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert got.headers["webhook-id"] == ev.id
    assert payload["id"] == ev.id and payload["type"] == "mediation.session.scheduled"
    assert payload["source"] == "mediation" and payload["subject"] == "XF-2026-0100"
    assert payload["data"]["地点"] == "调解室一" and payload["time"]
    # The hub stores each event once: draining again queues nothing new.
    suite.drain()
    assert hooks.deliver() == 0 and len(receiver.hits()) == 1
    assert json.loads(got.body)["data"]["session_id"] == "s1"


def test_scheduled_job_entry_delivers(suite, receiver, hooks):
    """The scheduler runs `run_deliveries` in a worker thread; it sends on the app's own loop."""
    import anyio

    from services.gateway.webhook.jobs import run_deliveries

    hooks.register(receiver.url + "/hook")
    hooks.enqueue(hooks.event())
    suite.servers["gateway"].call(anyio.to_thread.run_sync(run_deliveries, hooks.app))
    assert len(receiver.hits("/hook")) == 1
    metrics = suite.client(None).get("/metrics").text
    assert 'stage="webhook_succeeded"' in metrics


def test_calendar_day_set_through_the_api_reaches_the_receiver(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/cal", ["calendar.*"])
    r = suite.client("coordinator").put("/api/v1/calendar/days/2027-02-08", json={"kind": "holiday", "name": "春节"})
    assert r.status_code == 200, r.text
    suite.drain()
    assert hooks.deliver() == 1
    [got] = receiver.hits("/cal")
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "calendar.day.set" and payload["source"] == "gateway"
    assert payload["data"] == {"date": "2027-02-08", "kind": "holiday", "name": "春节"}
    assert got.headers["webhook-id"] == payload["id"]
    [d] = suite.client("petition-system").get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert d["status"] == "succeeded" and d["event_type"] == "calendar.day.set"
