"""Party identity (DOMAIN.md, issue 14): who is the same person when booking and across cases.

Two parties are the same person when both have an ID number and its keyed hashes match; otherwise
when name and phone match. Exact identities are resource claims (`party_key`, see crypto.py) and
conflict like rooms and mediators. What a key cannot decide is checked here: parties of the same
name in overlapping sessions where

- neither has an ID number to tell them apart and both phones are known: the same phone is the same
  person (e.g. one was booked with ID number and phone, the other with the phone only);
- a phone is missing on one side (and the ID numbers cannot tell them apart): they may be the same
  person, so the booking is refused as a conflict to resolve (409 `slot_conflict`, the conflict
  marked `"match": "name"`), never passed silently. Give the phone or the ID number to tell them apart.

On PostgreSQL the check runs under a transaction-scoped advisory lock per name, so two bookings of
the same name cannot both pass it concurrently (SQLite: the write lock of BEGIN IMMEDIATE).
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.mediation.party import repository as repo
from services.mediation.session.models import SessionParty


def verdict(a_id: str | None, a_phone: str | None, b_id: str | None, b_phone: str | None) -> str | None:
    """For two parties of the same name: "same", "possible" (cannot tell) or None (different people)."""
    if a_id and b_id:
        return "same" if a_id == b_id else None
    if a_phone and b_phone:
        return "same" if a_phone == b_phone else None
    return "possible"


def same_name_conflicts(session: Session, parties: list[SessionParty], start: datetime, until: datetime,
                        exclude_session: str, *, names_locked: bool = False) -> list[dict]:
    """Conflicts with same-name parties holding an overlapping claim that the exact keys do not report.

    `names_locked`: the transaction took the name locks already (a booking, with its slot locks)."""
    names = sorted({p.name_key for p in parties if p.name_key})
    if not names:
        return []
    if not names_locked:
        repo.lock_names(session, names)
    found: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for sid, nk, key, id_hash, phone_hash in repo.same_name_claims(session, names, start, until, exclude_session):
        for p in parties:
            if p.name_key != nk or p.party_key == key or (p.name, sid) in seen:
                continue  # another name, or the same key: the claims report it
            v = verdict(p.id_hash, p.phone_hash, id_hash, phone_hash)
            if v is None:
                continue
            seen.add((p.name, sid))
            c = {"resource": "party", "id": p.name, "session_id": sid}
            if v == "possible":
                c["match"] = "name"
            found.append(c)
    return found


def merge(exact: list[dict], extra: list[dict]) -> list[dict]:
    have = {(c["resource"], c["id"], c["session_id"]) for c in exact}
    return exact + [c for c in extra if (c["resource"], c["id"], c["session_id"]) not in have]
