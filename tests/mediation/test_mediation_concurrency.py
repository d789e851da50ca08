"""Many bookings of one slot in flight at once: exactly one wins, every other gets 409, nothing hangs.

More requests than AnyIO has worker threads (40) wait on the slot's lock (the SQLite write lock, or
the PostgreSQL exclusion constraint waiting for the winner's transaction). The winner must finish
its commit without needing another worker thread, or every thread ends up waiting on it (issue 11).
"""
from __future__ import annotations

import asyncio
import time

import httpx

from mediation_kit import BASE, at

N = 200


async def _fire(url: str, token: str, bodies: list[dict]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(120.0), limits=limits) as c:
        # Open every connection first (a cheap GET each), so the POSTs leave together.
        await asyncio.gather(*(c.get("/healthz") for _ in range(N)))
        start = asyncio.Event()

        async def one(body: dict) -> httpx.Response:
            await start.wait()
            return await c.post(f"{BASE}/sessions", json=body)

        tasks = [asyncio.ensure_future(one(b)) for b in bodies]
        await asyncio.sleep(0)
        start.set()
        return await asyncio.gather(*tasks)


def test_two_hundred_bookings_of_one_slot_in_flight_at_once(suite, api, day):
    room = api.room()
    meds = [api.mediator() for _ in range(N)]  # distinct mediators and parties: only the room collides
    bodies = [api.session_body(room, [m], at(day, "10:00"), at(day, "11:00")) for m in meds]
    url = suite.url["mediation"] if api.direct else suite.url["gateway"]
    started = time.monotonic()
    answers = asyncio.run(_fire(url, suite.token("coordinator"), bodies))
    elapsed = time.monotonic() - started
    codes = [r.status_code for r in answers]
    others = [(r.status_code, r.text[:200]) for r in answers if r.status_code not in (201, 409)]
    assert not others, others[:5]
    assert codes.count(201) == 1 and codes.count(409) == N - 1, sorted(set(codes))
    assert elapsed < 60, f"{N} bookings took {elapsed:.1f} s"
    winner = next(r.json() for r in answers if r.status_code == 201)
    for r in answers:
        if r.status_code == 409:
            body = r.json()
            assert body["code"] == "slot_conflict", body
            assert {"resource": "room", "id": room["id"], "session_id": winner["id"]} in body["conflicts"]
    listed = api().get(f"{BASE}/sessions", params={"room_id": room["id"]}).json()["items"]
    assert [s["id"] for s in listed] == [winner["id"]]
