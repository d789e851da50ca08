"""The queries of the reminder job (session/jobs.py): reminders due, and their sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.session.models import MediationSession, SessionReminder
from shared.jobs import claim


def claim_due(session: Session, now: datetime, limit: int) -> list[SessionReminder]:
    """Unsent reminders due by `now`, soonest first, claimed for this transaction."""
    return claim(session, select(SessionReminder).where(col(SessionReminder.sent_at).is_(None),
                                                        col(SessionReminder.due_at) <= now)
                 .order_by(col(SessionReminder.due_at)).limit(limit))


def sessions_by_id(session: Session, session_ids: list[str]) -> dict[str, MediationSession]:
    q = select(MediationSession).where(col(MediationSession.id).in_(session_ids))
    return {x.id: x for x in session.execute(q).scalars()}
