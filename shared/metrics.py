"""State gauges (运行状态指标), read when Prometheus scrapes `/metrics`, never on the request path.

Each service: its outbox (events not yet published, the age of the oldest) and its database pool
(connections checked out, the pool's size and its limit). The gateway adds its hub's backlog and the
dead letters waiting (`hub_probes` in services/gateway/hub/metrics.py). A probe that fails (the
database away) is left out of that scrape and logged; the scrape itself never fails.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from shared.db import Database, utcnow
from shared.events.models import OutboxEvent

log = logging.getLogger("suite.metrics")

Probe = Callable[[], Iterable[Metric]]


class StateCollector(Collector):
    """A Prometheus collector that runs `probes` at scrape time (the scrape runs in a worker thread)."""

    def __init__(self, probes: list[Probe] | None = None) -> None:
        self.probes: list[Probe] = list(probes or [])

    def collect(self) -> Iterable[Metric]:
        for probe in self.probes:
            try:
                yield from list(probe())
            except Exception as e:
                log.warning("metrics probe failed", extra={"probe": getattr(probe, "__name__", "?"),
                                                           "error": f"{type(e).__name__}: {e}"[:300]})

    def describe(self) -> Iterable[Metric]:
        return []  # no database reads at registration


def gauge(name: str, doc: str, labels: list[str], samples: Iterable[tuple[list[str], float]]) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in samples:
        g.add_metric(values, value)
    return g


def outbox_probe(service: str, db: Callable[[], Database | None]) -> Probe:
    """`outbox_pending_events` and `outbox_oldest_pending_age_seconds`: the relay's lag (发件箱积压)."""

    def outbox() -> Iterable[Metric]:
        database = db()
        if database is None:
            return []
        with database.session(read_only=True) as s:
            count, oldest = s.execute(select(func.count(), func.min(OutboxEvent.time))
                                      .where(col(OutboxEvent.published_at).is_(None))).one()
        age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
        return [gauge("outbox_pending_events", "Events written but not yet published", ["service"],
                      [([service], count)]),
                gauge("outbox_oldest_pending_age_seconds", "Age of the oldest unpublished event (0: none)",
                      ["service"], [([service], age)])]

    return outbox


def pool_probe(service: str, db: Callable[[], Database | None]) -> Probe:
    """`db_pool_checked_out`, `db_pool_size`, `db_pool_limit`: connections in use against the most the pool opens."""

    def pool() -> Iterable[Metric]:
        database = db()
        if database is None:
            return []
        p = database.engine.pool
        size = p.size() if hasattr(p, "size") else 0
        limit = size + max(0, getattr(p, "_max_overflow", 0))
        return [gauge("db_pool_checked_out", "Database connections in use", ["service"],
                      [([service], p.checkedout() if hasattr(p, "checkedout") else 0)]),
                gauge("db_pool_size", "Database connections the pool keeps open", ["service"], [([service], size)]),
                gauge("db_pool_limit", "The most connections the pool opens (size + overflow)", ["service"],
                      [([service], limit)])]

    return pool
