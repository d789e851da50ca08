"""The queries of the flags on sessions (session/flags.py), e.g. a recusal (回避) found after the booking."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from services.mediation.session.models import MediationSession, SessionFlag, SessionMediator, SessionStatus


def scheduled_sessions_of(session: Session, mediator_id: str) -> list[MediationSession]:
    """The scheduled sessions that mediator mediates, in start order."""
    q = (select(MediationSession).join(SessionMediator, col(SessionMediator.session_id) == MediationSession.id)
         .where(col(SessionMediator.mediator_id) == mediator_id,
                col(MediationSession.status) == SessionStatus.scheduled.value)
         .order_by(col(MediationSession.starts_at)))
    return list(session.execute(q).scalars())


def unresolved(session: Session, session_ids: list[str]) -> list[SessionFlag]:
    """The flags of those sessions not resolved yet, oldest first."""
    q = (select(SessionFlag).where(col(SessionFlag.session_id).in_(session_ids), col(SessionFlag.resolved_at).is_(None))
         .order_by(col(SessionFlag.created_at)))
    return list(session.execute(q).scalars())


def resolve(session: Session, session_id: str, resolution: str, at: datetime) -> None:
    """Every unresolved flag of the session is resolved `at` with `resolution`."""
    session.execute(update(SessionFlag).where(col(SessionFlag.session_id) == session_id,
                                              col(SessionFlag.resolved_at).is_(None))
                    .values(resolved_at=at, resolution=resolution))
