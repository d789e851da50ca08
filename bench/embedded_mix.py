"""The embedded default under load (issue 11): SQLite and the gateway's own hub, as `make run` starts them.

64 clients for 60 s through the gateway, each looping over a mix of ordinary reads (a room, the room list,
the session list of a day, a two-day availability search) and bookings (about one request in five; some
aimed at a slot another client also wants, which must get 409). Prints the answers by status (no 5xx is the
goal), p50/p99 for reads and for bookings (p99 ≤ 500 ms is the goal), the overlapping pairs afterwards
(must be 0) and each service's peak resident memory sampled every half second (goal ≤ 200 MB).

As `make run` on SQLite, mediation's writes go to a process of their own (`mediation-writes`,
devtools/runner.py); `--no-writes-process` sends everything to the one mediation process.

Usage: .venv/bin/python -m bench.embedded_mix [--clients 64] [--seconds 60] [--backend sqlite|postgresql]
           [--mediation-workers N] [--no-writes-process]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx

from bench.booking import BASE, SH, SLOT_STARTS, cpu_seconds, create_many, overlapping_pairs, slot, working_days
from bench.common import machine, percentile, rss_mb, running_suite
from shared.calendar import WorkingCalendar


def family(pid: int) -> list[int]:
    """A process and its children (uvicorn's worker processes when a service runs more than one)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [pid, *(int(c) for c in f.read().split())]
    except OSError:
        return [pid]


def service_cpu(pids: dict[str, list[int]]) -> dict[str, float]:
    return {svc: sum(cpu_seconds(p) for p in group) for svc, group in pids.items()}


class PeakMemory(threading.Thread):
    """Samples the resident memory of the suite's processes until stopped; keeps each service's peak over
    its processes (the goal is per process)."""

    def __init__(self, pids: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.pids, self.peak = pids, dict.fromkeys(pids, 0.0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            for svc, group in self.pids.items():
                for pid in group:
                    try:
                        self.peak[svc] = max(self.peak[svc], rss_mb(pid))
                    except OSError:
                        pass


async def mix(url: str, token: str, rooms: list[str], meds: list[str], days, clients: int, seconds: float):
    """Each client loops until time is up; returns latencies per kind and answers by status."""
    lat: dict[str, list[float]] = {"read": [], "booking": []}
    codes: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds
    cells = [(d, k) for d in days for k in range(len(SLOT_STARTS))]
    counter = iter(range(10**9))

    def booking_body(rng: random.Random) -> dict:
        i = next(counter)
        # Rooms and mediators paired so that a contested cell is the same room + mediator twice.
        r = rng.randrange(len(rooms))
        d, k = cells[rng.randrange(len(cells))]
        s, e = slot(d, k)
        return {"case_no": f"MIX-{i}", "room_id": rooms[r], "mediator_ids": [meds[r]],
                "start": s.isoformat(), "end": e.isoformat(),
                "parties": [{"name": f"申请人{i}", "role": "petitioner"},
                            {"name": f"被申请人{i}", "role": "respondent"}]}

    async with aiohttp.ClientSession(base_url=url, headers=headers,
                                     connector=aiohttp.TCPConnector(limit=clients),
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def client(n: int) -> None:
            rng = random.Random(n)
            while time.perf_counter() < deadline:
                pick = rng.random()
                room = rooms[rng.randrange(len(rooms))]
                day = days[rng.randrange(len(days))]
                if pick < 0.2:
                    kind, call = "booking", http.post(f"{BASE}/sessions", json=booking_body(rng))
                elif pick < 0.45:
                    kind, call = "read", http.get(f"{BASE}/rooms/{room}")
                elif pick < 0.65:
                    kind, call = "read", http.get(f"{BASE}/rooms", params={"limit": "50"})
                elif pick < 0.85:
                    kind, call = "read", http.get(f"{BASE}/sessions", params={
                        "room_id": room, "from": day.isoformat(), "to": day.isoformat()})
                else:
                    kind, call = "read", http.get(f"{BASE}/availability", params={
                        "from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat(),
                        "duration_minutes": "45", "room_id": room, "limit": "20"})
                t0 = time.perf_counter()
                try:
                    async with call as r:
                        await r.read()
                        status = r.status
                except (TimeoutError, aiohttp.ClientError):
                    status = 599  # the client gave up: counted as a failure
                lat[kind].append(time.perf_counter() - t0)
                codes[status] = codes.get(status, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        return lat, codes, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--mediation-workers", type=int, default=1)
    ap.add_argument("--no-writes-process", action="store_true",
                    help="no mediation-writes process (on SQLite `make run` starts one)")
    args = ap.parse_args()
    writes = args.backend == "sqlite" and not args.no_writes_process
    print(f"machine: {machine()}")
    # The 64 clients share one sign-in, where in the office they are 64 people with a limit each: the gateway's
    # per-client rate limit (6,000 a minute) is turned off, or fast reads would be measured as 429s.
    with running_suite(backend=args.backend, db_prefix="bench_mix",
                       env={"GATEWAY_RATE_LIMIT_PER_MINUTE": "0",
                            "MEDIATION_WORKERS": str(args.mediation_workers)},
                       mediation_writes=writes) as suite:
        token = suite.token("coordinator")
        with httpx.Client(base_url=suite.url["gateway"], headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            rooms = [r["id"] for r in create_many(c, f"{BASE}/rooms", [
                {"name": f"调解室{i:02d}", "location": "区信访局", "capacity": 6} for i in range(20)])]
            meds = [m["id"] for m in create_many(c, f"{BASE}/mediators", [
                {"name": f"调解员{i:02d}", "kind": "people_mediator", "languages": ["zh"]} for i in range(20)])]
        days = working_days(datetime.now(SH).date() + timedelta(days=2), 20, WorkingCalendar())
        pids = {svc: family(p.pid) for svc, p in suite.procs.items()}
        mem = PeakMemory(pids)
        mem.start()
        cpu0 = service_cpu(pids)
        own0 = time.process_time()
        lat, codes, wall = asyncio.run(mix(suite.url["gateway"], token, rooms, meds, days, args.clients,
                                           args.seconds))
        cpu = {svc: spent - cpu0[svc] for svc, spent in service_cpu(pids).items()}
        cpu["load generator (this script)"] = time.process_time() - own0
        mem.done.set()
        mem.join()
        total = sum(codes.values())
        server_errors = sum(n for s, n in codes.items() if s >= 500)
        print(f"embedded mix ({args.backend}, the gateway's hub, through the gateway): {args.clients} clients, "
              f"{wall:.0f} s, 20 rooms, ~20% bookings, "
              f"{'writes in mediation-writes' if writes else 'one mediation process for all'}")
        print(f"  answers: {dict(sorted(codes.items()))}; 5xx or client give-ups: {server_errors}")
        print(f"  requests/s: {total / wall:.0f}; bookings/s (201): {codes.get(201, 0) / wall:.0f}")
        for kind, values in lat.items():
            ms = [v * 1000 for v in values]
            print(f"  {kind}: {len(ms)} requests, p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
                  f"max {max(ms) if ms else float('nan'):.1f} ms")
        print("  CPU, share of a core (ms per request): " + ", ".join(
            f"{svc} {spent / wall:.0%} ({spent / total * 1000:.2f})" for svc, spent in cpu.items()))
        pairs, _ = overlapping_pairs(suite.db_urls["mediation"], args.backend)
        print(f"  overlapping pairs after: {sum(pairs.values())} {pairs}")
        print("  peak resident memory: " + ", ".join(f"{svc} {mb:.0f} MB" for svc, mb in mem.peak.items())
              + f" (machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
