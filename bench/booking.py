"""Booking benchmark (PostgreSQL, through the gateway).

1. Booking: 200 rooms, 400 mediators, 32 concurrent clients, a mix of free and contested slots.
   Prints bookings/s, p50/p99 latency and the overlapping pairs found afterwards (must be 0).
2. Availability: a two-week search over 50 rooms and 100 mediators with 50,000 booked sessions
   (seeded straight into the database); prints p50/p95.
3. Resident memory of the mediation service after each run.

Usage: .venv/bin/python -m bench.booking [--requests N] [--concurrency C] [--backend postgresql|sqlite]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx
import sqlalchemy as sa

from bench.common import machine, percentile, rss_mb, running_suite, summary
from shared.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/mediation"
# 45-minute sessions on a one-hour grid: with the 15-minute buffer, neighbours touch but never overlap.
SLOT_STARTS = [dtime(9), dtime(10), dtime(11, 0), dtime(14), dtime(15), dtime(16)]
SLOT_MINUTES = 45

OVERLAP_SQL = {
    "room": """SELECT count(*) FROM mediation_session a JOIN mediation_session b
               ON a.room_id = b.room_id AND a.id < b.id
               WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                 AND a.starts_at < b.ends_at + interval '15 minutes'
                 AND b.starts_at < a.ends_at + interval '15 minutes'""",
    "mediator": """SELECT count(*) FROM mediation_session a
                   JOIN session_mediator ma ON ma.session_id = a.id
                   JOIN session_mediator mb ON mb.mediator_id = ma.mediator_id AND mb.session_id > ma.session_id
                   JOIN mediation_session b ON b.id = mb.session_id
                   WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                     AND a.starts_at < b.ends_at + interval '15 minutes'
                     AND b.starts_at < a.ends_at + interval '15 minutes'""",
    "party": """SELECT count(*) FROM mediation_session a
                JOIN session_party pa ON pa.session_id = a.id
                JOIN session_party pb ON pb.party_key = pa.party_key AND pb.session_id > pa.session_id
                JOIN mediation_session b ON b.id = pb.session_id
                WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                  AND a.starts_at < b.ends_at + interval '15 minutes'
                  AND b.starts_at < a.ends_at + interval '15 minutes'""",
}
OVERLAP_SQL_SQLITE = {k: v.replace("+ interval '15 minutes'", "") for k, v in OVERLAP_SQL.items()}


def postgres_cpu_seconds() -> float:
    """User + system CPU time of every PostgreSQL process on this machine (0 when none is local, or on
    SQLite); read while nothing else uses the server, it is the server's cost of the run."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            total += cpu_seconds(int(entry))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def working_days(start: date, count: int, cal: WorkingCalendar) -> list[date]:
    out, d = [], cal.next_working_day(start)
    while len(out) < count:
        out.append(d)
        d = cal.next_working_day(d, include=False)
    return out


def slot(d: date, k: int) -> tuple[datetime, datetime]:
    s = datetime.combine(d, SLOT_STARTS[k], tzinfo=SH)
    return s, s + timedelta(minutes=SLOT_MINUTES)


def create_many(client: httpx.Client, path: str, bodies: list[dict]) -> list[dict]:
    out = []
    for b in bodies:
        r = client.post(path, json=b)
        r.raise_for_status()
        out.append(r.json())
    return out


# -- 1. booking -----------------------------------------------------------------------------------
def plan_bookings(n: int, rooms: list[str], meds: list[str], days: list[date], contested: float,
                  rng: random.Random) -> list[dict]:
    """`n` booking bodies: most for a fresh (slot, room), some for a pair another request also wants."""
    bodies, pairs = [], []
    cells = [(d, k) for d in days for k in range(len(SLOT_STARTS))]
    cell_i, room_i = 0, 0
    for i in range(n):
        if pairs and rng.random() < contested:
            d, k, r = pairs[max(0, len(pairs) - 1 - rng.randrange(32))]   # a pair still in flight
            m = meds[(r * 2 + 1) % len(meds)]
        else:
            d, k = cells[cell_i]
            r = room_i
            room_i += 1
            if room_i == len(rooms):
                room_i, cell_i = 0, cell_i + 1
            pairs.append((d, k, r))
            m = meds[(r * 2) % len(meds)]
        s, e = slot(d, k)
        bodies.append({"case_no": f"B-{i}", "room_id": rooms[r], "mediator_ids": [m],
                       "start": s.isoformat(), "end": e.isoformat(),
                       "parties": [{"name": f"申请人{i}", "role": "petitioner"},
                                   {"name": f"被申请人{i}", "role": "respondent"}]})
    return bodies


async def fire(url: str, token: str, bodies: list[dict], concurrency: int) -> tuple[list[float], dict, float]:
    queue: asyncio.Queue = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []
    codes: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    conn = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(base_url=url, headers=headers, connector=conn) as http:
        async def worker():
            while not queue.empty():
                body = queue.get_nowait()
                t0 = time.perf_counter()
                async with http.post(f"{BASE}/sessions", json=body) as r:
                    await r.read()
                    latencies.append(time.perf_counter() - t0)
                    codes[r.status] = codes.get(r.status, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, codes, time.perf_counter() - t0


def overlapping_pairs(url: str, backend: str) -> tuple[dict[str, int], int]:
    """Pairs of live sessions that overlap (buffers included) by room, mediator and party; and the sessions stored."""
    engine = sa.create_engine(url)
    sqls = OVERLAP_SQL if backend == "postgresql" else OVERLAP_SQL_SQLITE
    with engine.connect() as conn:
        pairs = {k: conn.execute(sa.text(q)).scalar() or 0 for k, q in sqls.items()}
        sessions = conn.execute(sa.text("SELECT count(*) FROM mediation_session")).scalar() or 0
    engine.dispose()
    return pairs, sessions


def booking_run(backend: str, n: int, concurrency: int, profile: str | None = None) -> None:
    rng = random.Random(7)
    with running_suite(backend=backend, db_prefix="bench_booking") as suite:
        token = suite.token("coordinator")
        with httpx.Client(base_url=suite.url["gateway"], headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            rooms = [r["id"] for r in create_many(c, f"{BASE}/rooms", [
                {"name": f"调解室{i:03d}", "location": "区信访局", "capacity": 6} for i in range(200)])]
            meds = [m["id"] for m in create_many(c, f"{BASE}/mediators", [
                {"name": f"调解员{i:03d}", "kind": "people_mediator", "languages": ["zh"] if i % 4 else ["zh", "yue"]}
                for i in range(400)])]
        cal = WorkingCalendar()
        days = working_days(datetime.now(SH).date() + timedelta(days=2), 60, cal)
        warm = plan_bookings(300, rooms, meds, days[-3:], 0.0, rng)
        for b in warm:
            b["case_no"] = "W" + b["case_no"]
        asyncio.run(fire(suite.url["gateway"], token, warm, concurrency))
        bodies = plan_bookings(n, rooms, meds, days[:-3], 0.2, rng)
        pids = {svc: suite.procs[svc].pid for svc in ("gateway", "mediation")}
        cpu0 = {svc: cpu_seconds(pid) for svc, pid in pids.items()}
        pg0, own0 = postgres_cpu_seconds(), time.process_time()
        spy = None
        if profile:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pids["mediation"]),
                                    "-f", "raw", "-o", profile, "-r", "100", "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lat, codes, wall = asyncio.run(fire(suite.url["gateway"], token, bodies, concurrency))
        if spy:
            spy.send_signal(2)
            spy.wait(30)
        cpu = {svc: (cpu_seconds(pid) - cpu0[svc]) / n * 1000 for svc, pid in pids.items()}
        cpu["postgresql"] = (postgres_cpu_seconds() - pg0) / n * 1000 if backend == "postgresql" else 0.0
        cpu["load generator"] = (time.process_time() - own0) / n * 1000
        ok = codes.get(201, 0)
        print(f"booking ({backend}, through the gateway): {n} requests, {concurrency} concurrent clients, "
              f"200 rooms, 400 mediators, ~20% contested")
        print(f"  answers: {dict(sorted(codes.items()))}")
        print(f"  requests/s: {n / wall:.0f}; bookings/s (201 only): {ok / wall:.0f}")
        print(f"  latency: {summary(lat)}")
        print(f"  CPU per request: gateway {cpu['gateway']:.1f} ms, mediation {cpu['mediation']:.1f} ms, "
              f"PostgreSQL's processes {cpu['postgresql']:.1f} ms, load generator {cpu['load generator']:.1f} ms "
              f"(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        spent = sum(cpu.values())
        cores = os.cpu_count() or 1
        print(f"  all of it: {spent:.1f} ms of CPU per request; {cores} cores answer at most "
              f"{cores * 1000 / spent:.0f} requests/s at this cost ({cores * 1000 / spent * ok / n:.0f} bookings/s)")
        pairs, sessions = overlapping_pairs(suite.db_urls["mediation"], backend)
        print(f"  sessions stored: {sessions}; overlapping pairs after (buffers included): "
              f"{sum(pairs.values())} {pairs}")
        print(f"  mediation RSS after the run: {rss_mb(suite.procs['mediation'].pid):.0f} MB")


# -- 2. availability ---------------------------------------------------------------------------------
def seed_sessions(url: str, rooms: list[str], meds: list[str], total: int, cal: WorkingCalendar,
                  rng: random.Random) -> int:
    """`total` sessions (plus mediators, parties, claims) straight into the database, future and past."""
    today = datetime.now(SH).date()
    future = working_days(today + timedelta(days=1), 60, cal)
    past, d = [], today - timedelta(days=1)
    per_day = len(SLOT_STARTS) * len(rooms)
    while len(past) * per_day * 0.7 + len(future) * per_day * 0.7 < total * 1.05:
        if cal.is_working_day(d):
            past.append(d)
        d -= timedelta(days=1)
    now = datetime.now(UTC)
    sess, smed, sparty, claims = [], [], [], []
    n = 0
    for day in future + past:
        for k in range(len(SLOT_STARTS)):
            for r, room in enumerate(rooms):
                if n >= total or rng.random() > 0.7:
                    continue
                s, e = slot(day, k)
                sid = uuid.uuid4().hex
                m = meds[(r + 50 * (k % 2)) % len(meds)]
                status = "scheduled" if day > today else "concluded"
                sess.append({"id": sid, "case_no": f"S-{n}", "room_id": room, "status": status, "s": s, "e": e,
                             "now": now})
                smed.append({"sid": sid, "mid": m})
                sparty.append({"sid": sid, "name": f"当事人{n}", "key": f"当事人{n}|"})
                until = e + timedelta(minutes=15)
                claims += [{"sid": sid, "k": "room", "key": room, "s": s, "e": until},
                           {"sid": sid, "k": "mediator", "key": m, "s": s, "e": until},
                           {"sid": sid, "k": "party", "key": f"当事人{n}|", "s": s, "e": until}]
                n += 1
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("""INSERT INTO mediation_session (id, case_no, room_id, status, starts_at, ends_at, notes,
                             created_by, created_at, updated_at, version)
                             VALUES (:id, :case_no, :room_id, :status, :s, :e, '', 'bench', :now, :now, 0)"""), sess)
        c.execute(sa.text("INSERT INTO session_mediator (session_id, mediator_id, position) VALUES (:sid, :mid, 0)"),
                  smed)
        c.execute(sa.text("""INSERT INTO session_party (session_id, position, name, role, party_key)
                             VALUES (:sid, 0, :name, 'petitioner', :key)"""), sparty)
        c.execute(sa.text("""INSERT INTO resource_claim (session_id, resource_kind, resource_key, starts_at, ends_at)
                             VALUES (:sid, :k, :key, :s, :e)"""), claims)
    with engine.begin() as c:
        c.execute(sa.text("ANALYZE")) if engine.dialect.name == "postgresql" else None
    engine.dispose()
    return n


def availability_run(backend: str, queries: int) -> None:
    rng = random.Random(11)
    with running_suite(backend=backend, db_prefix="bench_avail") as suite:
        token = suite.token("coordinator")
        with httpx.Client(base_url=suite.url["gateway"], headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            rooms = [r["id"] for r in create_many(c, f"{BASE}/rooms", [
                {"name": f"调解室{i:02d}", "capacity": 6} for i in range(50)])]
            meds = [m["id"] for m in create_many(c, f"{BASE}/mediators", [
                {"name": f"调解员{i:03d}", "kind": "people_mediator", "languages": ["zh", "yue"] if i % 5 == 0
                 else ["zh"]} for i in range(100)])]
            cal = WorkingCalendar()
            t0 = time.perf_counter()
            n = seed_sessions(suite.db_urls["mediation"], rooms, meds, 50_000, cal, rng)
            print(f"availability ({backend}, through the gateway): seeded {n} sessions in "
                  f"{time.perf_counter() - t0:.1f} s; 50 rooms, 100 mediators; two-week window")
            start = datetime.now(SH).date() + timedelta(days=1)
            kinds = {"any": [], "room": [], "mediator": [], "language": []}
            for i in range(queries + 20):
                frm = start + timedelta(days=rng.randrange(0, 60))
                params = {"from": frm.isoformat(), "to": (frm + timedelta(days=13)).isoformat(),
                          "duration_minutes": rng.choice([30, 45, 60, 90])}
                kind = ("any", "room", "mediator", "language")[i % 4]
                if kind == "room":
                    params["room_id"] = rng.choice(rooms)
                elif kind == "mediator":
                    params["mediator_id"] = rng.choice(meds)
                elif kind == "language":
                    params["language"] = "yue"
                t = time.perf_counter()
                r = c.get(f"{BASE}/availability", params=params)
                dt = time.perf_counter() - t
                r.raise_for_status()
                if i >= 20:   # the first 20 warm up
                    kinds[kind].append(dt)
            every = [x for v in kinds.values() for x in v]
            print(f"  all {len(every)} searches: {summary(every)}")
            for k, v in kinds.items():
                print(f"  filter {k:9s}: p50 {percentile(v, 50) * 1000:.1f} ms, p95 {percentile(v, 95) * 1000:.1f} ms")
            print(f"  availability p95: {percentile(every, 95) * 1000:.1f} ms")
        print(f"  mediation RSS after the run: {rss_mb(suite.procs['mediation'].pid):.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--backend", default="postgresql")
    ap.add_argument("--only", choices=["booking", "availability"], default=None)
    ap.add_argument("--profile", default=None, help="py-spy raw output file for the mediation service")
    a = ap.parse_args()
    print(f"machine: {machine()}")
    if a.only in (None, "booking"):
        booking_run(a.backend, a.requests, a.concurrency, a.profile)
    if a.only in (None, "availability"):
        availability_run(a.backend, a.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
