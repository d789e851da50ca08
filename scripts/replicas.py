"""Replicas on this machine (`make replicas`): two processes of each service behind HAProxy, a rolling restart
under load, and the fault test's checker afterwards.

    python scripts/replicas.py                       # 2,000 handoffs, NATS JetStream, PostgreSQL
    python scripts/replicas.py --handoffs 200 --transport hub

What runs: fresh PostgreSQL databases (one per service, dropped at the end), NATS JetStream (streams under a
prefix of the run's own, deleted at the end), two replicas (a, b) of the gateway, mediation and the lawyers
service, and Debian's HAProxy in the foreground with a config of its own in a temporary folder. Every hop
goes through HAProxy: clients to the gateway, the gateway to mediation and the lawyers, the services to the
gateway's internal listener. HAProxy checks each replica's `/readyz` (its database and event transport).

While the fault test's handoffs are posted (scripts/chaos.py: the same bodies, the same retrying client
with one Idempotency-Key per handoff), every replica is restarted in turn, one at a time, as a Deployment's
rolling update does: drain it (HAProxy `set server ... state drain`, what removing the pod from the
Service's endpoints and its preStop wait do on Kubernetes), wait until it has no request in flight, SIGTERM
(uvicorn finishes what is in flight, the app stops its background work), wait for it to exit, start it
again, wait until its /readyz and HAProxy's check both pass, then the next one.

It proves, and prints:
- nothing lost, nothing applied twice (chaos.check: every event produced is stored once and applied by
  each consumer once; one answer and one status event per handoff; every handoff final);
- no failed request during the rolling restart: every client-visible error is counted (the handoff
  posts, and a reader that keeps reading through the gateway from mediation and the lawyers);
- the scheduled jobs did each due item exactly once while replicas came and went: `handoff-expiry`
  (handoffs whose acceptance deadline falls due during the run, both gateways' schedulers racing for
  them) and `webhook_deliveries` (every handoff event owed to a subscriber, received by it once).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import chaos
from sqlalchemy import func, select

from devtools.runner import SuiteProcesses, dev_token, migrate_all, seed
from shared.db import Database, utcnow
from shared.events.models import OutboxEvent
from shared.testing import drop_postgres_databases, postgres_databases

PG_URL = os.environ.get("REPLICAS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HAPROXY = os.environ.get("HAPROXY", shutil.which("haproxy") or "/usr/sbin/haproxy")
SERVICES = ("gateway", "mediation", "lawyers")
REPLICAS = ("a", "b")
# Ports (8750-8799): HAProxy's front ends, then the replicas, then the webhook subscriber.
FRONT = {"gateway": 8750, "gateway_internal": 8751, "mediation": 8752, "lawyers": 8753}
PORT = {("gateway", "a"): 8760, ("gateway", "b"): 8761, ("gateway_internal", "a"): 8762,
        ("gateway_internal", "b"): 8763, ("mediation", "a"): 8764, ("mediation", "b"): 8765,
        ("lawyers", "a"): 8766, ("lawyers", "b"): 8767}
WEBHOOK_PORT = 8770
# The HAProxy back ends a service's replica serves (the gateway: its public and its internal listener).
BACKENDS = {"gateway": ("gateway", "gateway_internal"), "mediation": ("mediation",), "lawyers": ("lawyers",)}
LB = {name: f"http://127.0.0.1:{port}" for name, port in FRONT.items()}
GRACE = 30.0  # seconds a replica has to drain and exit (Kubernetes: terminationGracePeriodSeconds)
# A client's patience (the fault test's is 5 s: there a timeout is a retry like any other). Here a timeout
# counts as a failed request, and on 2 shared cores a replica starting next to the other makes answers slow.
CLIENT_TIMEOUT = 30.0
CLEAN_EXIT = (0, -signal.SIGTERM)  # uvicorn re-raises the SIGTERM it handled once it has shut down


# --- the load balancer -------------------------------------------------------------------------------------

def haproxy_config(sock: Path) -> str:
    """HAProxy: one front end per service, two servers each, checked on /readyz every second."""
    lines = [
        "global",
        f"    stats socket {sock} mode 600 level admin",
        "    maxconn 4000",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 30s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 4s",  # below uvicorn's keep-alive (5 s)
        "    option redispatch 1",  # a refused connection is tried again on the other replica
        "    retries 3",
        "    retry-on conn-failure",  # only when nothing was sent: never a request twice
        "    option httpchk",
        "    http-check send meth GET uri /readyz",
        "    http-check expect status 200",
        # As the pods' readiness probe: a check may take 3 s on a busy machine (a replica starting next to it
        # takes both cores for seconds) and only 3 failures in a row take a replica out.
        "    timeout check 3s",
        "    default-server check inter 1s fall 3 rise 2",
    ]
    for name, port in FRONT.items():
        lines += [f"frontend {name}", f"    bind 127.0.0.1:{port}", f"    default_backend {name}"]
        if name == "gateway":
            lines.append("    option forwardfor")  # the gateway trusts X-Forwarded-For from 127.0.0.1 only
        lines += [f"backend {name}", "    balance leastconn"]
        lines += [f"    server {r} 127.0.0.1:{PORT[(name, r)]}" for r in REPLICAS]
    return "\n".join(lines) + "\n"


class Balancer:
    """HAProxy as a child process, driven through its runtime API (the admin socket)."""

    def __init__(self, folder: Path) -> None:
        self.sock = folder / "haproxy.sock"
        self.cfg = folder / "haproxy.cfg"
        self.cfg.write_text(haproxy_config(self.sock))
        self.log = open(folder / "haproxy.log", "ab")  # noqa: SIM115 - HAProxy's output while it runs
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run([HAPROXY, "-c", "-q", "-f", str(self.cfg)], check=True)
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", str(self.cfg)], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if self.sock.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("HAProxy did not open its admin socket")

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.sock))
            s.sendall(line.encode() + b"\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        return out.decode()

    def stats(self) -> dict[tuple[str, str], dict]:
        text = self.command("show stat")
        header, *rows = [ln for ln in text.splitlines() if ln.strip()]
        keys = header.lstrip("# ").split(",")
        return {(r["pxname"], r["svname"]): r for r in (dict(zip(keys, row.split(","), strict=False)) for row in rows)}

    def set_state(self, backend: str, server: str, state: str) -> None:
        answer = self.command(f"set server {backend}/{server} state {state}").strip()
        if answer:
            raise RuntimeError(f"HAProxy: {answer}")

    def wait(self, backend: str, server: str, ok, what: str, timeout: float = GRACE) -> float:
        t0 = time.monotonic()
        while True:
            row = self.stats()[(backend, server)]
            if ok(row):
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"HAProxy {backend}/{server}: not {what} after {timeout:.0f} s: {row.get('status')}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


# --- the replicas ------------------------------------------------------------------------------------------

class Replicas:
    """Two `SuiteProcesses`, a and b: same databases and settings, ports of their own, upstreams via HAProxy."""

    def __init__(self, db_urls: dict[str, str], env: dict[str, str], log_dir: Path) -> None:
        upstreams = {"GATEWAY_URL": LB["gateway"], "GATEWAY_INTERNAL_URL": LB["gateway_internal"],
                     "JWKS_URL": LB["gateway"] + "/.well-known/jwks.json",
                     "GATEWAY_MEDIATION_URL": LB["mediation"], "GATEWAY_LAWYERS_URL": LB["lawyers"]}
        self.suites = {r: SuiteProcesses(db_urls, ports={svc: PORT[(svc, r)] for svc in SERVICES},
                                         internal_port=PORT[("gateway_internal", r)], env={**env, **upstreams},
                                         log_dir=log_dir / r)
                       for r in REPLICAS}

    def start(self) -> None:
        for svc in SERVICES:  # the gateways first: the services' readiness asks for them (hub transport)
            for suite in self.suites.values():
                suite.start_one(svc)
            for suite in self.suites.values():
                suite.wait_ready(svc)

    def stop(self) -> None:
        for suite in self.suites.values():
            suite.stop()


def roll(lb: Balancer, replicas: Replicas, replica: str, svc: str) -> dict:
    """Restart one replica of one service the way a rolling update does; returns the phases' seconds."""
    suite = replicas.suites[replica]
    proc = suite.procs[svc]
    t0 = time.monotonic()
    for backend in BACKENDS[svc]:  # out of rotation: no new request goes to it (the preStop's job)
        lb.set_state(backend, replica, "drain")
    for backend in BACKENDS[svc]:  # every request HAProxy sent it has been answered
        lb.wait(backend, replica, lambda row: row["scur"] == "0", "idle")
    drained = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(GRACE)
    except subprocess.TimeoutExpired:  # past the grace period Kubernetes sends SIGKILL; so do we, and say so
        proc.send_signal(signal.SIGABRT)  # first every thread's stack into its log (PYTHONFAULTHANDLER)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
        code = f"killed after {GRACE:.0f} s"
    stopped = time.monotonic()
    suite.start_one(svc)
    suite.wait_ready(svc)
    for backend in BACKENDS[svc]:
        lb.set_state(backend, replica, "ready")
    for backend in BACKENDS[svc]:  # HAProxy's own check passes again (rise 2)
        lb.wait(backend, replica, lambda row: row["status"] == "UP", "UP")
    done = time.monotonic()
    return {"replica": f"{svc}-{replica}", "at": time.strftime("%H:%M:%S", time.gmtime(time.time() - (done - t0))),
            "exit": code, "drain_s": round(drained - t0, 2),
            "stop_s": round(stopped - drained, 2), "start_s": round(done - stopped, 2)}


def rolling_restarts(lb: Balancer, replicas: Replicas, until: threading.Event, log: list, errors: list) -> None:
    """Rounds of rolling restarts (every service, replica a then b) until the posting is over; at least one."""
    try:
        while True:
            for svc in SERVICES:
                for r in REPLICAS:
                    log.append(roll(lb, replicas, r, svc))
            if until.is_set():
                return
    except Exception as e:
        errors.append(f"rolling restart: {type(e).__name__}: {e}")


# --- the reader: requests that cross every hop while replicas restart ----------------------------------------

class Reader:
    """Reads through the gateway from mediation, the lawyers and the gateway itself, on kept-alive
    connections, until stopped; every answer other than 200 and every transport error is a failure."""

    PATHS = ("/api/v1/mediation/rooms", "/api/v1/lawyers/lawyers?limit=5", "/api/v1/cases/CH-none-0/handoffs")

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests = 0
        self.failures: Counter = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=LB["gateway"], timeout=CLIENT_TIMEOUT,
                          headers={"Authorization": f"Bearer {self.token}"}) as c:
            i = 0
            while not self.stop.is_set():
                path = self.PATHS[i % len(self.PATHS)]
                i += 1
                try:
                    r = c.get(path)
                    if r.status_code != 200:
                        self.failures[f"{path.split('?')[0]}: HTTP {r.status_code}"] += 1
                except httpx.HTTPError as e:
                    self.failures[f"{path.split('?')[0]}: {type(e).__name__}"] += 1
                self.requests += 1
                time.sleep(0.05)


# --- the webhook subscriber --------------------------------------------------------------------------------

class WebhookSink:
    """A subscriber's endpoint: counts each event id (`webhook-id`) it receives."""

    def __init__(self) -> None:
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.received[self.headers.get("webhook-id", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                return None

        ThreadingHTTPServer.request_queue_size = 256  # 2 gateways x 20 deliveries at once (the default: 5)
        self.server = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


# --- due items for the scheduled jobs ----------------------------------------------------------------------

def add_due_handoffs(db: Database, run_id: str, n: int, span: float) -> dict[str, object]:
    """Handoffs nobody answers (their `handoff.requested` was never sent), whose acceptance deadline falls
    due one after another over the next `span` seconds: the gateways' `handoff-expiry` job expires them."""
    from services.gateway.handoff.models import REQUESTED, Handoff
    from services.gateway.handoff.service import add_step

    now = utcnow()
    due = {}
    with db.session() as s:
        for k in range(n):
            hid = uuid.uuid4().hex
            at = now + timedelta(seconds=5 + k * span / max(1, n))
            s.add(Handoff(id=hid, case_no=f"EX-{run_id}-{k}", target="mediation", status=REQUESTED,
                          category="neighbour_dispute", summary="无人接收的移交", parties=[], details={},
                          created_by="replicas", client_id="petition-system", requested_at=now, expires_at=at,
                          updated_at=now))
            s.flush()
            add_step(s, handoff_id=hid, status=REQUESTED, at=now, actor="replicas")
            due[hid] = at
    return due


def check_jobs(db: Database, due: dict[str, object], sink: WebhookSink) -> dict:
    """Each due item done exactly once: expiries (status, history step, event) and webhook deliveries."""
    from services.gateway.handoff.models import EXPIRED, Handoff, HandoffStep
    from services.gateway.webhook.models import SUCCEEDED, WebhookAttempt, WebhookDelivery

    with db.session() as s:
        status = dict(s.execute(select(Handoff.id, Handoff.status).where(Handoff.id.in_(list(due)))).all())
        steps = Counter(s.execute(select(HandoffStep.handoff_id).where(
            HandoffStep.handoff_id.in_(list(due)), HandoffStep.status == EXPIRED)).scalars())
        early = [h for h, at in s.execute(select(HandoffStep.handoff_id, HandoffStep.at).where(
            HandoffStep.handoff_id.in_(list(due)), HandoffStep.status == EXPIRED)).all() if at < due[h]]
        events = Counter((e.data or {}).get("handoff_id") for e in s.execute(
            select(OutboxEvent).where(OutboxEvent.type == "handoff.expired")).scalars())
        owed = set(s.execute(select(OutboxEvent.id).where(OutboxEvent.type.like("handoff.%"))).scalars())
        deliveries = Counter(s.execute(select(WebhookDelivery.event_id)).scalars())
        delivered = dict(s.execute(select(WebhookDelivery.event_id, WebhookDelivery.status)).all())
        attempts = s.execute(select(func.sum(WebhookDelivery.attempts))).scalar() or 0
        attempt_errors = Counter((e or "")[:60] for e in s.execute(
            select(WebhookAttempt.error).where(WebhookAttempt.error.is_not(None))).scalars())
    with sink.lock:
        received = Counter(sink.received)
    expiry = {
        "due": len(due),
        "expired": sum(1 for h in due if status.get(h) == EXPIRED),
        "expired_twice": sum(1 for h in due if steps[h] > 1 or events[h] > 1),
        "not_expired": [h for h in due if status.get(h) != EXPIRED or steps[h] != 1 or events[h] != 1][:10],
        "expired_before_due": early[:10],
    }
    webhooks = {
        "owed": len(owed),
        "received_once": sum(1 for e in owed if received[e] == 1),
        "received_twice": [e for e in owed if received[e] > 1][:10],
        "not_received": [e for e in owed if received[e] == 0][:10],
        "deliveries_twice": [e for e, n in deliveries.items() if n > 1][:10],
        "not_succeeded": [e for e in owed if delivered.get(e) != SUCCEEDED][:10],
        "attempts": attempts,
        "attempt_errors": dict(attempt_errors.most_common(5)),
    }
    ok = (expiry["expired"] == len(due) and not expiry["expired_twice"] and not expiry["not_expired"]
          and not expiry["expired_before_due"] and webhooks["received_once"] == len(owed)
          and not webhooks["received_twice"] and not webhooks["deliveries_twice"] and not webhooks["not_succeeded"])
    return {"handoff_expiry": expiry, "webhook_deliveries": webhooks, "ok": ok}


def jobs_settled(db: Database, due: dict, sink: WebhookSink) -> bool:
    report = check_jobs(db, due, sink)
    return report["ok"]


# --- the run -----------------------------------------------------------------------------------------------

class Via:
    """What chaos.py's client and helpers need of a suite: the gateway's URL (HAProxy) and tokens."""

    def __init__(self) -> None:
        self.url = {"gateway": LB["gateway"]}

    def token(self, who: str) -> str:
        return dev_token(LB["gateway"], who, LB["gateway_internal"])


def run(handoffs: int, transport: str, span: float, expiring: int, workers: int, settle_timeout: float,
        keep_logs: bool) -> dict:
    if not Path(HAPROXY).exists():
        raise SystemExit(f"HAProxy not found ({HAPROXY}): apt-get install -y haproxy")
    run_id = uuid.uuid4().hex[:8]
    prefix = f"replicas_{run_id}"
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    env = {**chaos.fault_env(transport, run_id), "SUITE_ENV": "dev", "PYTHONFAULTHANDLER": "1",
           "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
           "GATEWAY_WEBHOOK_ALLOWED_HOSTS": f"127.0.0.1:{WEBHOOK_PORT}", "GATEWAY_WEBHOOK_POLL_SECONDS": "0.5",
           "GATEWAY_HANDOFF_EXPIRY_INTERVAL_SECONDS": "1",
           "GATEWAY_WEBHOOK_RETRY_SCHEDULE": "0,2,5,10,20,30,60",  # a failed attempt is retried within the run
           # 6 processes on one PostgreSQL: a small pool each
           "GATEWAY_DB_POOL_SIZE": "8", "MEDIATION_DB_POOL_SIZE": "5", "LAWYERS_DB_POOL_SIZE": "5"}
    print(f"replicas: run {run_id}, {handoffs} handoffs, {transport}, logs and HAProxy config in {tmp}", flush=True)
    urls = postgres_databases(PG_URL, prefix)
    lb = Balancer(tmp)
    replicas = Replicas(urls, env, tmp / "logs")
    sink = WebhookSink()
    dbs: dict[str, Database] = {}
    t0 = time.monotonic()
    try:
        migrate_all(urls)
        seed(urls, with_test_users=True)
        dbs = {svc: Database(urls[svc], pool_size=2) for svc in SERVICES}
        sink.start()
        lb.start()
        replicas.start()
        for name in FRONT:
            for r in REPLICAS:
                lb.wait(name, r, lambda row: row["status"] == "UP", "UP", timeout=60)
        via = Via()
        chaos.add_public_lawyers(via)
        coordinator = via.token("coordinator")
        httpx.post(LB["gateway"] + "/api/v1/webhooks", timeout=10, headers={"Authorization": f"Bearer {coordinator}"},
                   json={"url": f"http://127.0.0.1:{WEBHOOK_PORT}/hooks", "event_types": ["handoff.*"]}
                   ).raise_for_status()
        due = add_due_handoffs(dbs["gateway"], run_id, expiring, span)

        poster = chaos.Poster(via, run_id, pace=span / handoffs)
        poster.timeout = CLIENT_TIMEOUT
        reader = Reader(coordinator)
        reading = threading.Thread(target=reader.run, daemon=True)
        posted = threading.Event()
        roll_log: list[dict] = []
        roll_errors: list[str] = []
        rolling = threading.Thread(target=rolling_restarts, args=(lb, replicas, posted, roll_log, roll_errors),
                                   daemon=True)
        started = time.monotonic()
        reading.start()
        rolling.start()
        try:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(poster.post, range(handoffs)))
        finally:
            posted.set()  # the restarts end after the round in progress
        posted_at = time.monotonic()
        rolling.join()
        reader.stop.set()
        reading.join(15)
        rolled_at = time.monotonic()

        cases = set(poster.created)
        deadline = time.monotonic() + settle_timeout
        quiet = False
        while time.monotonic() < deadline and not (quiet := chaos.settled(dbs, cases, transport)
                                                     and jobs_settled(dbs["gateway"], due, sink)):
            time.sleep(0.5)
        report = chaos.check(dbs, transport, poster.created)
        jobs = check_jobs(dbs["gateway"], due, sink)
        failed = sum(poster.failures.values()) + sum(reader.failures.values())
        applied_twice = (len(report["stored_twice"]) + report["produced_twice"] + len(report["double_answers"])
                         + len(report["double_status_events"]) + len(report["double_steps"])
                         + len(report["handoffs_duplicated"]))
        report.update({
            "backend": "postgresql", "replicas": len(REPLICAS), "settled": quiet,
            "restarts": roll_log, "restart_errors": roll_errors,
            "requests": {"handoff_posts": handoffs + poster.retries, "reads": reader.requests},
            "failed_requests": failed,
            "failures": {**{f"POST handoff: {k}": v for k, v in poster.failures.items()}, **reader.failures},
            "applied_twice": applied_twice, "jobs": jobs,
            "seconds_posting": round(posted_at - started, 1), "seconds_rolling": round(rolled_at - started, 1),
            "seconds_to_settle": round(time.monotonic() - rolled_at, 1),
            "seconds_total": round(time.monotonic() - t0, 1),
        })
        report["ok"] = (report["ok"] and jobs["ok"] and failed == 0 and not roll_errors and quiet
                        and all(r["exit"] in CLEAN_EXIT for r in roll_log))
        return report
    finally:
        for db in dbs.values():
            db.dispose()
        replicas.stop()
        lb.stop()
        sink.stop()
        drop_postgres_databases(PG_URL, prefix)
        if transport == "nats":
            chaos._delete_streams(env["NATS_PREFIX"])
        if not keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--handoffs", type=int, default=2000)
    p.add_argument("--transport", choices=["nats", "hub"], default="nats")
    p.add_argument("--span", type=float, default=120.0, help="seconds the posting is spread over")
    p.add_argument("--expiring", type=int, default=60, help="handoffs falling due for expiry during the run")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--settle-timeout", type=float, default=180.0)
    p.add_argument("--keep-logs", action="store_true")
    a = p.parse_args()
    report = run(a.handoffs, a.transport, a.span, a.expiring, a.workers, a.settle_timeout, a.keep_logs)
    print(json.dumps(report, ensure_ascii=False, indent=1), flush=True)
    jobs = report["jobs"]
    print(f"replicas: {len(report['restarts'])} rolling restarts, {report['requests']['handoff_posts']} posts + "
          f"{report['requests']['reads']} reads; lost {report['lost']}, applied twice {report['applied_twice']}, "
          f"failed requests {report['failed_requests']}; handoff-expiry {jobs['handoff_expiry']['expired']}/"
          f"{jobs['handoff_expiry']['due']} once, webhooks {jobs['webhook_deliveries']['received_once']}/"
          f"{jobs['webhook_deliveries']['owed']} received once")
    print("replicas: OK" if report["ok"] else "replicas: FAILED")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
