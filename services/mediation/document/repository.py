"""Every query the documents need beyond what the session and follow-through features offer."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement
from services.mediation.casefile.models import CaseIntake
from services.mediation.room.models import Room


def agreement_of(session: Session, session_id: str) -> Agreement | None:
    return session.execute(select(Agreement).where(col(Agreement.session_id) == session_id)).scalar()


def year_serial(session: Session, a: Agreement, year_start, year_end) -> int:
    """The agreement's number in its year (1, 2, ...): agreements are never deleted, so it is stable."""
    q = select(func.count()).select_from(Agreement).where(
        col(Agreement.created_at) >= year_start, col(Agreement.created_at) < year_end,
        or_(col(Agreement.created_at) < a.created_at, and_(col(Agreement.created_at) == a.created_at,
                                                           col(Agreement.id) <= a.id)))
    return int(session.execute(q).scalar_one())


def room(session: Session, room_id: str) -> Room | None:
    return session.get(Room, room_id)


def latest_intake(session: Session, case_no: str) -> CaseIntake | None:
    q = (select(CaseIntake).where(col(CaseIntake.case_no) == case_no, col(CaseIntake.status) != "rejected")
         .order_by(col(CaseIntake.received_at).desc()))
    return session.execute(q).scalars().first()
