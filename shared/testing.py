"""Test helpers: real servers on loopback ports, fresh databases, table cleanup.

Databases come from `TEST_DATABASE_URL` (a PostgreSQL server) when set, else a
testcontainers PostgreSQL where a Docker engine runs and `TEST_USE_CONTAINERS=1`,
else SQLite files in a temporary folder.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import sqlalchemy as sa
import uvicorn

from shared.db import Database, make_engine

SERVICES = ("gateway", "mediation", "lawyers")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """An ASGI app served by uvicorn in a background thread (real HTTP on loopback)."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                loop="asyncio", http="h11", proxy_headers=False)  # as `devtools.runner` runs them
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def call(self, coro, timeout: float = 60):
        """Run a coroutine on the server's own event loop and wait for its result."""
        assert self.loop is not None, "start() first"
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def admin_url(base: str) -> str:
    return base.rsplit("/", 1)[0] + "/postgres"


def postgres_databases(base_url: str, prefix: str) -> dict[str, str]:
    """Create (anew) one PostgreSQL database per service; returns their URLs."""
    if base_url.startswith("postgresql://"):
        base_url = "postgresql+psycopg://" + base_url[len("postgresql://"):]
    engine = make_engine(admin_url(base_url), pool_size=1)
    urls = {}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        for svc in SERVICES:
            name = f"{prefix}_{svc}"
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            urls[svc] = base_url.rsplit("/", 1)[0] + "/" + name
    engine.dispose()
    return urls


def drop_postgres_databases(base_url: str, prefix: str) -> None:
    if base_url.startswith("postgresql://"):
        base_url = "postgresql+psycopg://" + base_url[len("postgresql://"):]
    engine = make_engine(admin_url(base_url), pool_size=1)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        for svc in SERVICES:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{prefix}_{svc}" WITH (FORCE)'))
    engine.dispose()


def sqlite_databases(folder: Path) -> dict[str, str]:
    return {svc: f"sqlite:///{folder / (svc + '.db')}" for svc in SERVICES}


@contextlib.contextmanager
def fresh_databases(prefix: str, folder: Path) -> Iterator[dict[str, str]]:
    """A new, empty database per service on the tests' backend: on PostgreSQL when TEST_DATABASE_URL is set
    (dropped afterwards), else SQLite files in `folder`."""
    base = os.environ.get("TEST_DATABASE_URL")
    urls = postgres_databases(base, prefix) if base else sqlite_databases(folder)
    try:
        yield urls
    finally:
        if base:
            drop_postgres_databases(base, prefix)


def container_postgres_url() -> str | None:
    """A PostgreSQL from testcontainers, where a Docker engine runs (not on this machine)."""
    if os.environ.get("TEST_USE_CONTAINERS") != "1":
        return None
    from testcontainers.postgres import PostgresContainer  # pragma: no cover

    container = PostgresContainer("postgres:16", driver="psycopg")  # pragma: no cover
    container.start()  # pragma: no cover
    return container.get_connection_url()  # pragma: no cover


def truncate_all(db: Database, keep: Collection[str] = frozenset()) -> None:
    """Empty every table of the database (except `keep` and Alembic's version table)."""
    insp = sa.inspect(db.engine)
    tables = [t for t in insp.get_table_names() if t not in keep and t != "alembic_version"]
    if not tables:
        return
    with db.engine.begin() as c:
        if "audit_retention_guard" in tables:  # the audit trail's triggers let this transaction empty it
            tables = [t for t in tables if t != "audit_retention_guard"] + ["audit_retention_guard"]
            c.execute(sa.text("DELETE FROM audit_retention_guard"))
            c.execute(sa.text("INSERT INTO audit_retention_guard (id) VALUES (1)"))
        if db.dialect == "postgresql":
            c.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            c.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
            for t in tables:
                c.execute(sa.text(f'DELETE FROM "{t}"'))


def _probe() -> int:
    """`python -m shared.testing --probe`: exit 0 when TEST_DATABASE_URL's server answers."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        return 1
    try:
        engine = make_engine(admin_url(url), pool_size=1)
        with engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
        engine.dispose()
        return 0
    except Exception:
        return 1


if __name__ == "__main__":
    import sys

    sys.exit(_probe() if "--probe" in sys.argv else 2)
