"""The suite under test: gateway, mediation and lawyers served for real on loopback ports.

Backend: PostgreSQL when TEST_DATABASE_URL is set (one database per service,
created anew), else SQLite files. Every test starts with empty tables (the
gateway's login tables excepted). Background loops are off: tests call
`suite.drain()` to move events and call job functions directly.
"""
from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from devtools.runner import dev_token
from shared import migrate
from shared.testing import (
    ServerThread,
    container_postgres_url,
    drop_postgres_databases,
    free_port,
    postgres_databases,
    sqlite_databases,
    truncate_all,
)
from tests.nats_kit import start_nats_suite, stop_nats_suite

KEEP_TABLES = {"oauth_client", "user_account"}
class Suite:
    def __init__(self, urls: dict[str, str], backend: str) -> None:
        from services.gateway.main import create_app as gateway_app
        from services.lawyers.main import create_app as lawyers_app
        from services.mediation.main import create_app as mediation_app

        self.backend = backend
        self.db_urls = urls
        from services.console.main import create_app as console_app

        ports = {svc: free_port() for svc in (*urls, "console")}
        self.url = {svc: f"http://127.0.0.1:{p}" for svc, p in ports.items()}
        internal_port = free_port()  # the gateway's internal listener (/internal/...: the hub, service tokens)
        self.internal_url = f"http://127.0.0.1:{internal_port}"
        common: dict[str, Any] = {"suite_env": "test", "jobs_enabled": False, "gateway_url": self.url["gateway"],
                                  "gateway_internal_url": self.internal_url}
        self.app = {
            "gateway": gateway_app(database_url=urls["gateway"], mediation_url=self.url["mediation"],
                                   internal_port=internal_port,
                                   lawyers_url=self.url["lawyers"], console_url=self.url["console"],
                                   webhook_allowed_hosts="127.0.0.1:9,localhost:9",  # webhook tests add theirs
                                   **common),
            "mediation": mediation_app(database_url=urls["mediation"], **common),
            "lawyers": lawyers_app(database_url=urls["lawyers"], **common),
            "console": console_app(suite_env="test", gateway_url=self.url["gateway"]),
        }
        self.servers = {svc: ServerThread(self.app[svc], ports[svc])
                        for svc in ("gateway", "mediation", "lawyers", "console")}
        self._tokens: dict[str, str] = {}
        self._clients: list[httpx.Client] = []

    def start(self) -> Suite:
        for s in self.servers.values():
            s.start()
        from services.gateway.seed import seed_dev

        with self.db("gateway").session() as s:
            seed_dev(s, with_test_users=True)
        return self

    def stop(self) -> None:
        for c in self._clients:
            c.close()
        for s in self.servers.values():
            s.stop()

    def db(self, svc: str):
        return self.app[svc].state.db

    def token(self, who: str) -> str:
        if who not in self._tokens:
            self._tokens[who] = dev_token(self.url["gateway"], who, self.internal_url)
        return self._tokens[who]

    def _client(self, base: str, who: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(who)}"} if who else {}
        c = httpx.Client(base_url=base, headers=headers, timeout=30)
        self._clients.append(c)
        return c

    def client(self, who: str | None = "coordinator") -> httpx.Client:
        """A client on the gateway, signed in as `who` (None: no token)."""
        return self._client(self.url["gateway"], who)

    def direct(self, svc: str, who: str | None = "coordinator") -> httpx.Client:
        """A client straight to a service's own port (bypassing the gateway)."""
        return self._client(self.url[svc], who)

    def drain(self, rounds: int = 50) -> int:
        """Publish every outbox and deliver every hub event until nothing moves."""
        total = 0
        for _ in range(rounds):
            moved = 0
            for svc in ("mediation", "lawyers", "gateway"):
                srv = self.servers[svc]
                moved += srv.call(self.app[svc].state.relay.drain())
            moved += self.servers["gateway"].call(self.app["gateway"].state.hub.deliver_pending())
            total += moved
            if moved == 0:
                break
        return total

    def clean(self) -> None:
        for svc in ("gateway", "mediation", "lawyers"):
            truncate_all(self.db(svc), keep=KEEP_TABLES if svc == "gateway" else set())
            self.app[svc].state.calendar.invalidate()
        self.forget_gateway_memory()

    def forget_gateway_memory(self) -> None:
        """Clear what the gateway keeps in memory between requests: sign-in throttle, rate limits and token
        cache (the edge), case participants (10 s cache), the merged OpenAPI document, hub subscriptions."""
        state = self.app["gateway"].state
        for name, forget in (("sign_in_throttle", "clear"), ("edge", "reset"), ("case_participants", "clear"),
                             ("openapi", "clear"), ("hub", "reset_subscriptions")):
            holder = getattr(state, name, None)  # some are made on first use
            if holder is not None:
                getattr(holder, forget)()


def _backend_urls(tmp_path_factory) -> tuple[dict[str, str], str, str | None]:
    base = os.environ.get("TEST_DATABASE_URL") or container_postgres_url()
    if base:
        prefix = f"suite_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        return postgres_databases(base, prefix), "postgresql", prefix
    return sqlite_databases(tmp_path_factory.mktemp("db")), "sqlite", None


@pytest.fixture(scope="session")
def suite(tmp_path_factory):
    urls, backend, prefix = _backend_urls(tmp_path_factory)
    for svc, url in urls.items():
        migrate.upgrade(svc, url)
    s = Suite(urls, backend).start()
    try:
        yield s
    finally:
        s.stop()
        for svc in urls:
            s.db(svc).dispose()
        if prefix:
            drop_postgres_databases(os.environ.get("TEST_DATABASE_URL"), prefix)


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "suite" in request.fixturenames:
        request.getfixturevalue("suite").clean()


@pytest.fixture(scope="session")
def nats_suite(tmp_path_factory, suite):
    """The same suite on NATS JetStream (tests/nats_kit.py); started once, by the first test that asks."""
    nsuite, db_prefix = start_nats_suite(tmp_path_factory, type(suite))
    try:
        yield nsuite
    finally:
        stop_nats_suite(nsuite, db_prefix)


@pytest.fixture(autouse=True)
def _clean_nats_suite(request):
    yield
    if "nats_suite" in request.fixturenames:
        request.getfixturevalue("nats_suite").clean()


@pytest.fixture(params=["hub", "nats"])
def bus(request):
    """The running suite on the given event transport (`.drain()` moves every event)."""
    return request.getfixturevalue("suite" if request.param == "hub" else "nats_suite")


# -- a webhook receiver on 127.0.0.1 (tests/webhook_receiver.py) -------------------------------------
@pytest.fixture(scope="session")
def receiver_server():
    from tests.webhook_receiver import Receiver

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
