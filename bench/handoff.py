"""Handoff benchmark: POST /api/v1/cases/{case_no}/handoffs -> `accepted` visible, on the hub and on NATS.

(a) latency: one handoff at a time (plus a few in flight), from the POST to the
    moment `GET /api/v1/handoffs/{id}` shows `accepted` (the mediation service
    decided and the gateway recorded it): p50 / p99.
(b) sustained rate: many clients post handoffs for a while; handoffs/s counted
    from the first POST to the last handoff accepted.

    python bench/handoff.py [--backend postgresql|sqlite] [--transport hub|nats|both]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, percentile, running_suite, summary  # noqa: E402

BODY = {"target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷，双方同意调解",
        "parties": [{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent"}]}


async def one(client: httpx.AsyncClient, run: str, i: int, poll: float = 0.01) -> float:
    t0 = time.perf_counter()
    r = await client.post(f"/api/v1/cases/B-{run}-{i}/handoffs", json=BODY)
    r.raise_for_status()
    hid = r.json()["id"]
    while True:
        h = (await client.get(f"/api/v1/handoffs/{hid}")).json()
        if h["status"] != "requested":
            if h["status"] != "accepted":
                raise RuntimeError(f"handoff {hid} ended {h['status']}: {h.get('reason')}")
            return time.perf_counter() - t0
        await asyncio.sleep(poll)


async def latency(url: str, token: str, n: int, in_flight: int) -> list[float]:
    run = uuid.uuid4().hex[:6]
    out: list[float] = []
    sem = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for i in range(10):  # warm-up
            await one(c, run + "w", i)

        async def task(i: int) -> None:
            async with sem:
                out.append(await one(c, run, i))

        await asyncio.gather(*(task(i) for i in range(n)))
    return out


async def throughput(url: str, token: str, n: int, concurrency: int) -> tuple[float, float, list[float]]:
    """Post `n` handoffs with `concurrency` clients; wait until every one is accepted (polled in bulk)."""
    run = uuid.uuid4().hex[:6]
    ids: list[str] = []
    post_lat: list[float] = []
    queue = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 limits=limits) as c:
        t0 = time.perf_counter()

        async def worker() -> None:
            for i in queue:
                s = time.perf_counter()
                r = await c.post(f"/api/v1/cases/T-{run}-{i}/handoffs", json=BODY)
                r.raise_for_status()
                post_lat.append(time.perf_counter() - s)
                ids.append(r.json()["id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        posted = time.perf_counter() - t0
        pending = list(ids)
        while pending:
            still = []
            for chunk in range(0, len(pending), 50):
                res = await asyncio.gather(*(c.get(f"/api/v1/handoffs/{h}") for h in pending[chunk:chunk + 50]))
                still += [h for h, r in zip(pending[chunk:chunk + 50], res) if r.json()["status"] == "requested"]
            pending = still
            if pending:
                await asyncio.sleep(0.05)
        done = time.perf_counter() - t0
    return posted, done, post_lat


def bench(backend: str, transport: str, n_latency: int, n_rate: int, concurrency: int) -> dict:
    env = {"EVENT_TRANSPORT": transport, "NATS_PREFIX": f"bench{uuid.uuid4().hex[:6]}", "LOG_LEVEL": "WARNING",
           "GATEWAY_RATE_LIMIT_PER_MINUTE": "10000000"}
    with running_suite(backend, db_prefix=f"bench_handoff_{transport}", env=env) as suite:
        token = suite.token("petition-system")
        lat = asyncio.run(latency(suite.url["gateway"], token, n_latency, in_flight=4))
        posted, done, post_lat = asyncio.run(throughput(suite.url["gateway"], token, n_rate, concurrency))
    return {"latency": lat, "posted": posted, "done": done, "post_latency": post_lat, "n_rate": n_rate}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    p.add_argument("--transport", default="both", choices=["hub", "nats", "both"])
    p.add_argument("--latency-n", type=int, default=300)
    p.add_argument("--rate-n", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    a = p.parse_args()
    print(f"# bench/handoff.py on {machine()}; backend {a.backend}")
    for transport in (["hub", "nats"] if a.transport == "both" else [a.transport]):
        r = bench(a.backend, transport, a.latency_n, a.rate_n, a.concurrency)
        lat = r["latency"]
        print(f"[{transport}] POST -> accepted visible ({len(lat)} handoffs, 4 in flight): {summary(lat)}")
        print(f"[{transport}] sustained: {r['n_rate']} handoffs by {a.concurrency} clients: posted in "
              f"{r['posted']:.2f} s ({r['n_rate'] / r['posted']:.0f}/s accepted by the gateway), all accepted in "
              f"{r['done']:.2f} s -> {r['n_rate'] / r['done']:.0f} handoffs/s end to end; "
              f"POST p50 {percentile([x * 1000 for x in r['post_latency']], 50):.1f} ms, "
              f"p99 {percentile([x * 1000 for x in r['post_latency']], 99):.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
