"""A stopping replica (SIGTERM, a rolling update) finishes what it is doing and exits well inside its grace period.

scripts/replicas.py proves it under load behind HAProxy; these are the two pieces it found missing:
the scheduler cancelled a job run in progress (a webhook sent but its delivery not recorded was sent
again), and a service on NATS JetStream took 30 s to exit (the connection's drain waited for the pull
subscriptions' inboxes).
"""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from types import SimpleNamespace

import pytest

from devtools.runner import SuiteProcesses, migrate_all
from shared.events.nats import delete_streams
from shared.jobs import Job, start_scheduler, stop_scheduler
from shared.testing import free_port, fresh_databases


def test_stop_lets_the_run_in_progress_finish_and_starts_no_other():
    started, finished = threading.Event(), threading.Event()
    runs = []

    def slow_job(app) -> None:
        runs.append(time.monotonic())
        started.set()
        time.sleep(0.5)  # a run mid-way: rows claimed, a message handed over, not yet committed
        finished.set()

    async def scenario() -> None:
        scheduler = start_scheduler(SimpleNamespace(state=SimpleNamespace()), [Job("slow", slow_job, 0.05)])
        await asyncio.to_thread(started.wait, 10)
        await stop_scheduler(scheduler)
        assert finished.is_set()  # stop returned only once the run had finished
        count = len(runs)
        await asyncio.sleep(0.3)
        assert len(runs) == count  # and no new run started

    asyncio.run(scenario())


def test_stop_gives_up_waiting_after_its_timeout():
    started = threading.Event()

    def stuck_job(app) -> None:
        started.set()
        time.sleep(2)

    async def scenario() -> float:
        scheduler = start_scheduler(SimpleNamespace(state=SimpleNamespace()), [Job("stuck", stuck_job, 0.05)])
        await asyncio.to_thread(started.wait, 10)
        t0 = time.monotonic()
        await stop_scheduler(scheduler, timeout=0.3)
        return time.monotonic() - t0

    assert asyncio.run(scenario()) < 1.5


@pytest.fixture
def mediation_db(tmp_path):
    with fresh_databases(f"stop_{uuid.uuid4().hex[:8]}", tmp_path) as urls:
        migrate_all(urls)
        yield urls


def test_a_service_on_nats_exits_within_seconds_of_sigterm(mediation_db):
    prefix = f"stop{uuid.uuid4().hex[:8]}"
    suite = SuiteProcesses(mediation_db, ports={"gateway": free_port(), "mediation": free_port(),
                                                "lawyers": free_port()},
                           env={"SUITE_ENV": "dev", "EVENT_TRANSPORT": "nats", "NATS_PREFIX": prefix,
                                "LOG_LEVEL": "ERROR"})
    suite.start_one("mediation")
    proc = suite.procs["mediation"]
    try:
        suite.wait_ready("mediation")  # its NATS connection is up (readiness checks it)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(25)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        asyncio.run(delete_streams(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), prefix))
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the SIGTERM it handled after its shutdown
    assert took < 10, f"{took:.1f} s from SIGTERM to exit"
