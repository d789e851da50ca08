"""Every query of the conflict register."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.lawyers.conflict.models import ConflictEntry, ConflictWaiver


def get(session: Session, conflict_id: str) -> ConflictEntry | None:
    return session.get(ConflictEntry, conflict_id)


def by_party_keys(session: Session, keys: list[str], lawyer_ids: list[str] | None = None) -> list[ConflictEntry]:
    if not keys:
        return []
    q = select(ConflictEntry).where(col(ConflictEntry.party_key).in_(keys))
    if lawyer_ids is not None:
        q = q.where(col(ConflictEntry.lawyer_id).in_(lawyer_ids))
    return list(session.execute(q).scalars())


def waivers_for(session: Session, conflict_ids: list[str]) -> list[ConflictWaiver]:
    if not conflict_ids:
        return []
    return list(session.execute(select(ConflictWaiver).where(col(ConflictWaiver.conflict_id).in_(conflict_ids)))
                .scalars())


def of_lawyer(session: Session, lawyer_id: str) -> list[ConflictEntry]:
    return list(session.execute(select(ConflictEntry).where(col(ConflictEntry.lawyer_id) == lawyer_id)
                                .order_by(col(ConflictEntry.created_at), col(ConflictEntry.id))).scalars())
