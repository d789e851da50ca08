"""The ceiling of `bench/gateway_overhead.py`: a bare FastAPI endpoint, served like the services.

No middleware, no token, no database: `GET /bare/rooms/{room_id}` answers a fixed room of the same
shape and size as `GET /api/v1/mediation/rooms/{id}` (`BARE_ROOM_JSON`, set by the bench).
With `BARE_DATABASE_URL`, also the issue's second yardstick, `GET /lean/rooms/{room_id}`: FastAPI and
async psycopg, one primary-key select of the room from the mediation database (a pool, a prepared
statement, the row as JSON; no token, no middleware). The bench
starts it with the services' own uvicorn command line (devtools/runner.py: uvloop, httptools, no access
log), so every path can be reported as a share of what the framework itself answers on this machine.
"""
from __future__ import annotations

import json
import os

from fastapi import FastAPI


def create_app() -> FastAPI:
    room = json.loads(os.environ.get("BARE_ROOM_JSON") or "{}")
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/bare/rooms/{room_id}")
    async def bare_room(room_id: str) -> dict:
        return {**room, "id": room_id}

    url = os.environ.get("BARE_DATABASE_URL")
    if url:
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(url.replace("postgresql+psycopg://", "postgresql://"), min_size=1, max_size=8,
                                   open=False, kwargs={"autocommit": True, "row_factory": dict_row,
                                                       "prepare_threshold": 0})
        sql = "SELECT id, name, location, capacity, features, created_at FROM room WHERE id = %(id)s"

        @app.get("/lean/rooms/{room_id}")
        async def lean_room(room_id: str) -> dict:
            if pool.closed:
                await pool.open(wait=True)
            async with pool.connection() as conn:
                row = await (await conn.execute(sql, {"id": room_id})).fetchone()
            return {**row, "created_at": row["created_at"].isoformat()} if row else {}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app
