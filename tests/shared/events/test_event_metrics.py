"""The event machinery's gauges on `/metrics` (shared/metrics.py, services/gateway/hub/metrics.py): outbox lag,
hub backlog and dead letters each appear, and move when their thing happens."""
from __future__ import annotations

import time
from datetime import timedelta

from shared.db import utcnow
from shared.events.outbox import emit
from tests.event_kit import PROBE_FAIL, event, far_day, install_probe, publish_raw
from tests.metrics_kit import scrape


def test_outbox_lag_counts_unpublished_events_and_the_age_of_the_oldest(suite):
    before = scrape(suite.url["mediation"])
    assert before.value("outbox_pending_events", service="mediation") == 0
    assert before.value("outbox_oldest_pending_age_seconds", service="mediation") == 0
    with suite.db("mediation").session() as s:
        for n in range(3):
            emit(s, source="mediation", type="probe.touched", subject=None, data={"n": n})
    time.sleep(0.05)
    waiting = scrape(suite.url["mediation"])
    assert waiting.value("outbox_pending_events", service="mediation") == 3
    assert 0.05 <= waiting.value("outbox_oldest_pending_age_seconds", service="mediation") < 30
    suite.drain()  # the relay publishes them
    after = scrape(suite.url["mediation"])
    assert after.value("outbox_pending_events", service="mediation") == 0
    assert after.value("outbox_oldest_pending_age_seconds", service="mediation") == 0


def test_hub_backlog_counts_deliveries_owed_per_subscriber(suite):
    assert scrape(suite.url["gateway"]).value("hub_backlog_deliveries", subscriber="mediation") == 0
    day = far_day()
    ev = event("calendar.day.set", f"calendar:{day}", None, {"date": day.isoformat(), "kind": "holiday", "name": "x"})
    suite.app["gateway"].state.hub.store([ev])  # stored, not yet pushed
    owed = scrape(suite.url["gateway"])
    assert owed.value("hub_backlog_deliveries", subscriber="mediation") == 1
    assert owed.value("hub_backlog_deliveries", subscriber="lawyers") == 1
    assert owed.value("hub_oldest_pending_age_seconds", subscriber="mediation") >= 0
    assert "hub_oldest_pending_age_seconds" in owed.names
    suite.drain()
    done = scrape(suite.url["gateway"])
    assert done.value("hub_backlog_deliveries", subscriber="mediation") == 0
    assert done.value("hub_backlog_deliveries", subscriber="lawyers") == 0


def test_dead_letters_waiting_rise_when_a_delivery_dies_and_fall_when_it_is_replayed(suite, monkeypatch):
    install_probe(suite)
    hub = suite.app["gateway"].state.hub
    monkeypatch.setattr(hub.settings, "hub_max_attempts", 2)
    assert scrape(suite.url["gateway"]).value("dead_letters_waiting", consumer="mediation-probe") == 0
    key = f"metrics-{far_day()}-{time.time_ns()}"
    PROBE_FAIL.add(key)
    try:
        publish_raw(suite, [event("probe.touched", f"PROBE-{key}", None, {"key": key})])
        now = utcnow()
        for _ in range(3):
            suite.servers["gateway"].call(hub.deliver_pending(now=now))
            now += timedelta(hours=1)
        dead = scrape(suite.url["gateway"])
        assert dead.value("dead_letters_waiting", transport="hub", consumer="mediation-probe") == 1
    finally:
        PROBE_FAIL.discard(key)
    coord = suite.client("coordinator")
    [item] = [i for i in coord.get("/api/v1/events/dead-letters").json()["items"] if i["consumer"] == "mediation-probe"]
    assert coord.post(f"/api/v1/events/dead-letters/{item['id']}/replay").status_code == 200
    assert scrape(suite.url["gateway"]).value("dead_letters_waiting", consumer="mediation-probe") == 0
