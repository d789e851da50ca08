"""Many bookings of one slot in flight at once: exactly one wins, every other gets 409, nothing hangs.

More requests than there are worker threads (AnyIO's 40; 20 for units of work) wait on the slot's lock
(the SQLite write lock, or a PostgreSQL advisory lock / exclusion constraint waiting for the winner's
transaction). The winner must finish (answer check and commit) without needing another worker thread, or
every thread ends up waiting on it and the holder waits for a thread (issue 11). In the in-process suite
the old code rarely hung (client, gateway and service share one GIL, so the burst arrives spread out);
on real processes (uvicorn with uvloop, as `make run` starts them) a burst straight to the service did:
every booking waited until the client gave up (PostgreSQL and SQLite), hence the second test. Both give
the gateway 60 s to wait for an answer (a busy shared machine is slow, not hung); a hang still fails.
"""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime

import anyio.to_thread
import httpx
import pytest

from devtools.runner import SuiteProcesses, migrate_all, seed, writes_process_wanted
from shared.routing import unit_limiter
from shared.testing import ServerThread, free_port, fresh_databases
from tests.mediation.mediation_kit import BASE, SH, at, working_day

N = 200


async def _fire(url: str, token: str, bodies: list[dict]) -> list[httpx.Response]:
    """Every booking at once, each on its own connection."""
    limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(120.0), limits=limits) as c:
        return await asyncio.gather(*(c.post(f"{BASE}/sessions", json=b) for b in bodies))


def _check(answers: list[httpx.Response], elapsed: float, room_id: str) -> dict:
    """Exactly one 201, every other a 409 naming the winner's session; returns the winner."""
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
            assert {"resource": "room", "id": room_id, "session_id": winner["id"]} in body["conflicts"]
    return winner


def _logged_errors(log_dir) -> str:
    """The last error line of each service's log (JSON lines), to say why a request failed."""
    out = []
    for log in sorted(log_dir.glob("*.log")):
        errors = [line for line in log.read_text(errors="replace").splitlines() if '"level": "error"' in line]
        if errors:
            out.append(f"{log.name}: {len(errors)} errors, the last: {errors[-1][-600:]}")
    return "\n".join(out)


async def _set_worker_threads(app, n: int | None) -> tuple[int, int]:
    """Limit the worker threads (AnyIO's default limiter and the units-of-work limiter of shared/routing.py)
    on the event loop serving `app`; returns the previous limits."""
    limiters = (anyio.to_thread.current_default_thread_limiter(), unit_limiter(app))  # bookings: write units
    previous = tuple(int(limiter.total_tokens) for limiter in limiters)
    if n is not None:
        for limiter, tokens in zip(limiters, n if isinstance(n, tuple) else (n, n), strict=True):
            limiter.total_tokens = tokens
    return previous


def _patient_gateway(suite) -> ServerThread:
    """A second gateway in front of the suite's services, waiting up to 60 s for an answer: in this
    process the client, the gateway and the service share one GIL, and on a busy machine the last of
    200 bookings can take longer than the suite gateway's 10 s (a 504 that says nothing about locks)."""
    from services.gateway.main import create_app

    return ServerThread(create_app(database_url=suite.db_urls["gateway"], suite_env="test", jobs_enabled=False,
                                   mediation_url=suite.url["mediation"], lawyers_url=suite.url["lawyers"],
                                   gateway_url=suite.url["gateway"], internal_port=0,
                                   proxy_read_timeout=60.0)).start()


@pytest.mark.parametrize("threads", [None, 4], ids=["default-threads", "4-threads"])
def test_two_hundred_bookings_of_one_slot_in_flight_at_once(suite, api, day, threads):
    room = api.room()
    meds = [api.mediator() for _ in range(N)]  # distinct mediators and parties: only the room collides
    bodies = [api.session_body(room, [m], at(day, "10:00"), at(day, "11:00")) for m in meds]
    gateway = None if api.direct else _patient_gateway(suite)
    url = suite.url["mediation"] if gateway is None else gateway.url
    mediation, app = suite.servers["mediation"], suite.app["mediation"]
    previous = mediation.call(_set_worker_threads(app, threads))
    try:
        started = time.monotonic()
        answers = asyncio.run(_fire(url, suite.token("coordinator"), bodies))
        elapsed = time.monotonic() - started
    finally:
        mediation.call(_set_worker_threads(app, previous))
        if gateway is not None:
            gateway.stop()
    winner = _check(answers, elapsed, room["id"])
    listed = api().get(f"{BASE}/sessions", params={"room_id": room["id"]}).json()["items"]
    assert [s["id"] for s in listed] == [winner["id"]]


@pytest.mark.slow
def test_two_hundred_bookings_of_one_slot_on_real_processes(tmp_path):
    """The same burst on the suite as `make run` starts it (child processes): through the gateway, and
    straight to the mediation service."""
    with fresh_databases(f"conc_{os.getpid()}_{uuid.uuid4().hex[:6]}", tmp_path) as urls:
        migrate_all(urls)
        seed(urls, with_test_users=True)
        # As `make run`: on SQLite the gateway sends the bookings to `mediation-writes`.
        procs = SuiteProcesses(urls, ports={svc: free_port() for svc in urls}, log_dir=tmp_path / "logs",
                               mediation_writes=writes_process_wanted(urls["mediation"], environ={}),
                               env={"SUITE_ENV": "dev", "LOG_LEVEL": "WARNING",
                                    "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
                                    "GATEWAY_PROXY_READ_TIMEOUT": "60"})  # a busy machine, not a hang
        procs.start()
        try:
            token = procs.token("coordinator")
            with httpx.Client(base_url=procs.url["gateway"], headers={"Authorization": f"Bearer {token}"},
                              timeout=30) as c:
                room = c.post(f"{BASE}/rooms", json={"name": "同时预约", "capacity": 4})
                assert room.status_code == 201, room.text
                room_id = room.json()["id"]
                meds = []
                for i in range(N):
                    r = c.post(f"{BASE}/mediators", json={"name": f"调解员{i}", "kind": "people_mediator",
                                                         "languages": ["zh"]})
                    assert r.status_code == 201, r.text
                    meds.append(r.json()["id"])
                day: date = working_day(0)
                winners = []
                # Through the gateway (as clients call), then straight to the service at another hour (the
                # whole burst arrives at once there: the old code hung on it, on SQLite and PostgreSQL).
                for target, hour in (("gateway", 10), ("mediation", 14)):
                    start = datetime.combine(day, dtime(hour), tzinfo=SH)
                    bodies = [{"case_no": f"C-BURST-{hour}-{i}", "room_id": room_id, "mediator_ids": [m],
                               "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                               "parties": [{"name": f"申请人{hour}-{i}", "role": "petitioner"},
                                           {"name": f"被申请人{hour}-{i}", "role": "respondent"}]}
                              for i, m in enumerate(meds)]
                    started = time.monotonic()
                    answers = asyncio.run(_fire(procs.url[target], token, bodies))
                    try:
                        winners.append(_check(answers, time.monotonic() - started, room_id)["id"])
                    except AssertionError as e:
                        raise AssertionError(f"{target}: {e}\n{_logged_errors(tmp_path / 'logs')}") from None
                listed = c.get(f"{BASE}/sessions", params={"room_id": room_id}).json()["items"]
                assert [s["id"] for s in listed] == winners
        finally:
            procs.stop()
