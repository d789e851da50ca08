"""The suite on NATS JetStream (EVENT_TRANSPORT=nats) for the contract tests that run on both transports
(the `nats_suite` and `bus` fixtures in tests/conftest.py).

Same shape as tests/conftest.py's `Suite` (client, direct, db, drain, clean), with
a unique stream/subject prefix per run so runs never collide on the shared server.
"""
from __future__ import annotations

import os
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from shared import migrate
from shared.events.models import OutboxEvent
from shared.testing import ServerThread, drop_postgres_databases, free_port, postgres_databases, sqlite_databases

NATS_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")


class NatsSuiteMixin:
    """Mixed into tests/conftest.py's `Suite` class (the lead's harness) by `start_nats_suite`."""

    def __init__(self, urls: dict[str, str], backend: str, prefix: str) -> None:
        from services.gateway.main import create_app as gateway_app
        from services.lawyers.main import create_app as lawyers_app
        from services.mediation.main import create_app as mediation_app

        self.backend = backend
        self.db_urls = urls
        self.nats_prefix = prefix
        ports = {svc: free_port() for svc in urls}
        self.url = {svc: f"http://127.0.0.1:{p}" for svc, p in ports.items()}
        internal_port = free_port()  # the gateway's internal listener (service tokens)
        self.internal_url = f"http://127.0.0.1:{internal_port}"
        common: dict[str, Any] = {"suite_env": "test", "jobs_enabled": False, "gateway_url": self.url["gateway"],
                                  "gateway_internal_url": self.internal_url,
                                  "event_transport": "nats", "nats_url": NATS_URL, "nats_prefix": prefix,
                                  "nats_max_deliver": 3, "nats_backoff_base_seconds": 0.1,
                                  "nats_backoff_max_seconds": 0.5}
        self.app = {
            "gateway": gateway_app(database_url=urls["gateway"], mediation_url=self.url["mediation"],
                                   lawyers_url=self.url["lawyers"], webhook_allowed_hosts="127.0.0.1:9,localhost:9",
                                   internal_port=internal_port, **common),
            "mediation": mediation_app(database_url=urls["mediation"], **common),
            "lawyers": lawyers_app(database_url=urls["lawyers"], **common),
        }
        self.servers = {svc: ServerThread(self.app[svc], ports[svc]) for svc in ("gateway", "mediation", "lawyers")}
        self._tokens: dict[str, str] = {}
        self._clients = []

    def _outbox_left(self) -> int:
        n = 0
        for svc in ("gateway", "mediation", "lawyers"):
            with self.db(svc).session() as s:
                n += s.execute(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.published_at.is_(None))).scalar_one()
        return n

    def drain(self, rounds: int = 400, timeout: float = 30.0) -> int:
        """Publish every outbox, let every consumer take everything, deliver the gateway's in-process events."""
        total, deadline = 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            moved = 0
            for svc in ("mediation", "lawyers", "gateway"):
                moved += self.servers[svc].call(self.app[svc].state.relay.drain())
            for svc in ("gateway", "mediation", "lawyers"):
                moved += self.servers[svc].call(self.app[svc].state.event_consumer.pump())
            moved += self.servers["gateway"].call(self.app["gateway"].state.hub.deliver_pending())
            total += moved
            if moved == 0:
                pending = sum(self.servers[svc].call(self.app[svc].state.event_consumer.pending())
                              for svc in ("gateway", "mediation", "lawyers"))
                if pending == 0 and self._outbox_left() == 0:
                    return total
                time.sleep(0.05)
        raise TimeoutError("NATS suite did not drain")

    def clean(self) -> None:
        try:
            self.drain(timeout=10)
        except TimeoutError:
            pass
        super().clean()


def start_nats_suite(tmp_path_factory, suite_class: type):
    base = os.environ.get("TEST_DATABASE_URL")
    prefix = "t" + uuid.uuid4().hex[:10]
    if base:
        db_prefix = f"suite_nats_{os.getpid()}"
        urls, backend = postgres_databases(base, db_prefix), "postgresql"
    else:
        db_prefix, urls, backend = None, sqlite_databases(tmp_path_factory.mktemp("natsdb")), "sqlite"
    for svc, url in urls.items():
        migrate.upgrade(svc, url)
    cls = type("NatsSuite", (NatsSuiteMixin, suite_class), {})
    suite = cls(urls, backend, prefix).start()
    return suite, db_prefix


def stop_nats_suite(suite, db_prefix: str | None) -> None:
    import asyncio

    suite.stop()
    for svc in suite.db_urls:
        suite.db(svc).dispose()
    if db_prefix:
        drop_postgres_databases(os.environ.get("TEST_DATABASE_URL"), db_prefix)
    from shared.events.nats import delete_streams

    asyncio.run(delete_streams(NATS_URL, suite.nats_prefix))
