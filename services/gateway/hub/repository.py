"""Every query of the event hub."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from services.gateway.hub.models import DEAD, DELIVERED, PENDING, DeadLetter, HubDelivery, HubEvent, HubSubject
from shared.events.envelope import CloudEvent
from shared.events.models import InboxEntry

# Any constant: the PostgreSQL advisory lock that serializes the hub's writes of events,
# so that positions commit in order (the feed's `after=` never skips a late commit).
STORE_LOCK = 0x5E1A_0001


def lock_store(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": STORE_LOCK})


EXISTING_IDS = select(col(HubEvent.id)).where(col(HubEvent.id).in_(bindparam("ids", expanding=True)))  # built once


def existing_ids(session: Session, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(session.execute(EXISTING_IDS, {"ids": list(ids)}).scalars())


def insert_events(session: Session, rows: list[dict]) -> None:
    """Store new events (one executemany: the ORM unit of work costs more than the rows)."""
    session.execute(insert(HubEvent), rows)


def insert_deliveries(session: Session, rows: list[dict]) -> None:
    """The deliveries owed for newly stored events (one executemany)."""
    session.execute(insert(HubDelivery), rows)


def record_applied(session: Session, rows: list[dict]) -> None:
    """Inbox entries of events an in-process consumer applies now (one executemany)."""
    session.execute(insert(InboxEntry), rows)


def advance_subjects(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Move each (source, subject) watermark over every sequence that arrived without a gap.

    Three statements whatever the number of subjects (bulk insert and bulk update by primary key);
    the caller holds the store lock and has flushed the new events.
    """
    if not pairs:
        return {}
    subjects = sorted({subject for _, subject in pairs})
    known = {(src, subj): n for src, subj, n in session.execute(
        select(col(HubSubject.source), col(HubSubject.subject), col(HubSubject.contiguous))
        .where(col(HubSubject.subject).in_(subjects))) if (src, subj) in pairs}
    current = {key: known.get(key, 0) for key in pairs}
    seqs: dict[tuple[str, str], list[int]] = {}
    for source, subject, seq in session.execute(
            select(col(HubEvent.source), col(HubEvent.subject), col(HubEvent.sequence))
            .where(col(HubEvent.subject).in_(subjects), col(HubEvent.sequence).is_not(None))
            .order_by(col(HubEvent.sequence))):
        if (source, subject) in current and seq > current[(source, subject)]:
            seqs.setdefault((source, subject), []).append(seq)
    for key, cur in current.items():
        for seq in seqs.get(key, ()):
            if seq == cur + 1:
                cur = seq
            elif seq > cur + 1:
                break
        current[key] = cur
    new = [{"source": k[0], "subject": k[1], "contiguous": n} for k, n in sorted(current.items()) if k not in known]
    moved = [{"source": k[0], "subject": k[1], "contiguous": n} for k, n in sorted(current.items())
             if k in known and n != known[k]]
    if new:
        session.execute(insert(HubSubject), new)
    if moved:
        session.execute(update(HubSubject), moved)
    return current


def first_owed(session: Session, subscriber: str, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Per (source, subject), the lowest sequence still owed to `subscriber` (pending or dead); one query."""
    if not pairs:
        return {}
    rows = session.execute(
        select(col(HubDelivery.source), col(HubDelivery.subject), func.min(HubDelivery.sequence))
        .where(col(HubDelivery.subscriber) == subscriber,
               col(HubDelivery.source).in_(sorted({p[0] for p in pairs})),
               col(HubDelivery.subject).in_(sorted({p[1] for p in pairs})),
               col(HubDelivery.sequence).is_not(None), col(HubDelivery.status) != DELIVERED)
        .group_by(col(HubDelivery.source), col(HubDelivery.subject)))
    return {(source, subject): seq for source, subject, seq in rows if (source, subject) in pairs}


def _due_deliveries_query(postgres: bool):
    """Built once per dialect (bind parameters `now`, `stale_before`, `batch`): see `due_deliveries`."""
    p = aliased(HubDelivery)
    now: BindParameter[Any] = bindparam("now")
    earlier_open = exists().where(col(p.subscriber) == HubDelivery.subscriber, col(p.source) == HubDelivery.source,
                                  col(p.subject) == HubDelivery.subject, col(p.sequence) < HubDelivery.sequence,
                                  col(p.status) != DELIVERED)
    contiguous = (select(col(HubSubject.contiguous))
                  .where(col(HubSubject.source) == HubDelivery.source,
                         col(HubSubject.subject) == HubDelivery.subject)
                  .scalar_subquery())
    stmt = (select(HubDelivery)
            .where(col(HubDelivery.status) == PENDING, col(HubDelivery.next_attempt_at) <= now,
                   or_(col(HubDelivery.claimed_until).is_(None), col(HubDelivery.claimed_until) < now),
                   or_(col(HubDelivery.sequence).is_(None),
                       and_(~earlier_open,
                            or_(col(HubDelivery.sequence) <= contiguous,
                                col(HubDelivery.created_at) < bindparam("stale_before")))))
            .order_by(col(HubDelivery.position)).limit(bindparam("batch")))
    if postgres:
        stmt = stmt.with_for_update(skip_locked=True, of=HubDelivery)
    return stmt


# Built once: building and keying this query (an aliased self-join) per poll cost more than running it.
DUE_DELIVERIES = {True: _due_deliveries_query(True), False: _due_deliveries_query(False)}


def due_deliveries(session: Session, now: datetime, batch: int, gap_seconds: float) -> list[HubDelivery]:
    """Pending deliveries whose turn has come, locked for this transaction.

    Per (subscriber, source, subject) only the lowest undelivered sequence is due,
    and only once every earlier sequence of that subject has reached the hub (or
    waited longer than `gap_seconds` for it).
    """
    stmt = DUE_DELIVERIES[session.get_bind().dialect.name == "postgresql"]
    params = {"now": now, "stale_before": now - timedelta(seconds=gap_seconds), "batch": batch}
    return list(session.execute(stmt, params).scalars())


def events_by_id(session: Session, ids: list[str]) -> dict[str, CloudEvent]:
    rows = session.execute(select(HubEvent).where(col(HubEvent.id).in_(ids))).scalars()
    return {r.id: to_cloud_event(r) for r in rows}


def to_cloud_event(r: HubEvent) -> CloudEvent:
    return CloudEvent(id=r.id, source=r.source, type=r.type, subject=r.subject, time=r.time, data=r.data,
                      sequence=r.sequence, traceparent=r.traceparent)


def lease(session: Session, positions: list[int], until: datetime) -> None:
    session.execute(update(HubDelivery).where(col(HubDelivery.position).in_(positions)).values(claimed_until=until))


def mark_delivered(session: Session, positions: list[int], now: datetime) -> None:
    if positions:
        session.execute(update(HubDelivery).where(col(HubDelivery.position).in_(positions))
                        .values(status=DELIVERED, delivered_at=now, claimed_until=None, last_error=None))


def deliveries(session: Session, positions: list[int]) -> list[HubDelivery]:
    return list(session.execute(select(HubDelivery).where(col(HubDelivery.position).in_(positions))).scalars())


def dead_letters(session: Session, consumer: str | None, include_replayed: bool, after: str | None,
                 limit: int) -> list[DeadLetter]:
    q = select(DeadLetter)
    if consumer:
        q = q.where(col(DeadLetter.consumer) == consumer)
    if not include_replayed:
        q = q.where(col(DeadLetter.replayed_at).is_(None))
    if after:
        q = q.where(col(DeadLetter.id) > after)
    return list(session.execute(q.order_by(DeadLetter.id).limit(limit + 1)).scalars())


def record_dead_letter(session: Session, row: DeadLetter) -> DeadLetter:
    old = session.execute(select(DeadLetter).where(col(DeadLetter.transport) == row.transport,
                                                   col(DeadLetter.consumer) == row.consumer,
                                                   col(DeadLetter.event_id) == row.event_id)).scalar_one_or_none()
    if old is not None:
        old.error, old.attempts, old.dead_at, old.replayed_at = row.error, row.attempts, row.dead_at, None
        session.flush()
        return old
    session.add(row)
    session.flush()
    return row


def dead_delivery(session: Session, subscriber: str, event_id: str) -> HubDelivery | None:
    return session.execute(select(HubDelivery).where(col(HubDelivery.subscriber) == subscriber,
                                                     col(HubDelivery.event_id) == event_id,
                                                     col(HubDelivery.status) == DEAD)).scalar_one_or_none()


def backlog(session: Session) -> list[tuple[str, int, datetime]]:
    """Per subscriber with deliveries owed: how many, and when the oldest was created (积压)."""
    rows = session.execute(select(col(HubDelivery.subscriber), func.count(), func.min(HubDelivery.created_at))
                           .where(col(HubDelivery.status) == PENDING).group_by(HubDelivery.subscriber)).all()
    return [(sub, n, oldest) for sub, n, oldest in rows]


def dead_letters_waiting(session: Session) -> list[tuple[str, str, int]]:
    """Per (transport, consumer): the dead letters (死信) not replayed."""
    rows = session.execute(select(col(DeadLetter.transport), col(DeadLetter.consumer), func.count())
                           .where(col(DeadLetter.replayed_at).is_(None))
                           .group_by(DeadLetter.transport, DeadLetter.consumer)).all()
    return [(t, c, n) for t, c, n in rows]
