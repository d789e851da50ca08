"""NATS JetStream transport (`EVENT_TRANSPORT=nats`, `NATS_URL`): same contract as the gateway's hub.

- A stream per domain: `<PREFIX>_GATEWAY|MEDIATION|LAWYERS` on subjects
  `<prefix>.<source>.>`; an event travels on `<prefix>.<source>.<type>` with its
  id as `Nats-Msg-Id` (the stream drops a duplicate publish within its window).
- A durable pull consumer per service and stream, explicit acks. A failing event
  is nak'ed with exponential backoff; after `nats_max_deliver` deliveries it goes
  to the dead-letter subject `<prefix>.deadletter.<consumer>` (stream
  `<PREFIX>_DEADLETTER`), which the gateway records, lists and replays.
- Order: a consumer applies sequence n of a (source, subject) only after n-1. It
  reads whole streams (not only the types it handles) so that it sees every
  sequence; each processed sequence leaves a marker in the inbox table (consumer
  `<name>~order`) in the same transaction as the effect. An early event is
  nak'ed with a short delay and comes back.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import orjson
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from shared.background import cancel_and_wait
from shared.db import Database, utcnow
from shared.events.catalog import DOMAINS, streams_for
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers, already_applied, applied_ids
from shared.events.models import InboxEntry
from shared.events.relay import Publisher

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from nats.js import JetStreamContext

log = logging.getLogger("suite.nats")

EARLY_DELAY = 0.3          # seconds before an early event comes back
ORDER_GAP_SECONDS = 300.0  # an event waits at most this long for its predecessor, then applies (logged)


def _token(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


class NatsConnection:
    """One NATS connection per process; streams are created on first use."""

    def __init__(self, settings) -> None:
        self.url = settings.nats_url
        self.prefix = _token(settings.nats_prefix)
        self.max_deliver = settings.nats_max_deliver
        self.backoff_base = settings.nats_backoff_base_seconds
        self.backoff_max = settings.nats_backoff_max_seconds
        self.ack_wait = settings.nats_ack_wait_seconds
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._lock = asyncio.Lock()

    # -- names ---------------------------------------------------------------------------------
    def stream(self, domain: str) -> str:
        return f"{self.prefix.upper()}_{domain.upper()}"

    def subject(self, event: CloudEvent) -> str:
        if event.source not in DOMAINS:
            raise ValueError(f"no stream for source {event.source!r}")
        return f"{self.prefix}.{event.source}.{event.type}"

    def deadletter_subject(self, consumer: str) -> str:
        return f"{self.prefix}.deadletter.{_token(consumer)}"

    # -- connection ----------------------------------------------------------------------------
    async def js(self):
        if self._js is not None and self._nc is not None and self._nc.is_connected:
            return self._js
        async with self._lock:
            if self._js is not None and self._nc is not None and self._nc.is_connected:
                return self._js
            import nats

            self._nc = await nats.connect(self.url, connect_timeout=2, max_reconnect_attempts=-1,
                                          reconnect_time_wait=0.5)
            js = self._nc.jetstream()
            for domain in DOMAINS:
                await self._ensure_stream(js, self.stream(domain), [f"{self.prefix}.{domain}.>"])
            await self._ensure_stream(js, self.stream("deadletter"), [f"{self.prefix}.deadletter.>"])
            self._js = js
            return js

    @staticmethod
    async def _ensure_stream(js, name: str, subjects: list[str]) -> None:
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import BadRequestError

        try:
            await js.add_stream(StreamConfig(name=name, subjects=subjects, storage=StorageType.FILE,
                                             duplicate_window=120.0))
        except BadRequestError:
            await js.stream_info(name)  # exists with another config: keep it

    async def ping(self) -> bool:
        try:
            await self.js()
            return True
        except Exception:
            return False

    async def close(self, timeout: float = 2.0) -> None:
        """Send what is buffered (acks, naks), then close. Not `drain()`: the consumers have stopped by now,
        and a drain waits for the pull subscriptions' inboxes, 30 s (its default) past every SIGTERM."""
        if self._nc is not None:
            try:
                await self._nc.flush(timeout=timeout)  # type: ignore[arg-type]  # nats-py says int; any number works
            except Exception:
                pass
            try:
                await self._nc.close()
            except Exception:
                pass
        self._nc = self._js = None

    # -- publishing ----------------------------------------------------------------------------
    async def publish_one(self, subject: str, payload: bytes, msg_id: str, extra: dict | None = None) -> None:
        js = await self.js()
        await js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id, **(extra or {})}, timeout=5)

    async def publish(self, events: list[CloudEvent]) -> None:
        await asyncio.gather(*(self.publish_one(self.subject(e), orjson.dumps(e.wire()), e.id) for e in events))

    async def replay(self, event: CloudEvent, n: int) -> None:
        """Publish a dead letter again on its own subject (consumers that applied it dedupe)."""
        await self.publish_one(self.subject(event), orjson.dumps(event.wire()), f"{event.id}:replay:{n}")

    async def dead_letter(self, consumer: str, event: CloudEvent, error: str, attempts: int) -> None:
        clean = re.sub(r"[\r\n]+", " ", error)[:500]
        await self.publish_one(self.deadletter_subject(consumer), orjson.dumps(event.wire()),
                               f"dl:{consumer}:{event.id}:{attempts}",
                               {"Suite-Consumer": consumer, "Suite-Error": clean or "error",
                                "Suite-Attempts": str(attempts)})

    def backoff(self, deliveries: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** max(0, deliveries - 1)))

    # -- consuming -----------------------------------------------------------------------------
    async def pull(self, domain: str, durable: str, subject: str | None = None):
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        js = await self.js()
        cfg = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                             max_deliver=-1, ack_wait=self.ack_wait, max_ack_pending=10_000)
        return await js.pull_subscribe(subject or f"{self.prefix}.{domain}.>", durable=durable,
                                       stream=self.stream(domain), config=cfg)

    async def pending(self, domain: str, durable: str) -> int:
        js = await self.js()
        info = await js.consumer_info(self.stream(domain), durable)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def delete_streams(url: str, prefix: str) -> None:
    """Remove the streams of a prefix (a test or benchmark run's own; production never calls this)."""
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for domain in (*DOMAINS, "deadletter"):
            try:
                await js.delete_stream(f"{_token(prefix).upper()}_{domain.upper()}")
            except Exception:
                pass  # never created
    finally:
        await nc.close()


class NatsPublisher(Publisher):
    """The outbox relay's publisher on NATS (waits for every stream ack)."""

    def __init__(self, conn: NatsConnection) -> None:
        self.conn = conn

    async def publish(self, events: list[CloudEvent]) -> None:
        await self.conn.publish(events)


def parse(msg) -> CloudEvent | None:
    try:
        return CloudEvent.model_validate(orjson.loads(msg.data))
    except Exception:
        log.error("undecodable message on %s; terminated", msg.subject)
        return None


# -- ordering markers (in the inbox table, same transaction as the effect) ------------------
def _order_key(consumer: str, event: CloudEvent, sequence: int) -> tuple[str, str]:
    digest = hashlib.sha1(f"{event.source}\x00{event.subject}".encode()).hexdigest()[:32]
    return f"{consumer}~order", f"{digest}:{sequence}"


def _put_marker(s: Session, consumer: str, event: CloudEvent, sequence: int) -> None:
    key = _order_key(consumer, event, sequence)
    if s.get(InboxEntry, key) is None:
        s.add(InboxEntry(consumer=key[0], event_id=key[1], type=event.type, subject=event.subject,
                         applied_at=utcnow()))
        s.flush()


def apply_in_order(db: Database, consumer: str, handlers: EventHandlers, event: CloudEvent,
                   *, force: bool = False) -> str:
    """Apply once and in order: "applied", "duplicate" or "early" (predecessor not yet processed)."""
    try:
        return apply_heads_in_order(db, consumer, handlers, [event], {event.id} if force else set())[event.id]
    except IntegrityError:
        with db.session() as s:
            if already_applied(s, consumer, event.id):
                return "duplicate"
        raise


def apply_heads_in_order(db: Database, consumer: str, handlers: EventHandlers, events: list[CloudEvent],
                         forced: set[str]) -> dict[str, str]:
    """`apply_in_order` for a batch holding at most one event per (source, subject), in one transaction.

    Two lookups for the whole batch (inbox ids, order markers), bulk inserts of the
    inbox rows and markers, then the handlers. Raises if any handler fails (the
    caller then settles each event alone).
    """
    outcome: dict[str, str] = {}
    with db.session() as s:
        order = f"{consumer}~order"
        own = {e.id: _order_key(consumer, e, e.sequence)[1] for e in events
               if e.subject is not None and e.sequence is not None}
        prev = {e.id: _order_key(consumer, e, e.sequence - 1)[1] for e in events
                if e.id in own and e.sequence is not None and e.sequence > 1 and e.id not in forced}
        wanted = set(own.values()) | set(prev.values())
        markers = set(s.execute(select(col(InboxEntry.event_id)).where(
            col(InboxEntry.consumer) == order, col(InboxEntry.event_id).in_(wanted))).scalars())
        applied = applied_ids(s, consumer, [e.id for e in events])
        rows: list[dict] = []
        fresh: list[CloudEvent] = []
        now = utcnow()
        for e in events:
            if e.id in outcome:
                continue
            if e.id in prev and prev[e.id] not in markers:
                outcome[e.id] = "early"
                continue
            if e.id in applied:
                outcome[e.id] = "duplicate"
            else:
                outcome[e.id] = "applied"
                fresh.append(e)
                rows.append({"consumer": consumer, "event_id": e.id, "type": e.type, "subject": e.subject,
                             "applied_at": now})
            if e.id in own and own[e.id] not in markers:
                markers.add(own[e.id])
                rows.append({"consumer": order, "event_id": own[e.id], "type": e.type, "subject": e.subject,
                             "applied_at": now})
        if rows:
            s.execute(insert(InboxEntry), rows)
        if fresh:
            handlers.run(s, fresh)
    return outcome


def skip_in_order(db: Database, consumer: str, event: CloudEvent) -> None:
    """A dead-lettered event: mark its sequence processed so later events of its subject go on."""
    if event.subject is not None and event.sequence is not None:
        with db.session() as s:
            _put_marker(s, consumer, event, event.sequence)


class _Sub:
    def __init__(self, domain: str, durable: str, subject: str | None = None) -> None:
        self.domain, self.durable, self.subject = domain, durable, subject
        self.psub = None


class NatsConsumerBase:
    """Durable pull consumers (one per stream); `pump()` fetches and handles one batch of each."""

    batch = 200

    def __init__(self, conn: NatsConnection, name: str, subs: list[_Sub]) -> None:
        self.conn = conn
        self.name = name
        self.subs = subs
        self._tasks: list[asyncio.Task] = []
        self.processed = 0

    async def _psub(self, sub: _Sub):
        if sub.psub is None:
            sub.psub = await self.conn.pull(sub.domain, sub.durable, sub.subject)
        return sub.psub

    async def _fetch(self, sub: _Sub, timeout: float) -> list:
        from nats.errors import TimeoutError as NatsTimeout

        psub = await self._psub(sub)
        try:
            return await psub.fetch(self.batch, timeout=timeout)
        except (TimeoutError, NatsTimeout):
            return []

    async def handle(self, sub: _Sub, msgs: list) -> int:
        raise NotImplementedError

    async def pump(self, timeout: float = 1.0) -> int:
        """Fetch and handle one batch from each stream that has messages waiting (tests, drains)."""
        total = 0
        for sub in self.subs:
            await self._psub(sub)
            js = await self.conn.js()
            info = await js.consumer_info(self.conn.stream(sub.domain), sub.durable)
            if info.num_pending:
                msgs = await self._fetch(sub, timeout)
            elif info.num_ack_pending:  # nak'ed with a delay: fetch them when they are due
                msgs = await self._fetch(sub, 0.1)
            else:
                continue
            if msgs:
                total += await self.handle(sub, msgs)
        self.processed += total
        return total

    async def pending(self) -> int:
        n = 0
        for sub in self.subs:
            await self._psub(sub)
            n += await self.conn.pending(sub.domain, sub.durable)
        return n

    async def _run(self, sub: _Sub) -> None:
        while True:
            try:
                msgs = await self._fetch(sub, 1.0)
                if msgs:
                    self.processed += await self.handle(sub, msgs)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("nats consumer round failed", extra={"consumer": self.name})
                sub.psub = None
                await asyncio.sleep(0.5)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(sub), name=f"nats-{self.name}-{sub.domain}")
                       for sub in self.subs]

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks = []


class NatsServiceConsumer(NatsConsumerBase):
    """A service's consumer: applies its handlers once and in order, dead-letters after N attempts."""

    def __init__(self, conn: NatsConnection, name: str, handlers: EventHandlers, db: Database,
                 domains: list[str] | None = None) -> None:
        if domains is None:  # the streams of the producers of the types it handles (the event catalog)
            domains = streams_for(handlers.types)
        super().__init__(conn, name, [_Sub(d, _token(name)) for d in domains])
        self.handlers = handlers
        self.db = db
        self._limiter = anyio.CapacityLimiter(8)
        # Failed attempts per event id. JetStream's delivery count also counts the returns of an
        # event that waited for an earlier sequence, which are not failures; a restart starts the
        # count again (more attempts, never fewer).
        self._failures: dict[str, int] = {}

    async def _one(self, msg) -> bool:
        event = parse(msg)
        if event is None:
            await msg.term()
            return False
        meta = msg.metadata
        waited = time.time() - meta.timestamp.timestamp() if meta.timestamp else 0.0
        try:
            outcome = await anyio.to_thread.run_sync(
                lambda: apply_in_order(self.db, self.name, self.handlers, event, force=waited > ORDER_GAP_SECONDS),
                limiter=self._limiter)
        except Exception as e:
            n = self._failures.get(event.id, 0) + 1
            if n >= self.conn.max_deliver:
                log.error("event dead-lettered", extra={"consumer": self.name, "event_id": event.id})
                await self.conn.dead_letter(self.name, event, f"{type(e).__name__}: {e}", n)
                await anyio.to_thread.run_sync(skip_in_order, self.db, self.name, event)
                await msg.ack()
                self._failures.pop(event.id, None)
            else:
                if len(self._failures) > 100_000:
                    self._failures.clear()
                self._failures[event.id] = n
                log.warning("event failed; redelivery with backoff",
                            extra={"consumer": self.name, "event_id": event.id, "error": str(e)[:300]})
                await msg.nak(delay=self.conn.backoff(n))
            return False
        if outcome == "early":
            await msg.nak(delay=EARLY_DELAY)
            return False
        await msg.ack()
        self._failures.pop(event.id, None)
        return True

    async def handle(self, sub: _Sub, msgs: list) -> int:
        """Rounds: the first waiting message of every subject together in one transaction, then the
        second of each, ... (each subject's messages stay in stream order). A round whose batch
        fails is settled message by message, so one bad event holds back only its own subject."""
        groups: dict[Any, list] = defaultdict(list)
        for m in msgs:
            groups[_group(m)].append(m)
        queues = list(groups.values())
        done = 0
        for i in range(max(len(q) for q in queues)):
            heads = [q[i] for q in queues if i < len(q)]
            done += await self._round(heads)
        return done

    async def _round(self, msgs: list) -> int:
        parsed = []
        for m in msgs:
            ev = parse(m)
            if ev is None:
                await m.term()
            else:
                parsed.append((m, ev))
        if len(parsed) <= 1:
            return sum([await self._one(m) for m, _ in parsed])
        now = time.time()
        forced = {ev.id for m, ev in parsed
                  if m.metadata.timestamp and now - m.metadata.timestamp.timestamp() > ORDER_GAP_SECONDS}
        try:
            outcome = await anyio.to_thread.run_sync(apply_heads_in_order, self.db, self.name, self.handlers,
                                                     [ev for _, ev in parsed], forced, limiter=self._limiter)
        except Exception as e:
            log.info("batch apply fell back to one event at a time",
                     extra={"consumer": self.name, "count": len(parsed), "error": f"{type(e).__name__}: {e}"})
            return sum([await self._one(m) for m, _ in parsed])
        done = 0
        for m, ev in parsed:
            if outcome.get(ev.id) == "early":
                await m.nak(delay=EARLY_DELAY)
                continue
            await m.ack()
            self._failures.pop(ev.id, None)
            done += 1
        return done


def _group(msg) -> Any:
    try:
        d = orjson.loads(msg.data)
        return (d.get("source"), d.get("subject")) if d.get("subject") else id(msg)
    except Exception:
        return id(msg)


class NatsStoreConsumer(NatsConsumerBase):
    """The gateway on NATS: records every event of every stream (timeline, webhooks, its own consumers)
    and every dead letter."""

    def __init__(self, conn: NatsConnection, name: str, store: Callable[[list[CloudEvent]], Any],
                 record_dead: Callable[[str, CloudEvent, str, int], Any]) -> None:
        subs = [_Sub(d, _token(name)) for d in DOMAINS] + [_Sub("deadletter", _token(name))]
        super().__init__(conn, name, subs)
        self.store = store
        self.record_dead = record_dead

    async def handle(self, sub: _Sub, msgs: list) -> int:
        parsed = [(m, parse(m)) for m in msgs]
        for m, ev in parsed:
            if ev is None:
                await m.term()
        good = [(m, ev) for m, ev in parsed if ev is not None]
        if not good:
            return 0
        try:
            if sub.domain == "deadletter":
                for m, ev in good:
                    h = m.headers or {}
                    await anyio.to_thread.run_sync(self.record_dead, h.get("Suite-Consumer", "?"), ev,
                                                   h.get("Suite-Error", ""), int(h.get("Suite-Attempts", "0")))
            else:
                await anyio.to_thread.run_sync(self.store, [ev for _, ev in good])
        except Exception as e:
            log.warning("gateway could not store events; redelivery", extra={"error": str(e)[:300]})
            for m, _ in good:
                await m.nak(delay=self.conn.backoff(m.metadata.num_delivered))
            return 0
        for m, _ in good:
            await m.ack()
        return len(good)
