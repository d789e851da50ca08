"""Gateway overhead: the same requests straight to the mediation service and through the gateway,
each also as a share of a bare FastAPI endpoint served the same way (the framework's ceiling).

Workloads (authenticated, same concurrency on every path):
  (a) a cheap GET: one room by id            (`GET /api/v1/mediation/rooms/{id}`)
  (b) a realistic read: a list of 50 rooms   (`GET /api/v1/mediation/rooms?limit=50`, 50 rows in the DB)
  ceiling: `GET /bare/rooms/{id}` of bench/bare_app.py (no middleware, token or database; the room's JSON),
  started with the services' own server command line (devtools/runner.py: uvicorn, uvloop, httptools);
  lean (PostgreSQL): `GET /lean/rooms/{id}` of the same app, FastAPI + async psycopg, one primary-key
  select (the issue's yardstick for what the read itself costs), also as a share of the bare endpoint.
Prints req/s, p50 and p99 of each, the through-gateway/direct throughput ratio, the latency added at p50,
each path's throughput as a share of the bare endpoint at the same concurrency, and the CPU each process
spent per request (the bare server, mediation for direct requests, the gateway for proxied ones).
Goals (2-core machine): (b) through the gateway >= 70% of direct; (a) <= 1.5 ms added at p50 at low
concurrency; issue 11: (a) direct >= 40% and through the gateway >= 30% of the bare endpoint.

Load generator: wrk (Debian package `wrk`; one thread so it takes one core at most), or, when wrk is
absent, a small asyncio aiohttp client. The gateway runs its full edge: token check (cached), rate limit
(limit raised so it never refuses), proxy hop.

Usage: .venv/bin/python -m bench.gateway_overhead [--backend postgresql|sqlite] [--duration 5]
           [--servers uvicorn,granian] [--clients aiohttp,httpx] [--concurrency 1,32] [--rounds 1]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import extra_mediation, machine, percentile, running_suite
from shared.testing import free_port

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, token: str, conns: int, seconds: float) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s", "--latency", "-H",
                          f"Authorization: Bearer {token}", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    lat = {}
    for pct, val, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[pct] = float(val) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "count": count, "p50": lat["50"], "p99": lat["99"],
            "bad": int(bad.group(1)) if bad else 0, "errors": errors.group(0) if errors else ""}


async def _aiohttp_load(url: str, token: str, conns: int, seconds: float) -> dict:
    import aiohttp

    lat: list[float] = []
    bad = 0
    stop = time.perf_counter() + seconds

    async def worker(session):
        nonlocal bad
        while time.perf_counter() < stop:
            t = time.perf_counter()
            async with session.get(url) as r:
                await r.read()
                bad += r.status >= 400
            lat.append(time.perf_counter() - t)

    conn = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=conn, headers={"Authorization": f"Bearer {token}"}) as s:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(conns)))
        elapsed = time.perf_counter() - t0
    ms = [v * 1000 for v in lat]
    return {"rps": len(lat) / elapsed, "count": len(lat), "p50": percentile(ms, 50), "p99": percentile(ms, 99),
            "bad": bad, "errors": ""}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process and its children (granian runs workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def idle_cpu_rate(pid: int, seconds: float = 2.0) -> float:
    """CPU seconds per second the process burns with no requests (its relay, hub and job loops)."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def load(url: str, token: str, conns: int, seconds: float, pid: int | None = None, idle: float = 0.0) -> dict:
    """Run the load; with `pid`, also the CPU microseconds that process spent per request (idle work removed)."""
    before, t0 = (cpu_seconds(pid), time.perf_counter()) if pid else (0.0, 0.0)
    out = wrk(url, token, conns, seconds) if shutil.which("wrk") else asyncio.run(
        _aiohttp_load(url, token, conns, seconds))
    if pid:
        used = cpu_seconds(pid) - before - idle * (time.perf_counter() - t0)
        out["cpu_us"] = max(used, 0.0) / max(out["count"], 1) * 1e6
    return out


def prepare(suite) -> str:
    """50 rooms in the mediation database; returns one room id."""
    with httpx.Client(base_url=suite.url["gateway"], timeout=30,
                      headers={"Authorization": f"Bearer {suite.token('coordinator')}"}) as c:
        ids = []
        for i in range(50):
            r = c.post("/api/v1/mediation/rooms", json={"name": f"调解室 {i:02d}", "capacity": 4 + i % 8,
                                                        "location": "区信访局 二楼", "features": ["录音", "屏风"]})
            r.raise_for_status()
            ids.append(r.json()["id"])
        assert len(c.get("/api/v1/mediation/rooms?limit=50").json()["items"]) == 50
    return ids[0]


@contextlib.contextmanager
def bare_server(suite, room: dict):
    """bench/bare_app.py started with the command line the suite starts its services with."""
    port = free_port()
    cmd = suite.command("mediation")
    cmd = ["bench.bare_app:create_app" if a.startswith("services.mediation.main") else a for a in cmd]
    cmd[cmd.index("--port") + 1] = str(port)
    env = {**suite.service_env("mediation"), "BARE_ROOM_JSON": json.dumps(room, ensure_ascii=False)}
    if suite.db_urls["mediation"].startswith("postgresql"):
        env["BARE_DATABASE_URL"] = suite.db_urls["mediation"]
    proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare endpoint did not start")
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def uncached_mediation(suite):
    """A second mediation process on the same database with MEDIATION_KEEP_ROOM_ANSWERS=false: every room
    read goes to the database (the read a room's first request pays, room/answers.py)."""
    return extra_mediation(suite, free_port(), {"MEDIATION_KEEP_ROOM_ANSWERS": "false"})


def run_config(backend: str, server: str, client: str, concurrencies: list[int], seconds: float,
               rounds: int = 1) -> list[dict]:
    env = {"GATEWAY_PROXY_CLIENT": client, "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000", "LOG_LEVEL": "WARNING"}
    rows = []
    with running_suite(backend=backend, db_prefix=f"bench_gw_{server}_{client}", env=env, server=server) as suite:
        room = prepare(suite)
        token = suite.token("coordinator")
        room_json = httpx.get(f"{suite.url['mediation']}/api/v1/mediation/rooms/{room}", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}).json()
        gw_pid, med_pid = suite.procs["gateway"].pid, suite.procs["mediation"].pid
        idle = idle_cpu_rate(gw_pid)
        med_idle = idle_cpu_rate(med_pid)
        workloads = {"a": f"/api/v1/mediation/rooms/{room}", "b": "/api/v1/mediation/rooms?limit=50"}
        with bare_server(suite, room_json) as (bare_url, bare_pid), \
                uncached_mediation(suite) as (db_url, db_pid):
            for rnd in range(rounds):
                for conns in concurrencies:
                    bare_path = f"{bare_url}/bare/rooms/{room}"
                    load(bare_path, token, conns, 1)  # warm up every path
                    for path in workloads.values():
                        load(suite.url["mediation"] + path, token, conns, 1)
                        load(suite.url["gateway"] + path, token, conns, 1)
                    bare = load(bare_path, token, conns, seconds, pid=bare_pid)
                    lean = None
                    if backend == "postgresql":
                        lean_path = f"{bare_url}/lean/rooms/{room}"
                        load(lean_path, token, conns, 1)
                        lean = load(lean_path, token, conns, seconds, pid=bare_pid)
                    for name, path in workloads.items():
                        direct = load(suite.url["mediation"] + path, token, conns, seconds, pid=med_pid,
                                      idle=med_idle)
                        via = load(suite.url["gateway"] + path, token, conns, seconds, pid=gw_pid, idle=idle)
                        from_db = None
                        if name == "a":  # the same read with no kept answer: every request reads the database
                            load(db_url + path, token, conns, 1)
                            from_db = load(db_url + path, token, conns, seconds, pid=db_pid, idle=med_idle)
                        rows.append({"server": server, "client": client, "workload": name, "conns": conns,
                                     "round": rnd + 1, "bare": bare, "lean": lean, "direct": direct, "via": via,
                                     "from_db": from_db})
                        print_row(rows[-1], flush=True)
    return rows


def print_row(r: dict, flush: bool = False) -> None:
    b, d, v = r["bare"], r["direct"], r["via"]
    ratio = v["rps"] / d["rps"] if d["rps"] else float("nan")
    bad = f"  (non-2xx: direct {d['bad']}, gateway {v['bad']})" if d["bad"] or v["bad"] else ""
    print(f"  {r['server']:<8} {r['client']:<8} ({r['workload']}) c={r['conns']:<3} "
          f"bare {b['rps']:7.0f} req/s p50 {b['p50']:6.2f} ms | "
          f"direct {d['rps']:7.0f} req/s p50 {d['p50']:6.2f} p99 {d['p99']:6.2f} ms "
          f"= {d['rps'] / b['rps']:6.1%} of bare | "
          f"gateway {v['rps']:7.0f} req/s p50 {v['p50']:6.2f} p99 {v['p99']:6.2f} ms "
          f"= {v['rps'] / b['rps']:6.1%} of bare | "
          f"via/direct {ratio:5.1%}  added p50 {v['p50'] - d['p50']:+.2f} ms | CPU/req: bare "
          f"{b.get('cpu_us', float('nan')):.0f} us, mediation {d.get('cpu_us', float('nan')):.0f} us, "
          f"gateway {v.get('cpu_us', float('nan')):.0f} us{bad}", flush=flush)
    from_db = r.get("from_db")
    if from_db:
        print(f"  {'':<8} {'':<8} db   c={r['conns']:<3} the same read, no kept answer:    {from_db['rps']:7.0f} req/s "
              f"p50 {from_db['p50']:6.2f} ms = {from_db['rps'] / b['rps']:6.1%} of bare, CPU/req "
              f"{from_db.get('cpu_us', float('nan')):.0f} us (direct)", flush=flush)
    lean = r.get("lean")
    if lean and r["workload"] == "a":
        print(f"  {'':<8} {'':<8} lean c={r['conns']:<3} FastAPI + async psycopg select: {lean['rps']:7.0f} req/s "
              f"p50 {lean['p50']:6.2f} ms = {lean['rps'] / b['rps']:6.1%} of bare, CPU/req "
              f"{lean.get('cpu_us', float('nan')):.0f} us; direct = {d['rps'] / lean['rps']:6.1%} of lean",
              flush=flush)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--servers", default="uvicorn")
    p.add_argument("--clients", default="aiohttp")
    p.add_argument("--concurrency", default="1,32")
    p.add_argument("--rounds", type=int, default=1, help="measure every path this many times, interleaved")
    a = p.parse_args()
    concurrencies = [int(c) for c in a.concurrency.split(",")]
    print(f"# gateway overhead ({machine()}; load average {os.getloadavg()[0]:.1f} at start)")
    print(f"# backend {a.backend}, {a.duration:g} s per run, load generator: "
          f"{'wrk -t1' if shutil.which('wrk') else 'asyncio aiohttp client'}")
    rows = []
    for server in a.servers.split(","):
        for client in a.clients.split(","):
            rows += run_config(a.backend, server, client, concurrencies, a.duration, a.rounds)
    print("\n# summary (goals: (b) via/direct >= 70%; (a) added p50 <= 1.5 ms at c=1; "
          "(a) direct >= 40% and via >= 30% of bare)")
    for r in rows:
        print_row(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
