"""The hub's state gauges (read at scrape time, shared/metrics.py): its backlog and the dead letters waiting.

- `hub_backlog_deliveries{subscriber}`: deliveries owed and not yet made (积压);
- `hub_oldest_pending_age_seconds{subscriber}`: how long the oldest of them has waited;
- `dead_letters_waiting{transport, consumer}`: dead letters (死信) not replayed (hub pushes and NATS consumers).
"""
from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from prometheus_client.core import Metric

from services.gateway.hub import repository as repo
from shared.db import utcnow
from shared.metrics import Probe, gauge


def hub_probes(app: FastAPI) -> list[Probe]:
    def db():
        return getattr(app.state, "db", None)

    def hub_backlog() -> Iterable[Metric]:
        database = db()
        if database is None:
            return []
        subscribers = [s.name for s in getattr(getattr(app.state, "hub", None), "subscriptions", [])]
        with database.session(read_only=True) as s:
            rows = repo.backlog(s)
        now = utcnow()
        found = {sub: (n, oldest) for sub, n, oldest in rows}
        names = sorted(set(subscribers) | set(found))  # every subscriber, at 0 when nothing is owed
        return [gauge("hub_backlog_deliveries", "Hub deliveries owed and not yet made", ["subscriber"],
                      [([n], found.get(n, (0, None))[0]) for n in names]),
                gauge("hub_oldest_pending_age_seconds", "Age of the oldest owed hub delivery (0: none)",
                      ["subscriber"], [([n], _age(now, found.get(n, (0, None))[1])) for n in names])]

    def dead_letters() -> Iterable[Metric]:
        database = db()
        if database is None:
            return []
        with database.session(read_only=True) as s:
            rows = repo.dead_letters_waiting(s)
        transport = app.state.settings.event_transport
        samples = [([t, c], n) for t, c, n in rows] or [([transport, "none"], 0)]  # the family always present
        return [gauge("dead_letters_waiting", "Dead letters not replayed", ["transport", "consumer"], samples)]

    return [hub_backlog, dead_letters]


def _age(now, oldest) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0

