"""Handoff benchmark: POST /api/v1/cases/{case_no}/handoffs -> `accepted` visible, on the hub and on NATS.

(a) latency: handoffs posted at a steady rate (default 20/s), from the POST to
    the moment the gateway records `accepted` (the mediation service decided and
    the gateway made it visible): p50 / p99. Measured from the gateway's own
    timestamps plus the POST round trip, so no polling loads the gateway.
(b) sustained rate: 32 clients post handoffs as fast as they are answered; a
    pull consumer follows `GET /api/v1/events`; handoffs/s counted from the
    first POST to the last `handoff.accepted` seen in the feed.

    python bench/handoff.py [--backend postgresql|sqlite] [--transport hub|nats|both]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, percentile, running_suite, summary

BODY = {"target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷，双方同意调解",
        "parties": [{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent"}]}


class Client:
    """A lean aiohttp client (the load generator shares the two cores with the suite)."""

    def __init__(self, url: str, token: str, connections: int = 40) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.connections = connections

    async def __aenter__(self) -> Client:
        self.http = aiohttp.ClientSession(headers=self.headers, timeout=aiohttp.ClientTimeout(total=60),
                                          connector=aiohttp.TCPConnector(limit=self.connections))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.close()

    async def get(self, path: str, **params) -> dict:
        async with self.http.get(self.url + path, params=params) as r:
            r.raise_for_status()
            return await r.json()

    async def post(self, path: str, body: dict) -> dict:
        async with self.http.post(self.url + path, json=body) as r:
            if r.status >= 300:
                raise RuntimeError(f"POST {path}: HTTP {r.status} {await r.text()}")
            return await r.json()


LAST_ACCEPTED: list[float] = []  # wall-clock time of the last `handoff.accepted` of a wait (its event time)


async def wait_accepted(c: Client, ids: set[str], cursor: str | None) -> str | None:
    """Follow the gateway's event feed (as a pull consumer would) until every id has `handoff.accepted`."""
    waiting = set(ids)
    last = 0.0
    while waiting:
        page = await c.get("/api/v1/events", limit=200, **({"after": cursor} if cursor else {}))
        for ev in page["items"]:
            hid = (ev.get("data") or {}).get("handoff_id")
            if hid in waiting:
                if ev["type"] == "handoff.rejected":
                    raise RuntimeError(f"handoff {hid} rejected: {ev['data'].get('reason')}")
                if ev["type"] == "handoff.accepted":
                    waiting.discard(hid)
                    last = max(last, _ts(ev["time"]))
        cursor = page["last_cursor"] or cursor
        if not page["next_cursor"] and waiting:
            await asyncio.sleep(0.1)
    LAST_ACCEPTED.append(last)
    return cursor


async def feed_end(c: Client) -> str | None:
    cursor = None
    while True:
        page = await c.get("/api/v1/events", limit=200, **({"after": cursor} if cursor else {}))
        cursor = page["last_cursor"] or cursor
        if not page["next_cursor"]:
            return cursor


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def latency(url: str, token: str, n: int, rate: float) -> list[float]:
    """Handoffs posted at a steady `rate`; latency = POST round trip + (accepted step - requested_at).

    The gateway stamps `requested_at` while it handles the POST and the `accepted` step in the
    transaction that makes it visible, so the sum is an upper bound of what a client sees,
    measured without polling load on the gateway.
    """
    run = uuid.uuid4().hex[:6]
    rtt: dict[str, float] = {}
    async with Client(url, token) as c:
        cursor = await feed_end(c)

        async def post(i: int) -> None:
            await asyncio.sleep(i / rate)
            t0 = time.perf_counter()
            body = await c.post(f"/api/v1/cases/B-{run}-{i}/handoffs", BODY)
            rtt[body["id"]] = time.perf_counter() - t0

        await asyncio.gather(*(post(i) for i in range(n)))
        await wait_accepted(c, set(rtt), cursor)
        out = []
        for hid, post_rtt in rtt.items():
            h = await c.get(f"/api/v1/handoffs/{hid}")
            accepted = next(st["at"] for st in h["history"] if st["status"] == "accepted")
            out.append(post_rtt + _ts(accepted) - _ts(h["requested_at"]))
            SPLIT.append((post_rtt, _ts(accepted) - _ts(h["requested_at"])))
    return out


SPLIT: list[tuple[float, float]] = []  # (POST round trip, requested -> accepted) of the last latency run


async def throughput(url: str, token: str, n: int, concurrency: int) -> tuple[float, float, list[float]]:
    """Post `n` handoffs with `concurrency` clients; follow the event feed until every one is accepted."""
    run = uuid.uuid4().hex[:6]
    ids: list[str] = []
    post_lat: list[float] = []
    queue = iter(range(n))
    async with Client(url, token, connections=concurrency + 4) as c:
        cursor = await feed_end(c)
        t0 = time.perf_counter()
        wall0 = time.time()

        async def worker() -> None:
            for i in queue:
                s = time.perf_counter()
                body = await c.post(f"/api/v1/cases/T-{run}-{i}/handoffs", BODY)
                post_lat.append(time.perf_counter() - s)
                ids.append(body["id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        posted = time.perf_counter() - t0
        await wait_accepted(c, set(ids), cursor)
        done = time.perf_counter() - t0
    PIPELINE.append(LAST_ACCEPTED[-1] - wall0)
    return posted, done, post_lat


PIPELINE: list[float] = []  # seconds from the first POST to the last `accepted` recorded by the gateway


EXTRA_ENV: dict[str, str] = {}


def bench(backend: str, transport: str, n_latency: int, rate: float, n_rate: int, concurrency: int) -> dict:
    env = {"EVENT_TRANSPORT": transport, "NATS_PREFIX": f"bench{uuid.uuid4().hex[:6]}", "LOG_LEVEL": "WARNING",
           "GATEWAY_RATE_LIMIT_PER_MINUTE": "10000000", **EXTRA_ENV}
    try:
        with running_suite(backend, db_prefix=f"bench_handoff_{transport}", env=env) as suite:
            token = suite.token("petition-system")
            asyncio.run(latency(suite.url["gateway"], token, 10, rate))  # warm-up
            lat = asyncio.run(latency(suite.url["gateway"], token, n_latency, rate))
            posted, done, post_lat = asyncio.run(throughput(suite.url["gateway"], token, n_rate, concurrency))
    finally:
        if transport == "nats":
            from shared.events.nats import delete_streams  # the run's own streams: none left on the server

            asyncio.run(delete_streams(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), env["NATS_PREFIX"]))
    return {"latency": lat, "posted": posted, "done": done, "post_latency": post_lat, "n_rate": n_rate}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    p.add_argument("--transport", default="both", choices=["hub", "nats", "both"])
    p.add_argument("--latency-n", type=int, default=300)
    p.add_argument("--latency-rate", type=float, default=20.0, help="handoffs/s offered in the latency run")
    p.add_argument("--rate-n", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--gateway-workers", type=int, default=1, help="uvicorn worker processes for the gateway")
    a = p.parse_args()
    if a.gateway_workers > 1:
        EXTRA_ENV["GATEWAY_WORKERS"] = str(a.gateway_workers)
    print(f"# bench/handoff.py on {machine()}; backend {a.backend}")
    for transport in (["hub", "nats"] if a.transport == "both" else [a.transport]):
        r = bench(a.backend, transport, a.latency_n, a.latency_rate, a.rate_n, a.concurrency)
        lat = r["latency"]
        print(f"[{transport}] POST -> accepted visible ({len(lat)} handoffs at {a.latency_rate:g}/s): {summary(lat)}")
        print(f"[{transport}] sustained: {r['n_rate']} handoffs by {a.concurrency} clients: posted in "
              f"{r['posted']:.2f} s ({r['n_rate'] / r['posted']:.0f}/s accepted by the gateway), all accepted in "
              f"{r['done']:.2f} s -> {r['n_rate'] / r['done']:.0f} handoffs/s end to end (the gateway recorded the "
              f"last accepted at {PIPELINE[-1]:.2f} s: {r['n_rate'] / PIPELINE[-1]:.0f}/s); "
              f"POST p50 {percentile([x * 1000 for x in r['post_latency']], 50):.1f} ms, "
              f"p99 {percentile([x * 1000 for x in r['post_latency']], 99):.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
