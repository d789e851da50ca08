"""Every query of a case's participants: the mediators who work on a case in mediation."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.mediator.models import Mediator
from services.mediation.session.models import MediationSession, SessionMediator, SessionStatus


def mediator_users_of_case(session: Session, case_no: str) -> list[str | None]:
    """The login names (`Mediator.user`, distinct) of the mediators of the case's sessions not cancelled."""
    q = (select(col(Mediator.user)).distinct()
         .join(SessionMediator, col(SessionMediator.mediator_id) == Mediator.id)
         .join(MediationSession, col(MediationSession.id) == SessionMediator.session_id)
         .where(col(MediationSession.case_no) == case_no,
                col(MediationSession.status) != SessionStatus.cancelled.value,
                col(Mediator.user).is_not(None)))
    return list(session.execute(q).scalars())
