"""No double booking: a session claims its room, mediators and parties over [start, end + buffer).

Two sessions of one resource conflict when their claims overlap, so the buffer separates them
whichever comes first. The guarantee holds whatever the concurrency:

- PostgreSQL: the insert itself is the check. `resource_claim` has an exclusion constraint
  (btree_gist, `tstzrange(starts_at, ends_at) WITH &&` per resource kind and key); a losing
  concurrent insert fails with 23P01; the request's transaction is rolled back (it answers 409
  anyway) and a fresh read lists who holds the slot. Inserts that may overlap first queue on
  advisory locks (`repository_claims.lock_slots`), so they never deadlock inside the constraint.
- SQLite: every transaction begins with `BEGIN IMMEDIATE` (shared.db), so the check and the
  insert run under the database write lock; no other writer can slip between them.

Which of the two applies is the repository's business (repository_claims.py, and
repository.insert_booking for a new session's claims); this module says what is wanted and what
a conflict answers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from services.mediation.session import repository_claims as repo
from shared.errors import Conflict


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
    keys = list(dict.fromkeys((r.kind, r.key) for r in wanted))
    return labelled(wanted, repo.overlapping(session, keys, start, end, exclude_session=exclude_session))


def labelled(wanted: list[Resource], found: Sequence[Any]) -> list[dict]:
    """Claims found as (kind, key, session id), as a conflict lists them: rooms, mediators, then parties."""
    by_key = {(r.kind, r.key): r for r in wanted}
    order = {"room": 0, "mediator": 1, "party": 2}
    out = [{"resource": kind, "id": by_key[(kind, key)].label, "session_id": sid} for kind, key, sid in found]
    return sorted(out, key=lambda c: order[c["resource"]])


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


def take(session: Session, session_id: str, wanted: list[Resource], start: datetime, end: datetime,
         buffer: timedelta, *, release_first: bool = False, check_names: repo.NameCheck | None = None) -> None:
    """Claim every wanted resource for the session, or raise 409 `slot_conflict` listing each conflict.

    `release_first`: drop the session's current claims in the same step (reschedule: the old slot is freed).
    `check_names(taken)`: the same-name check, run where the database needs it (repository_claims.take).
    """
    until = end + buffer
    found = repo.take(session, session_id, rows_for(session_id, wanted, start, until), start, until,
                      release_first=release_first, check_names=check_names)
    if found:
        raise slot_conflict(labelled(wanted, found))


def release(session: Session, session_id: str) -> None:
    """Free every slot the session holds (cancel, reschedule)."""
    repo.release(session, session_id)


def shorten(session: Session, session_id: str, until: datetime) -> None:
    """A session that ended early (concluded) frees its slot from `until` (its end plus the buffer) on.

    Shrinking a claim can never create an overlap; a claim that starts after `until` is dropped.
    """
    repo.shorten(session, session_id, until)
