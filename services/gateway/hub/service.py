"""The gateway's event hub (事件中心): stores every event once and pushes it to each subscriber.

- `store()` writes each new event (id = dedupe key), one delivery row per
  subscriber that wants its type, and what the `on_stored` hooks add (the webhook
  deliveries), in one transaction.
  The gateway's in-process consumers apply the events whose turn has come in that
  same transaction (a savepoint; see `_apply_inline`), and on the hub transport
  what they emit is stored there too.
- `deliver_pending()` claims due rows (`shared.jobs.claim`, FOR UPDATE SKIP
  LOCKED on PostgreSQL, plus a lease), pushes them, and marks them delivered or
  schedules a retry with exponential backoff; after `hub_max_attempts` a row is
  dead (a dead letter, listed and replayable).
- Order: per (subscriber, source, subject) sequence n+1 is never pushed before n
  was delivered (see repository.due_deliveries).

The hub knows none of its consumers: the gateway's main.py registers the in-process
ones (`register`) and the hooks run on every stored batch (`on_stored`).
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import anyio
from fastapi import FastAPI
from sqlmodel import Session

from services.gateway.hub import repository as repo
from services.gateway.hub.models import DEAD, DELIVERED, PENDING, DeadLetter, HubDelivery
from services.gateway.hub.subscriptions import Subscription, default_subscriptions
from shared.background import cancel_and_wait
from shared.db import Database, utcnow
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers, apply_events
from shared.events.outbox import DIRECT_SINK
from shared.events.outbox import PENDING as OUTBOX_PENDING
from shared.events.relay import Publisher

log = logging.getLogger("suite.hub")
# Run with every batch of newly stored events, in the store's transaction (e.g. queue the webhooks).
StoredHook = Callable[[Session, list[CloudEvent]], Any]


def _failed_ids(r) -> dict[str, str]:
    """The events a consumer answered as failed (`{"failed": [{"id", "error"}]}`), by id."""
    try:
        body = r.json()
    except ValueError:
        return {}
    failed = body.get("failed") if isinstance(body, dict) else None
    if not isinstance(failed, list):
        return {}
    return {str(f.get("id")): f"consumer failed: {f.get('error') or 'error'}" for f in failed if isinstance(f, dict)}


def dead_letter_id(now: datetime) -> str:
    """Time-ordered opaque id (sorts by death time)."""
    return f"{int(now.timestamp() * 1_000_000):015x}{uuid.uuid4().hex[:12]}"


class Hub:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.settings = app.state.settings
        self.internal: dict[str, EventHandlers] = {}
        self._on_stored: list[StoredHook] = []
        self.subscriptions: list[Subscription] = default_subscriptions(self.settings, self.internal)
        self.push_remote = self.settings.event_transport == "hub"  # on NATS the services pull themselves
        self._token: tuple[str, float] | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._limiter = anyio.CapacityLimiter(8)
        self.stored = 0

    @property
    def db(self) -> Database:
        return self.app.state.db

    def register(self, name: str, handlers: EventHandlers) -> None:
        """An in-process consumer `name`: the hub applies the types `handlers` handle through its inbox."""
        handlers.tracing = getattr(self.app.state, "tracing", None)  # spans continue each event's trace
        self.internal[name] = handlers
        self.reset_subscriptions()

    def on_stored(self, hook: StoredHook) -> None:
        """Run `hook(session, events)` with every batch of newly stored events, in the store's transaction."""
        self._on_stored.append(hook)

    def reset_subscriptions(self) -> None:
        self.subscriptions = default_subscriptions(self.settings, self.internal)

    def subscribers_for(self, event: CloudEvent) -> list[Subscription]:
        return [s for s in self.subscriptions if s.wants(event) and (self.push_remote or not s.remote)]

    # -- storing -------------------------------------------------------------------------------
    def store(self, events: list[CloudEvent], now: datetime | None = None) -> tuple[int, int]:
        """Store new events with their delivery rows; returns (stored, duplicates). One transaction."""
        with self.db.session() as s:
            stored = self.store_in(s, events, now)
        if stored:
            self.kick()
        return stored, len(events) - stored

    def store_in(self, s: Session, events: list[CloudEvent], now: datetime | None = None) -> int:
        """Store `events` in the caller's transaction (under the store lock); returns how many were new.

        The gateway's own consumers apply what is already in order right here, in a savepoint
        (their delivery rows are written as delivered); on the hub transport the events they
        emit are stored in this same transaction too (`DIRECT_SINK`).
        """
        now = now or utcnow()
        ids = [e.id for e in events]
        if not ids or len(repo.existing_ids(s, ids)) == len(set(ids)):
            return 0  # every one stored already (a redelivery): no store lock needed
        repo.lock_store(s)
        if self.push_remote:  # the gateway's own events go to this hub, not to NATS
            s.info[DIRECT_SINK] = self._sink
        seen = repo.existing_ids(s, ids)  # again under the lock: a concurrent store may have won
        subjects: set[tuple[str, str]] = set()
        fresh: list[tuple[CloudEvent, list[Subscription]]] = []
        event_rows: list[dict] = []
        for ev in events:
            if ev.id in seen:
                continue
            seen.add(ev.id)
            fresh.append((ev, self.subscribers_for(ev)))
            event_rows.append({"id": ev.id, "source": ev.source, "type": ev.type, "subject": ev.subject,
                               "sequence": ev.sequence, "time": ev.time, "data": ev.data, "received_at": now,
                               "traceparent": ev.traceparent})
            if ev.subject is not None and ev.sequence is not None:
                subjects.add((ev.source, ev.subject))
        # Core bulk inserts (one executemany each): the ORM unit of work costs more than the rows.
        if event_rows:
            repo.insert_events(s, event_rows)
        watermarks = repo.advance_subjects(s, subjects)
        applied = self._apply_inline(s, fresh, watermarks, now)
        delivery_rows: list[dict] = []
        for ev, subs in fresh:
            for sub in subs:
                done = ev.id in applied.get(sub.name, ())
                delivery_rows.append({"subscriber": sub.name, "event_id": ev.id, "source": ev.source,
                                      "subject": ev.subject, "sequence": ev.sequence,
                                      "status": DELIVERED if done else PENDING, "attempts": 0,
                                      "next_attempt_at": now, "created_at": now,
                                      "delivered_at": now if done else None})
        if delivery_rows:
            repo.insert_deliveries(s, delivery_rows)
        if fresh:
            for hook in self._on_stored:
                hook(s, [ev for ev, _ in fresh])
        metrics = getattr(self.app.state, "metrics", None)
        if metrics is not None:
            for ev, _ in fresh:
                metrics.events.labels(metrics.service, "stored", ev.type).inc()
        self.stored += len(fresh)
        return len(fresh)

    def _sink(self, s: Session, events: list[CloudEvent]) -> None:
        """`DIRECT_SINK`: events emitted inside a store transaction are stored in it as well."""
        self.store_in(s, events)

    def _apply_inline(self, s: Session, fresh: list[tuple[CloudEvent, list[Subscription]]],
                      watermarks: dict[tuple[str, str], int], now: datetime) -> dict[str, set[str]]:
        """Apply new events to the in-process consumers now, when their turn has come; ids applied, by consumer.

        An event is due when every earlier sequence of its (source, subject) has arrived and
        nothing earlier is still owed to that consumer (the rule of `repo.due_deliveries`,
        without the gap timeout). The consumer's inbox rows and effects go in one savepoint:
        if a handler fails, the savepoint rolls back and the events stay pending for the
        delivery loop, which retries them (one by one) with backoff and dead letters.
        """
        out: dict[str, set[str]] = {}
        for sub in self.subscriptions:
            if sub.handlers is None:
                continue
            wanted = [ev for ev, subs in fresh if any(x is sub for x in subs)]
            if not wanted:
                continue
            due = [ev for ev in wanted if ev.subject is None or ev.sequence is None]
            keyed: dict[tuple[str, str], list[tuple[int, CloudEvent]]] = defaultdict(list)
            for ev in wanted:
                if ev.subject is not None and ev.sequence is not None:
                    keyed[(ev.source, ev.subject)].append((ev.sequence, ev))
            owed = repo.first_owed(s, sub.name, set(keyed))
            for key, evs in keyed.items():
                first_owed = owed.get(key)
                for seq, ev in sorted(evs, key=lambda pair: pair[0]):
                    if seq > watermarks.get(key, 0) or (first_owed is not None and first_owed < seq):
                        break  # a gap or an earlier event still owed: the delivery loop takes it in turn
                    due.append(ev)
            if not due:
                continue
            pending = s.info.get(OUTBOX_PENDING)
            mark = len(pending) if pending else 0
            try:
                with s.begin_nested():
                    repo.record_applied(s, [{"consumer": sub.name, "event_id": ev.id, "type": ev.type,
                                             "subject": ev.subject, "applied_at": now} for ev in due])
                    sub.handlers.run(s, due)
            except Exception as e:
                pending = s.info.get(OUTBOX_PENDING)
                if pending:
                    del pending[mark:]  # the events the rolled-back handlers emitted
                log.info("inline apply failed; the delivery loop retries",
                         extra={"consumer": sub.name, "count": len(due), "error": f"{type(e).__name__}: {e}"[:300]})
                continue
            out[sub.name] = {ev.id for ev in due}
        return out

    # -- delivering ----------------------------------------------------------------------------
    def claim(self, now: datetime) -> list[tuple[HubDelivery, CloudEvent]]:
        st = self.settings
        with self.db.session() as s:
            rows = repo.due_deliveries(s, now, st.hub_batch, st.hub_order_gap_seconds)
            if not rows:
                return []
            repo.lease(s, [r.stored_position for r in rows], now + timedelta(seconds=st.hub_lease_seconds))
            events = repo.events_by_id(s, list({r.event_id for r in rows}))
            return [(r, events[r.event_id]) for r in rows if r.event_id in events]

    def backoff(self, attempts: int) -> float:
        st = self.settings
        delay = min(st.hub_backoff_max_seconds, st.hub_backoff_base_seconds * (2 ** max(0, attempts - 1)))
        return delay * random.uniform(0.8, 1.2)

    def settle(self, delivered: list[int], failed: dict[int, str], now: datetime) -> None:
        """Mark pushes done, or schedule their retry (dead after `hub_max_attempts`)."""
        with self.db.session() as s:
            repo.mark_delivered(s, delivered, now)
            for row in repo.deliveries(s, list(failed)):
                row.attempts += 1
                row.last_error = failed[row.stored_position][:2000]
                row.claimed_until = None
                if row.attempts >= self.settings.hub_max_attempts:
                    row.status = DEAD
                    event = repo.events_by_id(s, [row.event_id]).get(row.event_id)
                    repo.record_dead_letter(s, DeadLetter(
                        id=dead_letter_id(now), transport="hub", consumer=row.subscriber, event_id=row.event_id,
                        event=event.wire() if event else {}, error=row.last_error, attempts=row.attempts,
                        dead_at=now))
                    log.warning("hub delivery dead", extra={"subscriber": row.subscriber, "event_id": row.event_id})
                else:
                    row.next_attempt_at = now + timedelta(seconds=self.backoff(row.attempts))

    def service_token(self) -> str:
        """The gateway's own `service` token for pushing to the services' inboxes."""
        if self._token is None or time.time() > self._token[1] - 300:
            token, ttl = self.app.state.signer.issue("gateway", "gateway", ["service"])
            self._token = (token, time.time() + ttl)
        return self._token[0]

    async def _push_remote(self, sub: Subscription, items: list[tuple[HubDelivery, CloudEvent]],
                           delivered: list[int], failed: dict[int, str]) -> None:
        body = {"events": [ev.wire() for _, ev in items]}
        assert sub.url is not None  # a remote subscription
        try:
            r = await self.app.state.http.post(
                sub.url.rstrip("/") + "/internal/events", json=body,
                headers={"Authorization": f"Bearer {self.service_token()}"},
                timeout=self.settings.hub_push_timeout_seconds)
            if 200 <= r.status_code < 300:
                refused = _failed_ids(r)
                for d, ev in items:
                    if ev.id in refused:
                        failed[d.stored_position] = refused[ev.id]
                    else:
                        delivered.append(d.stored_position)
                return
            error = f"HTTP {r.status_code}: {r.text[:300]}"
        except Exception as e:  # connection refused, timeout, ...
            error = f"{type(e).__name__}: {e}"
        for d, _ in items:
            failed[d.stored_position] = error

    async def _apply_internal(self, sub: Subscription, items: list[tuple[HubDelivery, CloudEvent]],
                              delivered: list[int], failed: dict[int, str]) -> None:
        """The gateway's own consumers: the batch in one transaction (per event when one fails)."""
        assert sub.handlers is not None  # an in-process subscription
        result = await anyio.to_thread.run_sync(apply_events, self.db, sub.name, sub.handlers,
                                                [ev for _, ev in items], limiter=self._limiter)
        for d, ev in items:
            outcome = result.get(ev.id)
            if isinstance(outcome, Exception):
                log.error("in-process consumer failed", exc_info=outcome,
                          extra={"consumer": sub.name, "event_id": ev.id})
                failed[d.stored_position] = f"{type(outcome).__name__}: {outcome}"
            else:
                delivered.append(d.stored_position)

    async def run_once(self, now: datetime | None = None) -> tuple[int, int]:
        """One round: claim, push, settle. Returns (claimed, delivered)."""
        now = now or utcnow()
        claimed = await anyio.to_thread.run_sync(self.claim, now)
        if not claimed:
            return 0, 0
        by_sub: dict[str, list[tuple[HubDelivery, CloudEvent]]] = defaultdict(list)
        for d, ev in claimed:
            by_sub[d.subscriber].append((d, ev))
        subs = {s.name: s for s in self.subscriptions}
        delivered: list[int] = []
        failed: dict[int, str] = {}
        async with anyio.create_task_group() as tg:
            for name, items in by_sub.items():
                sub = subs.get(name)
                if sub is None:
                    for d, _ in items:
                        failed[d.stored_position] = f"no subscription named {name!r}"
                elif sub.remote:
                    tg.start_soon(self._push_remote, sub, items, delivered, failed)
                else:
                    tg.start_soon(self._apply_internal, sub, items, delivered, failed)
        await anyio.to_thread.run_sync(self.settle, delivered, failed, now)
        return len(claimed), len(delivered)

    async def deliver_pending(self, now: datetime | None = None, max_rounds: int = 1000) -> int:
        """Push everything that is due (used by tests and the background loop); returns deliveries made."""
        total = 0
        for _ in range(max_rounds):
            claimed, delivered = await self.run_once(now)
            total += delivered
            if claimed == 0:
                break
        return total

    # -- dead letters --------------------------------------------------------------------------
    def replay_hub(self, s: Session, dl: DeadLetter, now: datetime) -> None:
        row = repo.dead_delivery(s, dl.consumer, dl.event_id)
        if row is not None:
            row.status, row.attempts, row.next_attempt_at, row.claimed_until = PENDING, 0, now, None

    # -- background loop -----------------------------------------------------------------------
    def kick(self) -> None:
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
                claimed, _ = await self.run_once()
            except Exception:
                log.exception("hub delivery round failed")
                claimed = 0
            if claimed >= self.settings.hub_batch:
                continue
            if claimed:
                continue  # a delivery may have released the next event of a subject
            try:
                await asyncio.wait_for(wake.wait(), timeout=self.settings.hub_interval_seconds)
            except TimeoutError:
                pass
            wake.clear()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop_forever(), name="hub-delivery")

    async def stop(self) -> None:
        await cancel_and_wait([self._task])
        self._task = None


class LocalHubPublisher(Publisher):
    """The gateway's relay publishes its own outbox straight into the local hub (same process)."""

    same_database = True

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def publish(self, events: list[CloudEvent]) -> None:
        hub: Hub = self.app.state.hub
        await anyio.to_thread.run_sync(hub.store, events)

    def publish_in(self, session: Session, events: list[CloudEvent]) -> None:
        """Store the outbox rows the relay claimed in that same transaction (one database)."""
        self.app.state.hub.store_in(session, events)

    def after_publish(self) -> None:
        self.app.state.hub.kick()


class GatewayNatsPublisher(Publisher):
    """The gateway's relay on NATS: publishes, then stores the events in the hub as it marks them sent
    (one transaction), so its own events reach the timeline and webhooks without waiting for their
    round trip through NATS; the store consumer later finds them stored (a duplicate, no lock)."""

    def __init__(self, app: FastAPI) -> None:
        from shared.events.nats import NatsPublisher

        self.app = app
        self.nats = NatsPublisher(app.state.nats)

    async def publish(self, events: list[CloudEvent]) -> None:
        await self.nats.publish(events)

    def record_sent(self, session: Session, events: list[CloudEvent]) -> None:
        try:
            with session.begin_nested():  # a failure here must not keep the rows from being marked sent
                self.app.state.hub.store_in(session, events)
        except Exception as e:  # the store consumer stores them when they come back from NATS
            log.warning("published events not stored at once", extra={"error": f"{type(e).__name__}: {e}"[:300]})


def gateway_publisher(app: FastAPI) -> Publisher:
    """The gateway's own outbox goes to NATS on `EVENT_TRANSPORT=nats`, else straight into the local hub."""
    if getattr(app.state, "nats", None) is not None:
        return GatewayNatsPublisher(app)
    return LocalHubPublisher(app)


def record_nats_dead_letter(app: FastAPI, consumer: str, event: CloudEvent, error: str, attempts: int) -> None:
    now = utcnow()
    with app.state.db.session() as s:
        repo.record_dead_letter(s, DeadLetter(id=dead_letter_id(now), transport="nats", consumer=consumer,
                                              event_id=event.id, event=event.wire(), error=error,
                                              attempts=attempts, dead_at=now))


def hub_startup(app: FastAPI, hub: Hub) -> None:
    """Install `hub` (its consumers registered) as `app.state.hub`; on NATS, the consumer that records every
    event; its delivery loop when jobs run."""
    app.state.hub = hub
    if getattr(app.state, "nats", None) is not None:
        from shared.events.nats import NatsStoreConsumer

        app.state.event_consumer = NatsStoreConsumer(
            app.state.nats, app.state.settings.service_name, hub.store,
            lambda consumer, ev, err, n: record_nats_dead_letter(app, consumer, ev, err, n))
    if app.state.settings.jobs_enabled:
        hub.start()


async def hub_shutdown(app: FastAPI) -> None:
    hub = getattr(app.state, "hub", None)
    if hub is not None:
        await hub.stop()
