"""Writing events: `emit()` adds the event to the outbox inside the caller's transaction.

The rows are written just before that transaction commits (`write_pending`, a
`before_commit` hook on every session): one statement numbers every case's events (the per-subject
`sequence`) and one inserts all the rows, however many events the transaction
emitted. A transaction that rolls back writes none.
"""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy import bindparam, event, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from shared.db import table_of, utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import OutboxEvent, SubjectSequence
from shared.tracing import current_traceparent

EVENTS_EMITTED = "events_emitted"
PENDING = "outbox_pending"  # session.info: rows emitted in this transaction, not yet written
# session.info: `sink(session, events)` that delivers this transaction's events in the transaction
# itself (the gateway's hub, same database). Their outbox rows are then written as published.
DIRECT_SINK = "outbox_direct_sink"
MAX_SINK_ROUNDS = 8  # a sink's consumers may emit again; a chain never needs more rounds than this

SEQUENCES = table_of(SubjectSequence)
OUTBOX = table_of(OutboxEvent)


def _upsert(values, dialect_insert=pg_insert):
    stmt = dialect_insert(SEQUENCES).values(values)
    return (stmt.on_conflict_do_update(index_elements=["subject"],
                                       set_={"last": SEQUENCES.c.last + stmt.excluded.last})
            .returning(SEQUENCES.c.subject, SEQUENCES.c.last))


INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
# Built once per database: the common case, one subject.
RESERVE_ONE = {name: _upsert({"subject": bindparam("subject"), "last": bindparam("n")}, dialect_insert)
               for name, dialect_insert in INSERTS.items()}
INSERT_OUTBOX = insert(OUTBOX)


def _reserve(session: Session, counts: dict[str, int]) -> dict[str, int]:
    """Reserve `n` sequence numbers per subject; returns the last number reserved for each.

    One upsert for every subject, on both databases (SQLite 3.35+ has `ON CONFLICT ... RETURNING`).
    PostgreSQL holds the row locks until commit, so concurrent writers of a subject number one after
    the other (sorted, so they never deadlock); on SQLite the transaction holds the write lock already.
    """
    name = session.get_bind().dialect.name
    if len(counts) == 1:
        ((subject, n),) = counts.items()
        stmt, params = RESERVE_ONE[name], {"subject": subject, "n": n}
    else:
        stmt, params = _upsert([{"subject": s, "last": n} for s, n in sorted(counts.items())], INSERTS[name]), None
    with session.no_autoflush:
        return {s: int(last) for s, last in session.execute(stmt, params).all()}


def emit(session: Session, source: str, type: str, subject: str | None, data: dict[str, Any],
         *, event_id: str | None = None, traceparent: str | None = None) -> CloudEvent:
    """Record an event in the outbox, in the same transaction as the change it describes.

    It is published only if that transaction commits (the relay reads committed rows).
    Its `sequence` is set when the transaction commits (`write_pending`). It carries the trace
    context of the current span (shared/tracing.py), or `traceparent` when the work is done for a
    request in another task (the handoff intake's writers).
    """
    traceparent = traceparent or current_traceparent()  # the trace goes on with the event
    ev = CloudEvent(id=event_id or uuid.uuid4().hex, source=source, type=type, subject=subject,
                    time=utcnow(), data=data, traceparent=traceparent)
    session.info.setdefault(PENDING, []).append((ev, {
        "id": ev.id, "source": source, "type": type, "subject": subject, "sequence": None, "time": ev.time,
        "claimed_until": None, "published_at": None, "attempts": 0, "data": ev.model_dump(mode="json")["data"],
        "traceparent": traceparent}))
    session.info[EVENTS_EMITTED] = True
    return ev


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Number and insert the events emitted in this transaction (runs right before commit).

    With a `DIRECT_SINK` in `session.info` the events are also handed to it here, in the
    same transaction, and their rows are written already published; whatever the sink's own
    consumers emit is written in the next round.
    """
    for _ in range(MAX_SINK_ROUNDS):
        pending = session.info.pop(PENDING, None)
        if not pending:
            return
        sink = session.info.get(DIRECT_SINK)
        _write(session, pending, published=sink is not None)
        if sink is None:
            return
        sink(session, [ev for ev, _ in pending])
    if session.info.get(PENDING):  # pragma: no cover - a consumer loop; the relay publishes the rest
        session.info.pop(DIRECT_SINK, None)
        _write(session, session.info.pop(PENDING), published=False)


def _write(session: Session, pending: list, *, published: bool) -> None:
    rows = [row for _, row in pending]
    counts = Counter(r["subject"] for r in rows if r["subject"])
    if counts:
        last = _reserve(session, counts)
        next_of = {s: last[s] - n + 1 for s, n in counts.items()}
        for ev, r in pending:  # in emit order: a case's events keep the order they were emitted in
            if r["subject"]:
                r["sequence"] = ev.sequence = next_of[r["subject"]]
                next_of[r["subject"]] += 1
    if published:
        now = utcnow()
        for r in rows:
            r["published_at"] = now
    # A Core insert: the unit of work's bookkeeping for append-only rows costs more than the rows.
    with session.no_autoflush:
        session.execute(INSERT_OUTBOX, rows)


def to_cloud_event(row: OutboxEvent) -> CloudEvent:
    return CloudEvent(id=row.id, source=row.source, type=row.type, subject=row.subject, time=row.time,
                      data=row.data, sequence=row.sequence, traceparent=row.traceparent)
