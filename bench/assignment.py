"""Assignment benchmark (PostgreSQL, through the gateway).

1. Opinion-request assignment with 2,000 lawyers, 10,000 open requests and 20,000 conflict
   entries (bulk-loaded straight into the lawyers database): `POST /api/v1/lawyers/opinion-requests`
   latency (p50/p95/p99), each call evaluating every lawyer and recording why each was skipped.
2. A one-year duty roster for 300 eligible lawyers: `POST /duty-shifts/generate` wall time.

Usage: .venv/bin/python -m bench.assignment [--requests N] [--backend postgresql|sqlite]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa

from bench.common import machine, rss_mb, running_suite, summary
from services.lawyers.conflict.models import ConflictEntry, normalise_name
from services.lawyers.lawyer.models import Lawyer, LawyerContract, LawyerLeave
from services.lawyers.opinion.models import OpinionRequest
from shared.db import make_engine
from shared.timeutil import SHANGHAI

BASE = "/api/v1/lawyers"
N_LAWYERS, N_OPEN, N_CONFLICTS = 2000, 10_000, 20_000
CATEGORIES = ["labour", "land", "family", "contract", "administrative", "tort", "housing", "social_security",
              "consumer", "company"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
            "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏飞"


def party_pool(rnd: random.Random, n: int = 6000) -> list[str]:
    names = set()
    while len(names) < n:
        names.add(rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2))))
    companies = [f"{rnd.choice(SURNAMES)}{rnd.choice(GIVEN)}{kind}" for kind in ("建设集团", "置业公司", "物业公司")
                 for _ in range(300)]
    return sorted(names) + companies


def bulk_load(url: str, rnd: random.Random, parties: list[str]) -> dict:
    """2,000 lawyers, 10,000 open requests, 20,000 conflicts, straight into the lawyers database."""
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    kinds = ["retained_counsel"] * 1100 + ["public_lawyer"] * 700 + ["studio_lawyer"] * 200
    lawyers, contracts, leaves = [], [], []
    for i, kind in enumerate(kinds):
        lid = uuid.uuid4().hex
        lawyers.append({"id": lid, "name": f"律师{i:04d}", "kind": kind, "license_no": f"{i:017d}", "firm": "",
                        "specialties": rnd.sample(CATEGORIES, rnd.randint(2, 4)),
                        "languages": ["zh", "yue"] if rnd.random() < 0.1 else ["zh"], "login": None,
                        "active": rnd.random() > 0.03, "qualification": {}, "open_requests": 0,
                        "last_assigned_at": now - timedelta(minutes=rnd.randint(1, 100_000)), "created_at": now})
        if kind == "retained_counsel":
            expired = rnd.random() < 0.05
            start = today - timedelta(days=400 if expired else 100)
            contracts.append({"id": uuid.uuid4().hex, "lawyer_id": lid, "start": start,
                              "end": start + timedelta(days=364), "annual_hours": 200.0, "created_at": now})
        if rnd.random() < 0.05:
            leaves.append({"id": uuid.uuid4().hex, "lawyer_id": lid, "start": today - timedelta(days=2),
                           "end": today + timedelta(days=5), "reason": "", "created_at": now})
    eligible = [lw for lw in lawyers if lw["kind"] != "studio_lawyer"]
    requests = []
    for i in range(N_OPEN):
        cat = rnd.choice(CATEGORIES)
        lw = rnd.choice(eligible)
        assigned = lw["open_requests"] < 4 and rnd.random() < 0.75
        if assigned:
            lw["open_requests"] += 1
        requests.append({"id": uuid.uuid4().hex, "case_no": f"BENCH-{i}", "question": "是否合法？", "category": cat,
                         "language": None, "parties": [{"name": n, "role": None} for n in rnd.sample(parties, 2)],
                         "status": "assigned" if assigned else "unassigned",
                         "assignee_id": lw["id"] if assigned else None, "assigned_at": now if assigned else None,
                         "due_on": today + timedelta(days=15), "due_soon_at": None, "overdue_at": None,
                         "declined_by": [], "handoff_id": None, "created_at": now - timedelta(seconds=N_OPEN - i),
                         "created_by": "bench", "answered_at": None})
    conflicts = []
    relations = ["current_client", "former_client", "opposing_party", "near_relative", "other"]
    for _ in range(N_CONFLICTS):
        name = rnd.choice(parties)
        rel = rnd.choice(relations)
        conflicts.append({"id": uuid.uuid4().hex, "lawyer_id": rnd.choice(lawyers)["id"], "party_name": name,
                          "party_key": normalise_name(name), "relation": rel, "matter": "bench", "case_no": None,
                          "ends_on": today - timedelta(days=rnd.randint(1, 700)) if rel == "former_client" else None,
                          "created_at": now, "created_by": "bench"})
    engine = make_engine(url, pool_size=1)
    t0 = time.perf_counter()
    with engine.begin() as c:
        for table, rows in ((Lawyer.__table__, lawyers), (LawyerContract.__table__, contracts),
                            (LawyerLeave.__table__, leaves), (OpinionRequest.__table__, requests),
                            (ConflictEntry.__table__, conflicts)):
            for k in range(0, len(rows), 2000):
                c.execute(sa.insert(table), rows[k:k + 2000])
        if engine.dialect.name == "postgresql":
            c.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"lawyers": len(lawyers), "open_requests": len(requests),
            "assigned": sum(1 for r in requests if r["status"] == "assigned"), "conflicts": len(conflicts),
            "load_seconds": time.perf_counter() - t0, "ids": [lw["id"] for lw in lawyers],
            "eligible": [lw["id"] for lw in eligible if lw["active"]]}


def pick_base(suite, token: str) -> tuple[str, str]:
    """The gateway when it forwards the lawyers API, else the service port (reported)."""
    try:
        r = httpx.get(suite.url["gateway"] + f"{BASE}/lawyers", params={"limit": 1},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if r.status_code == 200 and "items" in r.json():
            return suite.url["gateway"], "gateway"
    except Exception:
        pass
    return suite.url["lawyers"], "lawyers service directly (the gateway did not forward)"


def bench_assignment(base: str, token: str, rnd: random.Random, parties: list[str], n: int) -> None:
    lat, statuses = [], {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for i in range(20):  # warm-up
            c.post(f"{BASE}/opinion-requests", json={"case_no": f"WARM-{i}", "question": "q",
                                                     "category": rnd.choice(CATEGORIES),
                                                     "parties": rnd.sample(parties, 2)})
        for i in range(n):
            body = {"case_no": f"B-{i}", "question": "是否应当支付拖欠工资？", "category": rnd.choice(CATEGORIES),
                    "parties": [{"name": p, "role": r} for p, r in zip(rnd.sample(parties, 2),
                                                                      ("petitioner", "respondent"), strict=True)]}
            t0 = time.perf_counter()
            r = c.post(f"{BASE}/opinion-requests", json=body)
            lat.append(time.perf_counter() - t0)
            if r.status_code != 201:
                raise SystemExit(f"unexpected {r.status_code}: {r.text}")
            statuses[r.json()["status"]] = statuses.get(r.json()["status"], 0) + 1
        last = r.json()["id"]
        log = c.get(f"{BASE}/opinion-requests/{last}/assignment-log").json()["items"][0]
    print(f"  assignment ({n} calls, sequential): {summary(lat)}")
    print(f"  outcomes: {statuses}; last decision recorded {len(log['skipped'])} skipped candidates")


def bench_roster(base: str, token: str, url: str, keep: list[str]) -> None:
    engine = make_engine(url, pool_size=1)
    with engine.begin() as c:
        c.execute(sa.update(Lawyer.__table__).where(Lawyer.__table__.c.id.not_in(keep)).values(active=False))
        c.execute(sa.update(Lawyer.__table__).where(Lawyer.__table__.c.id.in_(keep)).values(active=True))
        c.execute(sa.delete(LawyerLeave.__table__))
        # every kept retained counsel covered for the year
        c.execute(sa.update(LawyerContract.__table__).values(start=date(2025, 1, 1), end=date(2028, 12, 31)))
    engine.dispose()
    times = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for year, replace in ((2026, False), (2026, True), (2026, True), (2027, False)):
            t0 = time.perf_counter()
            r = c.post(f"{BASE}/duty-shifts/generate", json={"from": f"{year}-01-01", "to": f"{year}-12-31",
                                                             "replace": replace})
            dt = time.perf_counter() - t0
            if r.status_code != 201:
                raise SystemExit(f"unexpected {r.status_code}: {r.text}")
            loads = list(r.json()["load"].values()) + [0] * (len(keep) - len(r.json()["load"]))
            times.append(dt)
            print(f"  duty roster {year} ({'regenerate' if replace else 'new'}): {len(r.json()['items'])} shifts "
                  f"over {len(keep)} lawyers in {dt * 1000:.0f} ms; shifts per lawyer min {min(loads)} "
                  f"max {max(loads)}")
    print(f"  duty roster one year, 300 lawyers: best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    args = ap.parse_args()
    rnd = random.Random(4)
    parties = party_pool(rnd)
    print(f"bench/assignment.py on {machine()}, backend {args.backend}")
    with running_suite(args.backend, db_prefix="bench_assign") as suite:
        loaded = bulk_load(suite.db_urls["lawyers"], rnd, parties)
        print(f"  loaded {loaded['lawyers']} lawyers, {loaded['open_requests']} open requests "
              f"({loaded['assigned']} assigned), {loaded['conflicts']} conflict entries "
              f"in {loaded['load_seconds']:.1f} s")
        token = suite.token("coordinator")
        base, via = pick_base(suite, token)
        print(f"  calls go through: {via}")
        bench_assignment(base, token, rnd, parties, args.requests)
        if via == "gateway":
            bench_assignment(suite.url["lawyers"], token, rnd, parties, min(300, args.requests))
            print("  (the line above: the same calls straight to the lawyers service, for comparison)")
        print(f"  lawyers service RSS {rss_mb(suite.procs['lawyers'].pid):.0f} MB")
        bench_roster(base, token, suite.db_urls["lawyers"], rnd.sample(loaded["eligible"], 300))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
