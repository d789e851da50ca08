"""Console benchmark: each main page through the gateway on the demo data (goal: p95 ≤ 150 ms, weight ≤ 200 KB).

Starts the suite as `make run` does (gateway, mediation, lawyers and the console as child processes, SQLite by
default), creates the demo roster and a fortnight of bookings through the API, signs in through the console's
own form and fetches every main page of each role, one request at a time (a person's view of speed).
Weight = the page's HTML plus the stylesheet and scripts it loads, uncompressed.

Usage: .venv/bin/python -m bench.console [--backend sqlite|postgresql] [--requests N]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import PG_URL, machine, percentile, rss_mb
from devtools.demo_data import create_demo_data
from devtools.runner import SuiteProcesses, migrate_all, seed
from shared.testing import drop_postgres_databases, free_port, postgres_databases, sqlite_databases
from shared.timeutil import SHANGHAI

PAGES = {
    "coordinator": ["/", "/schedule", "/schedule?view=week", "/bookings", "/mediation", "/cases", "/opinions",
                    "/duty", "/receptions", "/reviews", "/hours", "/stats", "/settings"],
    "mediator1": ["/", "/schedule", "/bookings", "/mediation", "/cases", "/duty"],
    "lawyer1": ["/", "/opinions", "/duty", "/receptions", "/reviews", "/hours"],
    "auditor": ["/", "/cases", "/duty", "/stats", "/audit"],
}
PASSWORDS = {"coordinator": "coordinator-dev", "mediator1": "mediator1-dev", "lawyer1": "lawyer1-dev",
             "auditor": "auditor-dev"}
ASSET = re.compile(r'(?:href|src)="(/console/static/[^"]+)"')


def book_demo_sessions(api: httpx.Client, days: int = 10) -> int:
    """A fortnight of bookings in the demo rooms, at free slots the API offers."""
    start = datetime.now(SHANGHAI).date() + timedelta(days=1)
    slots = api.get("/api/v1/mediation/availability", params={
        "from": start.isoformat(), "to": (start + timedelta(days=days)).isoformat(), "duration_minutes": 60,
        "limit": 200}).json()["slots"]
    booked, used = 0, set()
    for i, slot in enumerate(slots):
        key = (slot["start"], slot["mediator_id"])
        if key in used or booked >= 40:
            continue
        r = api.post("/api/v1/mediation/sessions", json={
            "case_no": f"BENCH-{i:04d}", "room_id": slot["room_id"], "mediator_ids": [slot["mediator_id"]],
            "start": slot["start"], "end": slot["end"],
            "parties": [{"name": f"当事人{i}", "role": "petitioner", "phone": f"1380000{i:04d}"}]})
        if r.status_code == 201:
            booked += 1
            used.add(key)
    return booked


def sign_in(gateway: str, who: str) -> httpx.Client:
    c = httpx.Client(base_url=gateway, timeout=30, follow_redirects=False)
    page = c.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = c.post("/console/login", data={"username": who, "password": PASSWORDS[who], "csrf_token": csrf,
                                       "next": "/console/"})
    assert r.status_code == 303, f"sign-in of {who} failed: {r.status_code}"
    return c


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--requests", type=int, default=40)
    a = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = tempfile.TemporaryDirectory()
    prefix = f"bench_console_{uuid.uuid4().hex[:6]}"
    urls = postgres_databases(PG_URL, prefix) if a.backend == "postgresql" else sqlite_databases(Path(tmp.name))
    migrate_all(urls)
    seed(urls, with_test_users=False)
    ports = {svc: free_port() for svc in ("gateway", "mediation", "lawyers", "console")}
    suite = SuiteProcesses(urls, ports=ports, env={"SUITE_ENV": "dev"}, with_console=True,
                           log_dir=Path(tmp.name) / "logs")
    try:
        suite.start()
        gw = suite.url["gateway"]
        create_demo_data(gw, suite.token("coordinator"))
        with httpx.Client(base_url=gw, timeout=30,
                          headers={"Authorization": f"Bearer {suite.token('coordinator')}"}) as api:
            booked = book_demo_sessions(api)
            api.post("/api/v1/lawyers/duty-shifts/generate", json={
                "from": datetime.now(SHANGHAI).date().replace(day=1).isoformat(),
                "to": (datetime.now(SHANGHAI).date().replace(day=1) + timedelta(days=40)).isoformat()})
        print(f"backend {a.backend}; demo roster + {booked} sessions; {a.requests} requests per page, one at a time")
        print(f"{'role':<12} {'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'weight KB':>10}  status")
        asset_size: dict[str, int] = {}
        worst = 0.0
        heaviest = 0.0
        for who, pages in PAGES.items():
            client = sign_in(gw, who)
            for path in pages:
                url = "/console" + path
                first = client.get(url)
                for asset in set(ASSET.findall(first.text)):
                    if asset not in asset_size:
                        asset_size[asset] = len(client.get(asset).content)
                weight = (len(first.content) + sum(asset_size[x] for x in set(ASSET.findall(first.text)))) / 1024
                times = []
                for _ in range(a.requests):
                    t0 = time.perf_counter()
                    r = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == first.status_code
                p95 = percentile(times, 95)
                worst, heaviest = max(worst, p95), max(heaviest, weight)
                print(f"{who:<12} {path:<22} {percentile(times, 50):8.1f} {p95:8.1f} {weight:10.1f}"
                      f"  {first.status_code}")
            client.close()
        print(f"worst p95 {worst:.1f} ms (goal ≤ 150), heaviest page {heaviest:.1f} KB (goal ≤ 200)")
        print(f"console RSS {rss_mb(suite.procs['console'].pid):.0f} MB, gateway RSS "
              f"{rss_mb(suite.procs['gateway'].pid):.0f} MB")
    finally:
        suite.stop()
        if a.backend == "postgresql":
            drop_postgres_databases(PG_URL, prefix)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
