"""Every query of the reminder rules: what is coming up, who takes part, what is already done."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, select
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement
from services.mediation.followthrough.models import FollowupVisit, JudicialConfirmation
from services.mediation.mediator.models import Mediator
from services.mediation.room.models import Room
from services.mediation.session.models import MediationSession, SessionMediator, SessionParty, SessionStatus

LIMIT = 1000


def upcoming_sessions(session: Session, now: datetime, until: datetime) -> list[MediationSession]:
    """Scheduled sessions starting after `now` and no later than `until`."""
    q = (select(MediationSession)
         .where(col(MediationSession.status) == SessionStatus.scheduled.value,
                col(MediationSession.starts_at) > now, col(MediationSession.starts_at) <= until)
         .order_by(col(MediationSession.starts_at)).limit(LIMIT))
    return list(session.execute(q).scalars())


def rooms(session: Session, ids: set[str]) -> dict[str, Room]:
    if not ids:
        return {}
    return {r.id: r for r in session.execute(select(Room).where(col(Room.id).in_(sorted(ids)))).scalars()}


def mediators(session: Session, ids: set[str]) -> dict[str, Mediator]:
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Mediator).where(col(Mediator.id).in_(sorted(ids)))).scalars()}


def judicial_windows_closing(session: Session, first: date, last: date) -> list[Agreement]:
    """Agreements whose 司法确认 deadline is in [first, last] and for which no application is recorded."""
    applied = exists().where(col(JudicialConfirmation.agreement_id) == Agreement.id)
    q = (select(Agreement).where(col(Agreement.judicial_confirmation_deadline) >= first,
                                 col(Agreement.judicial_confirmation_deadline) <= last, ~applied)
         .order_by(col(Agreement.judicial_confirmation_deadline)).limit(LIMIT))
    return list(session.execute(q).scalars())


def followups_coming(session: Session, first: date, last: date) -> list[Agreement]:
    """Agreements whose 回访 date is in [first, last] and that have no visit recorded yet."""
    visited = exists().where(col(FollowupVisit.agreement_id) == Agreement.id)
    q = (select(Agreement).where(col(Agreement.followup_on) >= first, col(Agreement.followup_on) <= last, ~visited)
         .order_by(col(Agreement.followup_on)).limit(LIMIT))
    return list(session.execute(q).scalars())


def applied(session: Session, agreement_id: str) -> bool:
    return session.get(JudicialConfirmation, agreement_id) is not None


def visited(session: Session, agreement_id: str) -> bool:
    q = select(col(FollowupVisit.id)).where(col(FollowupVisit.agreement_id) == agreement_id).limit(1)
    return session.execute(q).first() is not None


def is_session_mediator(session: Session, session_id: str, mediator_id: str) -> bool:
    return session.get(SessionMediator, (session_id, mediator_id)) is not None


def party(session: Session, session_id: str, position: int) -> SessionParty | None:
    return session.get(SessionParty, (session_id, position))
