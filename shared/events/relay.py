"""The outbox relay: claims unpublished rows, publishes them, marks them sent.

Claims are leases (`claimed_until`), taken with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several replicas never publish the same row at the same time.
A crash after publish and before mark-sent publishes the row again later:
delivery is at-least-once and consumers dedupe through their inbox.

A publisher that says it shares the outbox's database (`Publisher.same_database`: the
gateway's hub) is fed by `transfer()` instead: claim, store and mark sent in one
transaction, no lease.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import ClassVar

import anyio
from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from shared.background import cancel_and_wait
from shared.db import Database, utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import OutboxEvent
from shared.events.outbox import to_cloud_event

log = logging.getLogger("suite.relay")


class Publisher:
    """Where the relay sends the outbox's events; every publisher derives from this class.

    `same_database = False` (a transport: the hub over HTTP, NATS): the relay claims rows
    under a lease, `publish()`es them, then marks them sent, calling `record_sent()` in
    that transaction. `same_database = True` (the gateway's own hub): the relay claims,
    `publish_in()`s and marks the rows sent in one transaction, so nothing is published
    twice, then calls `after_publish()`.
    """

    same_database: ClassVar[bool] = False

    async def publish(self, events: list[CloudEvent]) -> None:
        raise NotImplementedError

    def publish_in(self, session: Session, events: list[CloudEvent]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not share the outbox's database")

    def after_publish(self) -> None:
        """After a `publish_in()` transaction committed."""

    def record_sent(self, session: Session, events: list[CloudEvent]) -> None:
        """In the transaction that marks `events` sent (after a `publish()`)."""


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
        """Mark rows published; the publisher's `record_sent(session, events)` runs in the same transaction
        (the gateway on NATS keeps every event in its hub store)."""
        with self.db.session() as s:
            s.execute(update(OutboxEvent).where(col(OutboxEvent.id).in_(ids))
                      .values(published_at=utcnow(), claimed_until=None))
            if events:
                self.publisher.record_sent(s, events)

    def release(self, ids: list[str]) -> None:
        with self.db.session() as s:
            s.execute(update(OutboxEvent).where(col(OutboxEvent.id).in_(ids)).values(claimed_until=None))

    def transfer(self) -> int:
        """Claim, publish into the same database and mark sent, in one transaction (`same_database`)."""
        now = utcnow()
        with self.db.session() as s:
            rows = list(s.execute(self._claimable(now)).scalars())
            if not rows:
                return 0
            self.publisher.publish_in(s, [to_cloud_event(r) for r in rows])
            s.execute(update(OutboxEvent).where(col(OutboxEvent.position).in_([r.position for r in rows]))
                      .values(published_at=now, claimed_until=None, attempts=col(OutboxEvent.attempts) + 1))
        return len(rows)

    async def run_once(self) -> int:
        """Publish one batch. Returns how many events were published."""
        if self.publisher.same_database:
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
