"""No double booking: a session claims its room, mediators and parties over [start, end + buffer).

Two sessions of one resource conflict when their claims overlap, so the buffer separates them
whichever comes first. The guarantee holds whatever the concurrency:

- PostgreSQL: the insert itself is the check. `resource_claim` has an exclusion constraint
  (btree_gist, `tstzrange(starts_at, ends_at) WITH &&` per resource kind and key); a losing
  concurrent insert fails with 23P01; the request's transaction is rolled back (it answers 409
  anyway) and a fresh read lists who holds the slot. Inserts that may overlap first queue on
  advisory locks (`lock_slots`), so they never deadlock inside the constraint.
- SQLite: every transaction begins with `BEGIN IMMEDIATE` (shared.db), so the check and the
  insert below run under the database write lock; no other writer can slip between them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.mediation.session.models import ResourceClaim
from shared.errors import Conflict

EXCLUSION_VIOLATION = "23P01"
MAX_CLAIM = timedelta(hours=24)


@dataclass(frozen=True)
class Resource:
    kind: str    # room | mediator | party
    key: str     # room id, mediator id, party key (name|phone digits)
    label: str   # what the caller named it: room id, mediator id, party name


def resources(room_id: str, mediator_ids: list[str], parties: list[tuple[str, str]]) -> list[Resource]:
    """`parties` as (party key, name)."""
    out = [Resource("room", room_id, room_id)]
    out += [Resource("mediator", m, m) for m in mediator_ids]
    out += [Resource("party", key, name) for key, name in parties]
    return out


def conflicts(session: Session, wanted: list[Resource], start: datetime, end: datetime,
              exclude_session: str | None = None) -> list[dict]:
    """Claims of other sessions that overlap [start, end) on any wanted resource."""
    by_key = {(r.kind, r.key): r for r in wanted}
    q = (select(col(ResourceClaim.resource_kind), col(ResourceClaim.resource_key), col(ResourceClaim.session_id))
         .where(tuple_(col(ResourceClaim.resource_kind), col(ResourceClaim.resource_key)).in_(list(by_key)),
                col(ResourceClaim.starts_at) < end, col(ResourceClaim.ends_at) > start,
                col(ResourceClaim.starts_at) > start - MAX_CLAIM)  # no claim lasts a day: an index range
         .order_by(col(ResourceClaim.resource_kind), col(ResourceClaim.resource_key), col(ResourceClaim.starts_at)))
    if exclude_session:
        q = q.where(col(ResourceClaim.session_id) != exclude_session)
    order = {"room": 0, "mediator": 1, "party": 2}
    found = [{"resource": kind, "id": by_key[(kind, key)].label, "session_id": sid}
             for kind, key, sid in session.execute(q)]
    return sorted(found, key=lambda c: order[c["resource"]])


def slot_conflict(found: list[dict]) -> Conflict:
    names = {"room": "房间", "mediator": "调解员", "party": "当事人"}
    what = ", ".join(f"{c['resource']} {c['id']} (session {c['session_id']})" for c in found[:5])
    detail, detail_zh = f"The slot is taken (buffers included): {what}.", \
        "时段冲突: " + "、".join(sorted({names[c['resource']] for c in found}))
    maybe = sorted({c["id"] for c in found if c.get("match") == "name"})  # party/identity.py
    if maybe:
        detail += (" A party of the same name is booked then and may be the same person (a phone or ID number "
                   "is missing on one side): " + ", ".join(maybe) + ". Check and give the phone or ID number.")
        detail_zh += ("。当事人“" + "”“".join(maybe) + "”在该时段已有同名预约，可能是同一人（一方未登记联系电话或"
                      "身份证号，无法区分），请核实后补充联系电话或身份证号再预约")
    return Conflict(detail, code="slot_conflict", conflicts=found, detail_zh=detail_zh)


def rows_for(session_id: str, wanted: list[Resource], start: datetime, until: datetime) -> list[dict]:
    return [{"session_id": session_id, "resource_kind": r.kind, "resource_key": r.key, "starts_at": start,
             "ends_at": until} for r in wanted]


LOCK_SLOTS = text("SELECT count(pg_advisory_xact_lock(hashtextextended(k, 11))) "
                  "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered")


def lock_slots(session: Session, wanted: list[Resource], start: datetime, until: datetime) -> None:
    """PostgreSQL: a transaction advisory lock per wanted resource and UTC day of [start, until), all
    taken in one sorted order, before the claims are inserted.

    Two transactions inserting overlapping claims at once would each insert its row and then wait for
    the other's inside the exclusion constraint: PostgreSQL aborts one with 40P01 (a 503, seen with
    200 bookings of one slot). Queued here instead, the second inserts after the first has committed
    and gets 23P01 (409), or succeeds if the first rolled back. The constraint still decides.
    """
    day, days = start.astimezone(UTC).date(), []
    last = (until - timedelta(microseconds=1)).astimezone(UTC).date()
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    keys = sorted({f"{r.kind}:{r.key}:{d}" for r in wanted for d in days})
    session.execute(LOCK_SLOTS, {"keys": keys})


def guarded(session: Session, session_id: str, wanted: list[Resource], start: datetime, until: datetime,
            write: Callable[[], None]) -> None:
    """PostgreSQL: run `write` (which inserts the claims); an exclusion violation becomes 409 `slot_conflict`.

    The request fails anyway, so its whole transaction is dropped (no savepoint round trips) and a fresh
    read lists who holds the slot; the winner has committed, since the constraint waited for it.
    """
    lock_slots(session, wanted, start, until)
    try:
        write()
    except IntegrityError as e:
        if getattr(e.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        session.rollback()
        raise slot_conflict(conflicts(session, wanted, start, until, exclude_session=session_id)) from None


def take(session: Session, session_id: str, wanted: list[Resource], start: datetime, end: datetime,
         buffer: timedelta, *, release_first: bool = False) -> None:
    """Claim every wanted resource for the session, or raise 409 `slot_conflict` listing each conflict.

    `release_first`: drop the session's current claims in the same step (reschedule: the old slot is freed).
    """
    until = end + buffer
    rows = rows_for(session_id, wanted, start, until)
    if session.get_bind().dialect.name == "postgresql":
        def write() -> None:
            if release_first:
                release(session, session_id)
            session.execute(insert(ResourceClaim), rows)
        guarded(session, session_id, wanted, start, until, write)
        return
    # SQLite: this transaction holds the write lock since its BEGIN IMMEDIATE.
    found = conflicts(session, wanted, start, until, exclude_session=session_id)
    if found:
        raise slot_conflict(found)
    if release_first:
        release(session, session_id)
    session.execute(insert(ResourceClaim), rows)


def release(session: Session, session_id: str) -> None:
    """Free every slot the session holds (cancel, reschedule)."""
    session.execute(delete(ResourceClaim).where(col(ResourceClaim.session_id) == session_id))


def shorten(session: Session, session_id: str, until: datetime) -> None:
    """A session that ended early (concluded) frees its slot from `until` (its end plus the buffer) on.

    Shrinking a claim can never create an overlap; a claim that starts after `until` is dropped.
    """
    session.execute(delete(ResourceClaim).where(col(ResourceClaim.session_id) == session_id,
                                                col(ResourceClaim.starts_at) >= until))
    session.execute(update(ResourceClaim).where(col(ResourceClaim.session_id) == session_id,
                                                col(ResourceClaim.ends_at) > until)
                    .values(ends_at=until).execution_options(synchronize_session=False))

