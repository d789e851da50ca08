"""Fault test (`make chaos`): handoffs posted while the gateway and the services are SIGKILLed and restarted.

Real processes (bench.common.running_suite). Afterwards a checker in the manner of
Jepsen's total-queue checker reads every store: each event produced (every outbox
row, i.e. every committed transaction's events) must be in the gateway's store
exactly once, delivered to every subscriber and applied by each consumer exactly
once; no effect may happen twice (one target answer and one gateway status event
per handoff); every handoff requested must exist once and be final.

    python scripts/chaos.py --mode short            # 100 handoffs, 5 kills, hub, SQLite
    python scripts/chaos.py --mode full --transport both --backend postgresql   # 2,000 handoffs, 50 kills
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select

from bench.common import running_suite
from shared.db import Database
from shared.events.models import InboxEntry, OutboxEvent

MODES = {"short": (100, 5), "full": (2000, 50)}
FINAL = {"rejected", "completed", "expired"}
SERVICES = ("gateway", "mediation", "lawyers")


def handoff_body(i: int) -> dict:
    """Handoffs whose target answer makes them final at once: rejected by mediation (in litigation, or an
    administrative dispute), or a reception assist, completed as soon as a public lawyer is assigned."""
    # A phone: sealed by the gateway, opened by mediation (shared/handoff_pii.py), under the kills too.
    parties = [{"name": f"当事人{i}A", "role": "petitioner", "phone": f"138{i:08d}"},
               {"name": f"当事人{i}B", "role": "respondent"}]
    kind = i % 3
    if kind == 0:
        return {"target": "mediation", "category": "neighbour_dispute", "summary": "已起诉的相邻纠纷",
                "parties": parties, "in_litigation": True}
    if kind == 1:
        return {"target": "mediation", "category": "administrative_dispute", "summary": "行政争议",
                "parties": parties}
    j = i // 3  # reception assists spread over hours and days so the public lawyers are mostly free
    start = _weekday_after(datetime.now().astimezone() + timedelta(days=5), j // 40).replace(
        hour=9 + j % 3, minute=0, second=0, microsecond=0)
    return {"target": "reception_assist", "category": "reception", "summary": "领导接访", "leader": f"领导{i}",
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "topic": "专题接访"}


def _weekday_after(day: datetime, n: int) -> datetime:
    """The n-th Monday-to-Friday day from `day` on."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(n):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def add_public_lawyers(suite, n: int = 10) -> None:
    """Public lawyers, so that reception assists complete (the rest are rejected by mediation's rules)."""
    with httpx.Client(base_url=suite.url["gateway"], timeout=10,
                      headers={"Authorization": f"Bearer {suite.token('coordinator')}"}) as c:
        for k in range(n):
            c.post("/api/v1/lawyers/lawyers", json={
                "name": f"公职律师{k}", "kind": "public_lawyer", "license_no": f"{11101201500000000 + k}",
                "firm": "区司法局", "specialties": ["administrative"],
                "qualification": {"certificate_no": f"A{k:05d}", "legal_work_since": "2015-07-01"}}
                   ).raise_for_status()


class Poster:
    """Posts each handoff until it is answered, as the petition system does: one Idempotency-Key per
    handoff, the same key on every retry (after a timeout, a refused connection, a 5xx or a 409
    `idempotency_in_progress`), so a retry can never create a second handoff."""

    def __init__(self, suite, run_id: str, pace: float = 0.0) -> None:
        self.suite = suite
        self.pace = pace  # seconds between posts (spreads them over the kills)
        self.timeout = 5.0  # seconds a post may take before the client gives up and retries
        self.t0 = time.monotonic()
        self.run_id = run_id
        self.token = suite.token("petition-system")
        self.created: dict[str, str] = {}
        self.retries = 0
        self.failures: Counter = Counter()  # what each retry followed: "HTTP 502", "ConnectError", ...
        self.lock = threading.Lock()

    def post(self, i: int) -> None:
        case = f"CH-{self.run_id}-{i}"
        body = handoff_body(i)
        delay = self.t0 + i * self.pace - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"handoff-{case}"}
        url = self.suite.url["gateway"]
        give_up = time.monotonic() + 180  # a gateway that never comes back ends the run, not hangs it
        while time.monotonic() < give_up:
            try:
                with httpx.Client(base_url=url, headers=headers, timeout=self.timeout) as c:
                    r = c.post(f"/api/v1/cases/{case}/handoffs", json=body)
                if r.status_code == 202:
                    with self.lock:
                        self.created[case] = r.json()["id"]
                    return
                if r.status_code < 500 and r.status_code != 409:
                    raise RuntimeError(f"unexpected {r.status_code}: {r.text}")
                failure = f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                failure = type(e).__name__
            with self.lock:
                self.retries += 1
                self.failures[failure] += 1
            time.sleep(0.3)
        raise RuntimeError(f"handoff {case} not accepted by the gateway within 180 s")


def killer(suite, kills: int, span: float, rng: random.Random, log: list) -> None:
    for _ in range(kills):
        time.sleep(rng.uniform(0.0, span / max(1, kills)))
        svc = rng.choice(SERVICES)
        t0 = time.monotonic()
        suite.restart(svc)  # SIGKILL, start, wait until healthy
        log.append((svc, round(time.monotonic() - t0, 2)))


def settled(dbs: dict[str, Database], cases: set[str], transport: str) -> bool:
    from services.gateway.handoff.models import Handoff
    from services.gateway.hub.models import HubDelivery

    for db in dbs.values():
        with db.session() as s:
            if s.execute(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)).limit(1)).first():
                return False
    with dbs["gateway"].session() as s:
        if s.execute(select(HubDelivery.position).where(HubDelivery.status != "delivered").limit(1)).first():
            return False
        rows = s.execute(select(Handoff.case_no, Handoff.status).where(Handoff.case_no.in_(cases))).all()
    if not (len(rows) == len(cases) and all(st in FINAL for _, st in rows)):
        return False
    # Every event produced is stored and applied (a message fetched by a consumer that was then
    # killed comes back only after the ack wait).
    return check(dbs, transport, {})["lost"] == 0


def check(dbs: dict[str, Database], transport: str, created: dict[str, str]) -> dict:
    """The total-event checker: lost, duplicated and unapplied events; double effects; unfinished handoffs."""
    from services.gateway.handoff.events import build_handlers  # noqa: F401 (types below)
    from services.gateway.handoff.models import Handoff, HandoffStep
    from services.gateway.hub.models import HubDelivery, HubEvent
    from services.gateway.hub.subscriptions import REMOTE
    from shared.handoff_contract import targets_of

    produced: dict[str, tuple[str, str, dict]] = {}
    produced_twice = 0
    for svc, db in dbs.items():
        with db.session() as s:
            for r in s.execute(select(OutboxEvent)).scalars():
                if r.id in produced:
                    produced_twice += 1
                produced[r.id] = (svc, r.type, r.data)
    with dbs["gateway"].session() as s:
        stored = Counter(s.execute(select(HubEvent.id)).scalars())
        undelivered = s.execute(select(HubDelivery).where(HubDelivery.status != "delivered")).scalars().all()
        handoffs = s.execute(select(Handoff)).scalars().all()
        steps = Counter((st.handoff_id, st.status) for st in s.execute(
            select(HandoffStep).where(HandoffStep.note.is_(None))).scalars())
        internal_applied = set(s.execute(select(InboxEntry.event_id).where(InboxEntry.consumer == "handoffs"))
                               .scalars())
    applied = {}
    for svc in ("mediation", "lawyers"):
        with dbs[svc].session() as s:
            applied[svc] = set(s.execute(select(InboxEntry.event_id).where(InboxEntry.consumer == svc)).scalars())

    lost_at_hub = [i for i in produced if i not in stored]
    stored_twice = [i for i, n in stored.items() if n > 1]
    unknown = [i for i in stored if i not in produced]
    unapplied = []
    internal_types = {"mediation.handoff.accepted", "mediation.handoff.rejected", "mediation.handoff.completed",
                      "lawyers.handoff.accepted", "lawyers.handoff.rejected", "lawyers.handoff.completed"}
    for eid, (_, etype, data) in produced.items():
        for svc, types in REMOTE.items():
            # The hub routes a handoff.requested only to its target's service; NATS consumers see all.
            routed = (transport != "hub" or etype != "handoff.requested"
                      or (data or {}).get("target") in targets_of(svc))
            if etype in types and routed and eid not in applied[svc]:
                unapplied.append((svc, eid, etype))
        if etype in internal_types and eid not in internal_applied:
            unapplied.append(("handoffs", eid, etype))
    # Effects: one target answer per handoff, one gateway status event per (handoff, status).
    answers = Counter()
    status_events = Counter()
    for svc, etype, data in produced.values():
        hid = (data or {}).get("handoff_id")
        if not hid:
            continue
        if etype in internal_types and not etype.endswith(".completed"):
            answers[hid] += 1
        if svc == "gateway" and etype.startswith("handoff."):
            status_events[(hid, etype)] += 1
    by_case = Counter(h.case_no for h in handoffs)
    wanted = set(created)
    report = {
        "transport": transport,
        "events_produced": len(produced),
        "events_stored": sum(stored.values()),
        "lost": len(lost_at_hub) + len(unapplied),
        "lost_at_hub": lost_at_hub[:10],
        "unapplied": unapplied[:10],
        "stored_twice": stored_twice[:10],
        "produced_twice": produced_twice,
        "unknown_events": unknown[:10],
        "undelivered": [(d.subscriber, d.event_id, d.status) for d in undelivered][:10],
        "double_answers": [h for h, n in answers.items() if n > 1][:10],
        "double_status_events": [k for k, n in status_events.items() if n > 1][:10],
        "double_steps": [k for k, n in steps.items() if n > 1][:10],
        "handoffs_requested": len(wanted),
        "handoffs_missing": sorted(wanted - set(by_case))[:10],
        "handoffs_duplicated": [c for c in wanted if by_case.get(c, 0) > 1][:10],
        "handoffs_not_final": [(h.case_no, h.status) for h in handoffs if h.case_no in wanted
                               and h.status not in FINAL][:10],
        "final_statuses": dict(Counter(h.status for h in handoffs if h.case_no in wanted)),
    }
    report["ok"] = not any(report[k] for k in (
        "lost", "stored_twice", "produced_twice", "unknown_events", "undelivered", "double_answers",
        "double_status_events", "double_steps", "handoffs_missing", "handoffs_duplicated", "handoffs_not_final"))
    return report


def fault_env(transport: str, run_id: str) -> dict[str, str]:
    """The services' settings for a fault run: short leases and back-offs, so that work a killed process held
    is taken over within seconds; no rate limit; a NATS stream prefix of the run's own."""
    return {"EVENT_TRANSPORT": transport, "NATS_PREFIX": f"chaos{run_id}", "OUTBOX_LEASE_SECONDS": "3",
            "GATEWAY_HUB_LEASE_SECONDS": "3", "GATEWAY_HUB_BACKOFF_MAX_SECONDS": "2",
            "GATEWAY_HUB_MAX_ATTEMPTS": "1000", "NATS_BACKOFF_MAX_SECONDS": "1", "NATS_MAX_DELIVER": "1000",
            "NATS_ACK_WAIT_SECONDS": "3", "GATEWAY_IDEMPOTENCY_LOCK_SECONDS": "5",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000", "LOG_LEVEL": "ERROR"}


def run_chaos(handoffs: int = 100, kills: int = 5, transport: str = "hub", backend: str = "sqlite",
              workers: int = 8, seed: int | None = None, settle_timeout: float = 90.0) -> dict:
    rng = random.Random(seed)
    run_id = uuid.uuid4().hex[:8]
    env = fault_env(transport, run_id)
    t0 = time.monotonic()
    with running_suite(backend, db_prefix=f"chaos_{run_id}", env=env) as suite:
        dbs = {svc: Database(suite.db_urls[svc], pool_size=2) for svc in SERVICES}
        try:
            add_public_lawyers(suite)
            span = max(5.0, kills * 2.0)  # posting is spread over this many seconds, kills fall inside it
            poster = Poster(suite, run_id, pace=span / handoffs)
            kill_log: list = []
            k = threading.Thread(target=killer, args=(suite, kills, span, rng, kill_log), daemon=True)
            k.start()
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(poster.post, range(handoffs)))
            posted_at = time.monotonic()
            k.join()
            killed_at = time.monotonic()
            deadline = time.monotonic() + settle_timeout
            cases = set(poster.created)
            quiet = False  # every outbox published, every delivery made, every event applied
            while time.monotonic() < deadline and not (quiet := settled(dbs, cases, transport)):
                time.sleep(0.5)
            settled_at = time.monotonic()
            settle = settled_at - max(posted_at, t0)
            report = check(dbs, transport, poster.created)
            report.update({"backend": backend, "settled": quiet, "kills": kill_log, "post_retries": poster.retries,
                           "seconds_total": round(time.monotonic() - t0, 1), "seconds_to_settle": round(settle, 1),
                           "seconds_after_last_restart": round(settled_at - killed_at, 1)})
        finally:
            for db in dbs.values():
                db.dispose()
    if transport == "nats":
        _delete_streams(env["NATS_PREFIX"])
    return report


def _delete_streams(prefix: str) -> None:
    import asyncio

    import nats

    async def go() -> None:
        nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
        js = nc.jetstream()
        for d in ("GATEWAY", "MEDIATION", "LAWYERS", "DEADLETTER"):
            try:
                await js.delete_stream(f"{prefix.upper()}_{d}")
            except Exception:
                pass
        await nc.close()

    asyncio.run(go())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=sorted(MODES), default="full")
    p.add_argument("--handoffs", type=int)
    p.add_argument("--kills", type=int)
    p.add_argument("--transport", choices=["hub", "nats", "both"], default="both")
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--seed", type=int)
    a = p.parse_args()
    n, kills = MODES[a.mode]
    ok = True
    for transport in (["hub", "nats"] if a.transport == "both" else [a.transport]):
        report = run_chaos(a.handoffs or n, a.kills if a.kills is not None else kills, transport, a.backend,
                           seed=a.seed)
        print(json.dumps(report, ensure_ascii=False, indent=1), flush=True)
        ok = ok and report["ok"]
    print("chaos: OK (zero lost, zero applied twice, every handoff final)" if ok else "chaos: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
