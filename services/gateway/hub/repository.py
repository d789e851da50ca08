"""Every query of the event hub."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from shared.events.envelope import CloudEvent
from services.gateway.hub.models import DEAD, DELIVERED, PENDING, DeadLetter, HubDelivery, HubEvent, HubSubject

# Any constant: the PostgreSQL advisory lock that serializes the hub's writes of events,
# so that positions commit in order (the feed's `after=` never skips a late commit).
STORE_LOCK = 0x5E1A_0001


def lock_store(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": STORE_LOCK})


def existing_ids(session: Session, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(session.execute(select(HubEvent.id).where(HubEvent.id.in_(ids))).scalars())


def advance_subjects(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Move each (source, subject) watermark over every sequence that arrived without a gap.

    Three statements whatever the number of subjects (bulk insert and bulk update by primary key);
    the caller holds the store lock and has flushed the new events.
    """
    if not pairs:
        return {}
    subjects = sorted({subject for _, subject in pairs})
    known = {(src, subj): n for src, subj, n in session.execute(
        select(HubSubject.source, HubSubject.subject, HubSubject.contiguous)
        .where(HubSubject.subject.in_(subjects))) if (src, subj) in pairs}
    current = {key: known.get(key, 0) for key in pairs}
    seqs: dict[tuple[str, str], list[int]] = {}
    for source, subject, seq in session.execute(
            select(HubEvent.source, HubEvent.subject, HubEvent.sequence)
            .where(HubEvent.subject.in_(subjects), HubEvent.sequence.is_not(None))
            .order_by(HubEvent.sequence)):
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
        select(HubDelivery.source, HubDelivery.subject, func.min(HubDelivery.sequence))
        .where(HubDelivery.subscriber == subscriber,
               HubDelivery.source.in_(sorted({p[0] for p in pairs})),
               HubDelivery.subject.in_(sorted({p[1] for p in pairs})),
               HubDelivery.sequence.is_not(None), HubDelivery.status != DELIVERED)
        .group_by(HubDelivery.source, HubDelivery.subject))
    return {(source, subject): seq for source, subject, seq in rows if (source, subject) in pairs}


def due_deliveries(session: Session, now: datetime, batch: int, gap_seconds: float) -> list[HubDelivery]:
    """Pending deliveries whose turn has come, locked for this transaction.

    Per (subscriber, source, subject) only the lowest undelivered sequence is due,
    and only once every earlier sequence of that subject has reached the hub (or
    waited longer than `gap_seconds` for it).
    """
    p = aliased(HubDelivery)
    earlier_open = exists().where(p.subscriber == HubDelivery.subscriber, p.source == HubDelivery.source,
                                  p.subject == HubDelivery.subject, p.sequence < HubDelivery.sequence,
                                  p.status != DELIVERED)
    contiguous = (select(HubSubject.contiguous)
                  .where(HubSubject.source == HubDelivery.source, HubSubject.subject == HubDelivery.subject)
                  .scalar_subquery())
    stmt = (select(HubDelivery)
            .where(HubDelivery.status == PENDING, HubDelivery.next_attempt_at <= now,
                   or_(HubDelivery.claimed_until.is_(None), HubDelivery.claimed_until < now),
                   or_(HubDelivery.sequence.is_(None),
                       and_(~earlier_open,
                            or_(HubDelivery.sequence <= contiguous,
                                HubDelivery.created_at < now - timedelta(seconds=gap_seconds)))))
            .order_by(HubDelivery.position).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=HubDelivery)
    return list(session.execute(stmt).scalars())


def events_by_id(session: Session, ids: list[str]) -> dict[str, CloudEvent]:
    rows = session.execute(select(HubEvent).where(HubEvent.id.in_(ids))).scalars()
    return {r.id: to_cloud_event(r) for r in rows}


def to_cloud_event(r: HubEvent) -> CloudEvent:
    return CloudEvent(id=r.id, source=r.source, type=r.type, subject=r.subject, time=r.time, data=r.data,
                      sequence=r.sequence)


def lease(session: Session, positions: list[int], until: datetime) -> None:
    session.execute(update(HubDelivery).where(HubDelivery.position.in_(positions)).values(claimed_until=until))


def mark_delivered(session: Session, positions: list[int], now: datetime) -> None:
    if positions:
        session.execute(update(HubDelivery).where(HubDelivery.position.in_(positions))
                        .values(status=DELIVERED, delivered_at=now, claimed_until=None, last_error=None))


def deliveries(session: Session, positions: list[int]) -> list[HubDelivery]:
    return list(session.execute(select(HubDelivery).where(HubDelivery.position.in_(positions))).scalars())


def dead_letters(session: Session, consumer: str | None, include_replayed: bool, after: str | None,
                 limit: int) -> list[DeadLetter]:
    q = select(DeadLetter)
    if consumer:
        q = q.where(DeadLetter.consumer == consumer)
    if not include_replayed:
        q = q.where(DeadLetter.replayed_at.is_(None))
    if after:
        q = q.where(DeadLetter.id > after)
    return list(session.execute(q.order_by(DeadLetter.id).limit(limit + 1)).scalars())


def record_dead_letter(session: Session, row: DeadLetter) -> DeadLetter:
    old = session.execute(select(DeadLetter).where(DeadLetter.transport == row.transport,
                                                   DeadLetter.consumer == row.consumer,
                                                   DeadLetter.event_id == row.event_id)).scalar_one_or_none()
    if old is not None:
        old.error, old.attempts, old.dead_at, old.replayed_at = row.error, row.attempts, row.dead_at, None
        session.flush()
        return old
    session.add(row)
    session.flush()
    return row


def dead_delivery(session: Session, subscriber: str, event_id: str) -> HubDelivery | None:
    return session.execute(select(HubDelivery).where(HubDelivery.subscriber == subscriber,
                                                     HubDelivery.event_id == event_id,
                                                     HubDelivery.status == DEAD)).scalar_one_or_none()
