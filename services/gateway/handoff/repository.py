"""Every query of the handoff feature."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from services.gateway.handoff.models import REQUESTED, Handoff, HandoffStep
from shared.db import table_of

HANDOFFS, STEPS = table_of(Handoff), table_of(HandoffStep)


def get(session: Session, handoff_id: str) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def many(session: Session, ids: list[str]) -> list[Handoff]:
    return list(session.execute(select(Handoff).where(col(Handoff.id).in_(ids))).scalars())


def by_origin(session: Session, origin: str) -> Handoff | None:
    return session.execute(select(Handoff).where(col(Handoff.origin) == origin)).scalar_one_or_none()


def by_origins(session: Session, origins: list[str]) -> dict[str, Handoff]:
    """The handoffs already recorded for these origins (one query)."""
    rows = session.execute(select(Handoff).where(col(Handoff.origin).in_(origins))).scalars()
    return {h.origin: h for h in rows}


def latest_for_case(session: Session, case_no: str) -> Handoff | None:
    return session.execute(select(Handoff).where(col(Handoff.case_no) == case_no)
                           .order_by(col(Handoff.requested_at).desc()).limit(1)).scalar_one_or_none()


def for_case(session: Session, case_no: str, client_id: str | None, after: list | None, limit: int) -> list[Handoff]:
    q = select(Handoff).where(col(Handoff.case_no) == case_no)
    if client_id is not None:
        q = q.where(col(Handoff.client_id) == client_id)
    if after:
        q = q.where(Handoff.id > after[0])
    return list(session.execute(q.order_by(Handoff.id).limit(limit + 1)).scalars())


def history(session: Session, handoff_id: str) -> list[HandoffStep]:
    return list(session.execute(select(HandoffStep).where(col(HandoffStep.handoff_id) == handoff_id)
                                .order_by(col(HandoffStep.position))).scalars())


def expired_candidates(now: datetime, limit: int):
    return (select(Handoff).where(col(Handoff.status) == REQUESTED, col(Handoff.expires_at) <= now)
            .order_by(col(Handoff.expires_at)).limit(limit))


def open_before_deadline(session: Session, now: datetime) -> list[Handoff]:
    """Requested handoffs whose acceptance deadline has not passed (a calendar change moves them)."""
    return list(session.execute(select(Handoff).where(col(Handoff.status) == REQUESTED,
                                                      col(Handoff.expires_at) > now)).scalars())


def insert_requested(session: Session, rows: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
    """Core bulk inserts (the hot path of every handoff): one statement for the handoffs and one for
    their steps, however many there are."""
    with session.no_autoflush:
        session.execute(insert(HANDOFFS), rows)
        session.execute(insert(STEPS), steps)


def insert_steps(session: Session, steps: list[dict[str, Any]]) -> None:
    """Append steps to handoffs' histories (a Core insert, no unit-of-work bookkeeping)."""
    with session.no_autoflush:
        session.execute(insert(STEPS), steps)
