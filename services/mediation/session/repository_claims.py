"""Every query about resource claims (session/claims.py tells what they guarantee).

How a claim is taken depends on the database, and only this module (with `repository.insert_booking`)
knows it: PostgreSQL inserts under advisory slot locks and lets the exclusion constraint decide;
SQLite, holding the write lock since BEGIN IMMEDIATE, reads the conflicts first.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.mediation.party import repository as parties_repo
from services.mediation.session.models import MAX_CLAIM, ResourceClaim
from shared.db import table_of

EXCLUSION_VIOLATION = "23P01"
INSERT_CLAIMS = insert(table_of(ResourceClaim))  # Core, on the table: not the ORM's bulk persistence
# The same-name check (party/identity.py); its arguments: the claims are taken, the name locks are held.
NameCheck = Callable[[bool, bool], None]


def on_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _claims_overlapping(keys: Any, exclude: bool) -> Any:
    """(kind, key, session id) of the claims matching the condition `keys` that overlap [start, end), in
    key and start order; `exclude`: but those of one session."""
    c = table_of(ResourceClaim).c
    q = (select(c.resource_kind, c.resource_key, c.session_id)
         .where(keys, c.starts_at < bindparam("end"), c.ends_at > bindparam("start"),
                c.starts_at > bindparam("floor"))  # no claim lasts a day: an index range
         .order_by(c.resource_kind, c.resource_key, c.starts_at))
    return q.where(c.session_id != bindparam("exclude")) if exclude else q


def _overlapping(exclude: bool) -> Any:
    c = table_of(ResourceClaim).c
    return _claims_overlapping(tuple_(c.resource_kind, c.resource_key).in_(bindparam("keys", expanding=True)),
                               exclude)


# Built once (the booking's hot path: building it per call cost more than running it on SQLite).
OVERLAPPING = {False: _overlapping(False), True: _overlapping(True)}


def _overlapping_each(n: int, exclude: bool) -> Any:
    """SQLite: the same, with the keys as `(kind = ? AND key = ?) OR ...`: SQLite then seeks each key in
    `ix_resource_claim_lookup`, where for `(kind, key) IN (VALUES ...)` it scans every claim starting in the
    day before from `ix_resource_claim_start` (0.03 against 0.2-0.4 ms among 6,000 sessions, inside the
    booking's write lock; tests/mediation/session/test_claims_query_plan.py)."""
    c = table_of(ResourceClaim).c
    each = or_(*(and_(c.resource_kind == bindparam(f"k{i}"), c.resource_key == bindparam(f"v{i}"))
                 for i in range(n)))
    return _claims_overlapping(each, exclude)


OVERLAPPING_EACH: dict[tuple[int, bool], Any] = {}  # SQLite, by (number of keys, excluding a session)


def overlapping(session: Session, keys: list[tuple[str, str]], start: datetime, end: datetime,
                exclude_session: str | None = None) -> Sequence[Any]:
    """(kind, key, session id) of the claims on `keys` ((kind, key)) that overlap [start, end)."""
    if not keys:
        return []
    params: dict[str, Any] = {"start": start, "end": end, "floor": start - MAX_CLAIM}
    if exclude_session:
        params["exclude"] = exclude_session
    if on_postgres(session):
        params["keys"] = keys
        return session.execute(OVERLAPPING[bool(exclude_session)], params).all()
    shape = (len(keys), bool(exclude_session))
    statement = OVERLAPPING_EACH.get(shape)
    if statement is None:
        statement = OVERLAPPING_EACH[shape] = _overlapping_each(*shape)
    for i, (kind, key) in enumerate(keys):
        params[f"k{i}"], params[f"v{i}"] = kind, key
    return session.execute(statement, params).all()


LOCK_SLOTS = text("SELECT count(pg_advisory_xact_lock(hashtextextended(k, 11))) "
                  "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered")
# The name locks (party/repository.py, seed 14) in the order given, then the slot locks sorted: one round trip.
LOCK_NAMES_AND_SLOTS = text(
    "SELECT count(pg_advisory_xact_lock(hashtextextended(u.k, u.seed))) FROM ("
    " SELECT n.k, CAST(:name_seed AS bigint) AS seed, 0 AS g, n.o"
    " FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS n(k, o)"
    " UNION ALL SELECT s.k, CAST(11 AS bigint), 1, 0 FROM unnest(CAST(:keys AS text[])) AS s(k)"
    " ORDER BY 3, 4, 1) AS u")


def lock_slots(session: Session, keys: list[tuple[str, str]], start: datetime, until: datetime,
               names: list[str] | None = None) -> None:
    """PostgreSQL: a transaction advisory lock per wanted resource and UTC day of [start, until), all
    taken in one sorted order, before the claims are inserted.

    Two transactions inserting overlapping claims at once would each insert its row and then wait for
    the other's inside the exclusion constraint: PostgreSQL aborts one with 40P01 (a 503, seen with
    200 bookings of one slot). Queued here instead, the second inserts after the first has committed
    and gets 23P01 (409), or succeeds if the first rolled back. The constraint still decides.

    `names`: the parties' name locks (party/repository.lock_names, sorted) are taken first in the same
    statement, the order every booking takes them in (names, then slots); the caller's same-name check
    then runs with `names_locked`.
    """
    day, days = start.astimezone(UTC).date(), []
    last = (until - timedelta(microseconds=1)).astimezone(UTC).date()
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    slot_keys = sorted({f"{kind}:{key}:{d}" for kind, key in keys for d in days})
    if names:
        session.execute(LOCK_NAMES_AND_SLOTS, {"names": list(names), "keys": slot_keys,
                                               "name_seed": parties_repo.NAME_LOCK_SEED})
        return
    session.execute(LOCK_SLOTS, {"keys": slot_keys})


def guarded(session: Session, session_id: str, keys: list[tuple[str, str]], start: datetime, until: datetime,
            write: Callable[[], None], *, locked: bool = False) -> Sequence[Any]:
    """PostgreSQL: run `write` (which inserts the claims) under the slot locks; on an exclusion violation
    the claims in the way (as `overlapping`), else none.

    The request fails then anyway, so its whole transaction is dropped (no savepoint round trips) and a
    fresh read lists who holds the slot; the winner has committed, since the constraint waited for it.
    `locked`: the caller has taken the slot locks already (`lock_slots`).
    """
    if not locked:
        lock_slots(session, keys, start, until)
    try:
        write()
    except IntegrityError as e:
        if getattr(e.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        session.rollback()
        return overlapping(session, keys, start, until, exclude_session=session_id)
    return []


def take(session: Session, session_id: str, rows: list[dict], start: datetime, until: datetime, *,
         release_first: bool = False, check_names: NameCheck | None = None,
         before_insert: Callable[[], None] | None = None) -> Sequence[Any]:
    """Insert the claim `rows` of a session over [start, until), or return the claims in the way.

    `release_first`: drop the session's current claims in the same step (reschedule). `check_names`
    runs where this database needs it: PostgreSQL before the claims (under its name lock), SQLite
    after them (`taken`), so the many requests that lose a contended slot stop at the claims.
    `before_insert` (SQLite): writes the claims need first (a new session's row), once the slot is
    known to be free, so a request that loses it writes nothing under the write lock.
    """
    keys = list(dict.fromkeys((r["resource_kind"], r["resource_key"]) for r in rows))
    if on_postgres(session):
        if check_names:
            check_names(False, False)

        def write() -> None:
            if release_first:
                release(session, session_id)
            session.execute(INSERT_CLAIMS, rows)
        return guarded(session, session_id, keys, start, until, write)
    # SQLite: this transaction holds the write lock since its BEGIN IMMEDIATE.
    found = overlapping(session, keys, start, until, exclude_session=session_id)
    if found:
        return found
    if before_insert:
        before_insert()
    if release_first:
        release(session, session_id)
    session.execute(INSERT_CLAIMS, rows)
    if check_names:
        check_names(True, False)
    return []


def release(session: Session, session_id: str) -> None:
    """Free every slot the session holds (cancel, reschedule)."""
    session.execute(delete(ResourceClaim).where(col(ResourceClaim.session_id) == session_id))


def shorten(session: Session, session_id: str, until: datetime) -> None:
    """Cut the session's claims at `until`: a claim that starts after it is dropped, the others end there."""
    session.execute(delete(ResourceClaim).where(col(ResourceClaim.session_id) == session_id,
                                                col(ResourceClaim.starts_at) >= until))
    session.execute(update(ResourceClaim).where(col(ResourceClaim.session_id) == session_id,
                                                col(ResourceClaim.ends_at) > until)
                    .values(ends_at=until).execution_options(synchronize_session=False))
