"""Scheduled work on APScheduler 3.x. The database stays the source of truth.

Each job runs in a worker thread inside one transaction and claims the rows it
works on with `claim()` (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several
replicas running the same scheduler never do the same work twice.
"""
from __future__ import annotations

import logging
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


def start_scheduler(app, jobs: list[Job]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs:
        async def _run(job=job) -> None:
            try:
                await anyio.to_thread.run_sync(job.func, app)
            except Exception:
                log.exception("job failed", extra={"job": job.name})

        scheduler.add_job(_run, "interval", seconds=job.seconds, id=job.name, max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
