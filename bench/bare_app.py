"""The ceiling of `bench/gateway_overhead.py`: a bare FastAPI endpoint, served like the services.

No middleware, no token, no database: `GET /bare/rooms/{room_id}` answers a fixed room of the same
shape and size as `GET /api/v1/mediation/rooms/{id}` (`BARE_ROOM_JSON`, set by the bench). The bench
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

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app
