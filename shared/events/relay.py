"""The outbox relay: claims unpublished rows, publishes them, marks them sent.

Claims are leases (`claimed_until`), taken with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several replicas never publish the same row at the same time.
A crash after publish and before mark-sent publishes the row again later:
delivery is at-least-once and consumers dedupe through their inbox.

A `LocalPublisher` (the gateway's hub, in the outbox's own database) is fed by
`transfer()` instead: claim, store and mark sent in one transaction, no lease.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Protocol, runtime_checkable

import anyio
from sqlalchemy import or_, select, update
from sqlmodel import col

from shared.background import cancel_and_wait
from shared.db import Database, utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import OutboxEvent
from shared.events.outbox import to_cloud_event

log = logging.getLogger("suite.relay")


class Publisher(Protocol):
    async def publish(self, events: list[CloudEvent]) -> None: ...


@runtime_checkable
class LocalPublisher(Publisher, Protocol):
    """A publisher whose store shares the outbox's database (the gateway's hub): the relay claims,
    publishes and marks the rows sent in one transaction, so nothing can be published twice."""

    def publish_in(self, session, events: list[CloudEvent]) -> None: ...

    def after_publish(self) -> None: ...


class OutboxRelay:
    def __init__(self, db: Database, publisher: Publisher, *, batch: int = 200, lease_seconds: int = 30,
                 interval: float = 0.5) -> None:
        self.db = db
        self.publisher = publisher
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        self.interval = interval
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self.published = 0

    # -- claiming and marking (each its own short transaction) --------------------------
    def _claimable(self, now):
        q = (select(OutboxEvent)
             .where(col(OutboxEvent.published_at).is_(None))
             .where(or_(col(OutboxEvent.claimed_until).is_(None), col(OutboxEvent.claimed_until) < now))
             .order_by(col(OutboxEvent.position)).limit(self.batch))
        if self.db.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return q

    def claim(self) -> list[CloudEvent]:
        now = utcnow()
        with self.db.session() as s:
            rows = list(s.execute(self._claimable(now)).scalars())
            if not rows:
                return []
            s.execute(update(OutboxEvent).where(col(OutboxEvent.position).in_([r.position for r in rows]))
                      .values(claimed_until=now + self.lease, attempts=col(OutboxEvent.attempts) + 1))
            return [to_cloud_event(r) for r in rows]

    def mark_sent(self, ids: list[str], events: list[CloudEvent] | None = None) -> None:
        """Mark rows published; a publisher with `record_sent(session, events)` (the gateway on NATS,
        which keeps every event in its hub store) records them in the same transaction."""
        with self.db.session() as s:
            s.execute(update(OutboxEvent).where(col(OutboxEvent.id).in_(ids))
                      .values(published_at=utcnow(), claimed_until=None))
            record = getattr(self.publisher, "record_sent", None)
            if record is not None and events:
                record(s, events)

    def release(self, ids: list[str]) -> None:
        with self.db.session() as s:
            s.execute(update(OutboxEvent).where(col(OutboxEvent.id).in_(ids)).values(claimed_until=None))

    def transfer(self) -> int:
        """Claim, publish into the same database and mark sent, in one transaction (a `LocalPublisher`)."""
        now = utcnow()
        with self.db.session() as s:
            rows = list(s.execute(self._claimable(now)).scalars())
            if not rows:
                return 0
            assert isinstance(self.publisher, LocalPublisher)
            self.publisher.publish_in(s, [to_cloud_event(r) for r in rows])
            s.execute(update(OutboxEvent).where(col(OutboxEvent.position).in_([r.position for r in rows]))
                      .values(published_at=now, claimed_until=None, attempts=col(OutboxEvent.attempts) + 1))
        return len(rows)

    async def run_once(self) -> int:
        """Publish one batch. Returns how many events were published."""
        if isinstance(self.publisher, LocalPublisher):
            try:
                n = await anyio.to_thread.run_sync(self.transfer)
            except Exception as e:  # rolled back whole: the rows are still unpublished
                log.warning("outbox transfer failed; will retry", extra={"error": str(e)[:300]})
                return 0
            if n:
                self.published += n
                self.publisher.after_publish()
            return n
        events = await anyio.to_thread.run_sync(self.claim)
        if not events:
            return 0
        ids = [e.id for e in events]
        try:
            await self.publisher.publish(events)
        except Exception as e:
            log.warning("outbox publish failed; will retry", extra={"error": str(e), "count": len(ids)})
            await anyio.to_thread.run_sync(self.release, ids)
            return 0
        await anyio.to_thread.run_sync(self.mark_sent, ids, events)
        self.published += len(ids)
        return len(ids)

    async def drain(self, max_rounds: int = 100) -> int:
        total = 0
        for _ in range(max_rounds):
            n = await self.run_once()
            total += n
            if n == 0:
                break
        return total

    # -- background loop -------------------------------------------------------------------
    def kick(self) -> None:
        """Wake the loop now (called after a commit that emitted events); thread-safe."""
        if self._loop is not None and self._wake is not None:
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:
                pass

    async def _loop_forever(self) -> None:
        wake = self._wake
        assert wake is not None, "start() sets the wake-up event"
        while True:
            try:
                n = await self.run_once()
            except Exception:
                log.exception("outbox relay round failed")
                n = 0
            if n >= self.batch:
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            wake.clear()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop_forever(), name="outbox-relay")

    async def stop(self) -> None:
        await cancel_and_wait([self._task])
        self._task = None
