"""Scheduled work on APScheduler 3.x. The database stays the source of truth.

Each job runs in a worker thread inside one transaction and claims the rows it
works on with `claim()` (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several
replicas running the same scheduler never do the same work twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Select
from sqlmodel import Session

log = logging.getLogger("suite.jobs")


@dataclass(frozen=True)
class Job:
    """A periodic job: `func(app)` runs every `seconds` in a thread."""

    name: str
    func: Callable
    seconds: float


def claim(session: Session, stmt: Select) -> list:
    """Rows of `stmt` locked for this transaction; rows another replica holds are skipped."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


async def run_job(app, job: Job) -> None:
    """One run of `job` in a worker thread, timed (`job_duration_seconds{job, outcome}`); a failure is logged."""
    start = time.perf_counter()
    outcome = "cancelled"  # until it ends one way or the other (shutdown cancels a run in progress)
    try:
        await anyio.to_thread.run_sync(job.func, app)
        outcome = "ok"
    except Exception:
        outcome = "error"
        log.exception("job failed", extra={"job": job.name})
    finally:
        metrics = getattr(app.state, "metrics", None)
        if metrics is not None:
            metrics.job_duration.labels(metrics.service, job.name, outcome).observe(time.perf_counter() - start)


# How long a stopping process waits for the runs in progress. The pod's grace period (40 s) covers the
# preStop wait (5 s), the HTTP drain (uvicorn's --timeout-graceful-shutdown 25 s at most) and this.
STOP_WAIT_SECONDS = 10.0


def start_scheduler(app, jobs: list[Job]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    running: set[asyncio.Task] = set()  # the runs in progress, for `stop_scheduler`
    scheduler.suite_running = running
    for job in jobs:
        async def _run(job=job) -> None:
            task = asyncio.current_task()
            if task is not None:
                running.add(task)
            try:
                await run_job(app, job)
            finally:
                if task is not None:
                    running.discard(task)

        scheduler.add_job(_run, "interval", seconds=job.seconds, id=job.name, max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, timeout: float = STOP_WAIT_SECONDS) -> None:
    """Start no new run, and let the runs in progress finish (their worker threads commit what they did).

    Cut short, a run can leave work done but not recorded: a webhook sent whose delivery row is still
    pending is sent again after its lease, a reminder likewise. Past `timeout` the process stops anyway
    (that window stays; the lease makes another replica take the work over)."""
    scheduler.pause()  # not shutdown() yet: its asyncio executor cancels the runs in progress
    running = set(getattr(scheduler, "suite_running", ()))
    if running:
        _, late = await asyncio.wait(running, timeout=timeout)
        if late:
            log.warning("jobs still running at shutdown", extra={"jobs": len(late)})
    scheduler.shutdown(wait=False)
