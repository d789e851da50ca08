"""Writing events: `emit()` adds the event to the outbox inside the caller's transaction."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from shared.db import utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import OutboxEvent, SubjectSequence

EVENTS_EMITTED = "events_emitted"


SEQUENCES = SubjectSequence.__table__
OUTBOX = OutboxEvent.__table__


def _next_sequence(session: Session, subject: str) -> int:
    if session.get_bind().dialect.name == "postgresql":
        # Without an autoflush: the caller's pending objects and the outbox row go out together
        # in the one flush at commit instead of a flush per event.
        stmt = (pg_insert(SEQUENCES).values(subject=subject, last=1)
                .on_conflict_do_update(index_elements=["subject"], set_={"last": SEQUENCES.c.last + 1})
                .returning(SEQUENCES.c.last))
        with session.no_autoflush:
            return int(session.execute(stmt).scalar_one())
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).
    row = session.get(SubjectSequence, subject)
    if row is None:
        row = SubjectSequence(subject=subject, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return row.last


def emit(session: Session, source: str, type: str, subject: str | None, data: dict[str, Any],
         *, event_id: str | None = None) -> CloudEvent:
    """Record an event in the outbox, in the same transaction as the change it describes.

    It is published only if that transaction commits (the relay reads committed rows).
    """
    seq = _next_sequence(session, subject) if subject else None
    ev = CloudEvent(id=event_id or uuid.uuid4().hex, source=source, type=type, subject=subject,
                    time=utcnow(), data=data, sequence=seq)
    # A Core insert: the unit of work's bookkeeping for an append-only row costs more than the row.
    with session.no_autoflush:
        session.execute(insert(OUTBOX), [{"id": ev.id, "source": source, "type": type, "subject": subject,
                                          "sequence": seq, "time": ev.time, "claimed_until": None,
                                          "published_at": None, "attempts": 0,
                                          "data": ev.model_dump(mode="json")["data"]}])
    session.info[EVENTS_EMITTED] = True
    return ev


def to_cloud_event(row: OutboxEvent) -> CloudEvent:
    return CloudEvent(id=row.id, source=row.source, type=row.type, subject=row.subject, time=row.time,
                      data=row.data, sequence=row.sequence)
