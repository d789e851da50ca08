"""`AsyncReads`: the hottest reads (a room, the room list) on the event loop, no worker thread (issue 11).

A sync endpoint costs a thread hop, SQLAlchemy's execution machinery and an ORM session for what is
one round trip to the database. Here a `Read` is a Core SELECT built at import and compiled once
for the service's dialect; on PostgreSQL it runs on a small pool of async psycopg connections in autocommit
(as the read-only units of shared/db.py: each statement its own snapshot, no locks) as a prepared
statement. On SQLite (the embedded default) it runs on the read-only engine in one worker thread (the
read units' limiter, shared/routing.unit_limiter):
a deferred `BEGIN`, never the write lock. Only SELECTs can be made into a `Read`, so nothing here
can write.

Rows come back as dicts by column name; the types are what the service's models read (an instant
aware of its zone, JSON decoded), so the answer's schema turns them into the same JSON.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from starlette.responses import Response

from shared.db import Database
from shared.errors import SuiteError

log = logging.getLogger("suite.db")

MAX_ASYNC_CONNECTIONS = 8  # one event loop: a handful of connections keeps up with ~1 ms reads


class Read:
    """A SELECT with named bind parameters, compiled once per dialect."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Select) -> None:
        if not isinstance(statement, Select):
            raise TypeError("a Read is a SELECT")
        self.statement = statement
        self._compiled: dict[str, str] = {}

    def sql(self, dialect: Dialect) -> str:
        sql = self._compiled.get(dialect.name)
        if sql is None:
            sql = self._compiled[dialect.name] = str(self.statement.compile(dialect=dialect))
        return sql


class AsyncReads:
    """A service's reads on the event loop (PostgreSQL), or in one worker thread (SQLite)."""

    def __init__(self, db: Database, *, max_size: int = MAX_ASYNC_CONNECTIONS, open_timeout: float = 5.0,
                 limiter: Callable[[], anyio.CapacityLimiter] | None = None) -> None:
        self.db = db
        self.limiter = limiter  # the worker threads' limiter on SQLite (the read units'); None: anyio's default
        self.max_size = max_size
        self.open_timeout = open_timeout
        self._pool: Any = None  # psycopg_pool.AsyncConnectionPool, opened on first use on the serving loop
        self._opening: anyio.Lock | None = None

    def _threads(self) -> anyio.CapacityLimiter | None:
        return self.limiter() if self.limiter is not None else None

    @property
    def on_loop(self) -> bool:
        return self.db.dialect == "postgresql"

    async def _connection_pool(self):
        if self._pool is not None:
            return self._pool
        if self._opening is None:
            self._opening = anyio.Lock()
        async with self._opening:
            if self._pool is None:
                from psycopg.rows import dict_row
                from psycopg_pool import AsyncConnectionPool

                url = self.db.engine.url
                conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
                # The server refuses any write on these connections; statements are prepared on first use.
                pool = AsyncConnectionPool(conninfo, min_size=1, max_size=self.max_size, open=False,
                                           kwargs={"autocommit": True, "row_factory": dict_row,
                                                   "prepare_threshold": 0,
                                                   "options": "-c default_transaction_read_only=on"},
                                           name="async-reads")
                try:
                    await pool.open(wait=True, timeout=self.open_timeout)
                except BaseException:
                    await pool.close()  # the next read tries again
                    raise
                self._pool = pool
        return self._pool

    async def first(self, read: Read, **params: Any) -> Mapping[str, Any] | None:
        """The first row of `read` with `params`, or None."""
        if not self.on_loop:
            return await anyio.to_thread.run_sync(self._first_sync, read, params, limiter=self._threads())
        return await self._on_loop(read, params, many=False)

    async def _on_loop(self, read: Read, params: dict[str, Any], *, many: bool) -> Any:
        from psycopg import OperationalError
        from psycopg_pool import PoolTimeout

        sql = read.sql(self.db.engine.dialect)
        for attempt in (1, 2):
            try:
                pool = await self._connection_pool()
                async with pool.connection(timeout=self.open_timeout) as conn:
                    cur = await conn.execute(sql, params)  # a compiled SELECT
                    return await (cur.fetchall() if many else cur.fetchone())
            except (OperationalError, PoolTimeout) as e:
                # A connection the server dropped is discarded by the pool; a read is safe to try once more.
                if attempt == 2:
                    log.error("async read failed", extra={"error": repr(e)[:200]})
                    raise SuiteError("The database is unavailable; retry shortly.", code="busy", status=503,
                                     headers={"Retry-After": "1"}) from None
                log.warning("async read retried on a new connection")
        return None  # pragma: no cover - the loop returns or raises

    async def all(self, read: Read, **params: Any) -> list[dict[str, Any]]:
        """Every row of `read` with `params` (a page: the statement has its LIMIT)."""
        if not self.on_loop:
            return await anyio.to_thread.run_sync(self._all_sync, read, params, limiter=self._threads())
        return await self._on_loop(read, params, many=True)

    def _all_sync(self, read: Read, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.db.read_engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(read.statement, params).mappings()]
            conn.rollback()
        return rows

    def _first_sync(self, read: Read, params: dict[str, Any]) -> Mapping[str, Any] | None:
        with self.db.read_engine.connect() as conn:
            row = conn.execute(read.statement, params).mappings().first()
            conn.rollback()
        return dict(row) if row is not None else None

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


def reads_of(request: Request) -> AsyncReads:
    """The service's `AsyncReads` (made with the database in the app's lifespan). A plain call, not a
    dependency: each dependency FastAPI solves costs more than this whole lookup."""
    return request.app.state.reads


def json_bytes(model: BaseModel) -> bytes:
    """A schema's JSON, serialized once."""
    return model.__pydantic_serializer__.to_json(model)


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """A schema's JSON as the answer, serialized once (FastAPI would validate and serialize it again)."""
    return Response(json_bytes(model), status_code=status_code, media_type="application/json")
