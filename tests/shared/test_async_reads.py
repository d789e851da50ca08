"""The hot reads on the event loop (shared/async_reads.py): same rows as the ORM reads, nothing written."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, literal_column, select, text

from services.mediation.room import repository as rooms
from services.mediation.room.models import Room
from shared.async_reads import AsyncReads, Read
from shared.db import Database
from shared.errors import SuiteError
from shared.routing import unit_limiter
from tests.mediation.mediation_kit import Api


def on_mediation(suite, coro):
    """Run `coro` on the mediation service's own event loop (where its reads run when serving)."""
    return suite.servers["mediation"].call(coro)


def test_a_room_read_on_the_loop_is_the_room_the_orm_reads(suite):
    room = Api(suite).room("一号调解室", capacity=6, features=["录音", "屏风"])
    reads: AsyncReads = suite.app["mediation"].state.reads
    row = on_mediation(suite, rooms.get_row_async(reads, room["id"]))
    with suite.db("mediation").session(read_only=True) as s:
        stored = s.get(Room, room["id"])
        assert stored is not None
        assert {k: row[k] for k in ("id", "name", "location", "capacity", "features")} == {
            "id": stored.id, "name": "一号调解室", "location": stored.location, "capacity": 6,
            "features": ["录音", "屏风"]}
        assert isinstance(row["created_at"], datetime) and row["created_at"].utcoffset() is not None
        assert row["created_at"] == stored.created_at
    assert on_mediation(suite, rooms.get_row_async(reads, "no-such-room")) is None


def test_the_room_answer_is_unchanged_and_an_unknown_room_is_a_404(suite):
    api = Api(suite)
    room = api.room("二号调解室")
    got = api().get(f"/api/v1/mediation/rooms/{room['id']}")
    assert got.status_code == 200 and got.json() == room
    assert got.headers["content-type"] == "application/json"
    assert got.headers["cache-control"] == "no-store" and got.headers["x-request-id"]
    missing = api().get("/api/v1/mediation/rooms/nope", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["detail"] == "未找到该调解室。"
    assert api(None).get(f"/api/v1/mediation/rooms/{room['id']}").status_code == 401
    assert api("lawyers-service").get(f"/api/v1/mediation/rooms/{room['id']}").status_code == 403


def test_reads_in_worker_threads_take_their_turn_at_the_read_units_limiter(suite):
    """On SQLite a hot read runs in a worker thread, one of the read units' DB_READ_THREADS (4 by default): with
    every one of them taken it waits its turn instead of starting one more thread. On PostgreSQL it runs
    on the event loop and waits for no thread."""
    app = suite.app["mediation"]
    room = Api(suite).room("三号调解室")

    async def scenario():
        limiter = unit_limiter(app, read_only=True)
        tokens = int(limiter.total_tokens)
        holders = [object() for _ in range(tokens)]
        for holder in holders:
            await limiter.acquire_on_behalf_of(holder)
        try:
            read = asyncio.ensure_future(rooms.get_row_async(app.state.reads, room["id"]))
            await asyncio.sleep(0.3)
            waited = not read.done()
        finally:
            for holder in holders:
                limiter.release_on_behalf_of(holder)
        return tokens, waited, await asyncio.wait_for(read, 10)

    tokens, waited, row = on_mediation(suite, scenario())
    assert app.state.db.read_threads == 4
    assert tokens == min(4, app.state.db.engine.pool.size())
    assert waited is (suite.backend == "sqlite")
    assert row is not None and row["id"] == room["id"]


def test_only_a_select_can_be_a_read():
    with pytest.raises(TypeError):
        Read(text("DELETE FROM room"))  # type: ignore[arg-type]


def test_the_database_refuses_a_write_from_the_read_connections(suite):
    if suite.backend != "postgresql":
        pytest.skip("SQLite reads run on the read-only engine, whose guard tests/shared cover")
    import psycopg

    with suite.db("mediation").session() as s:
        s.execute(text("CREATE SEQUENCE IF NOT EXISTS async_reads_probe"))
    try:
        reads: AsyncReads = suite.app["mediation"].state.reads
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            on_mediation(suite, reads.first(Read(select(func.nextval(literal_column("'async_reads_probe'"))))))
    finally:
        with suite.db("mediation").session() as s:
            s.execute(text("DROP SEQUENCE async_reads_probe"))


def test_an_unreachable_database_is_a_503_not_a_500(suite):
    if suite.backend != "postgresql":
        pytest.skip("SQLite has no server to be unreachable")
    reads = AsyncReads(Database("postgresql+psycopg://postgres@127.0.0.1:1/nowhere"), open_timeout=0.5)
    with pytest.raises(SuiteError) as refused:
        asyncio.run(reads.first(Read(select(text("1")))))
    assert refused.value.status == 503 and refused.value.code == "busy"


def test_the_room_list_pages_by_name_on_the_loop(suite):
    api = Api(suite)
    made = [api.room(f"分页调解室 {n}") for n in (3, 1, 4, 0, 2)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = api().get("/api/v1/mediation/rooms", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [room["name"] for room in seen] == [f"分页调解室 {n}" for n in range(5)]
    assert sorted(seen, key=lambda room: room["id"]) == sorted(made, key=lambda room: room["id"])
    tampered = api().get("/api/v1/mediation/rooms", params={"limit": 2, "cursor": "eyJ4IjoxfQ.AAAA"})
    assert tampered.status_code == 422 and tampered.json()["errors"][0]["field"] == "cursor"
