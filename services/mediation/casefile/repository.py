"""Every query of the case file (调解卷宗): intakes from handoffs (访调对接), their parties, legal opinions."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Update, bindparam, delete, func, insert, select, update
from sqlmodel import Session, col

from services.mediation.casefile.models import CaseIntake, IntakeParty, IntakeStatus, LegalOpinion
from services.mediation.session.models import MediationSession, SessionMediator, SessionStatus
from shared.db import table_of

OPEN = (IntakeStatus.pending.value, IntakeStatus.scheduled.value)


# -- intakes ----------------------------------------------------------------------------------
def active_intake(session: Session, case_no: str) -> CaseIntake | None:
    """The case's latest intake still open (pending or scheduled)."""
    q = (select(CaseIntake).where(col(CaseIntake.case_no) == case_no, col(CaseIntake.status).in_(OPEN))
         .order_by(col(CaseIntake.received_at).desc()))
    return session.execute(q).scalars().first()


def category_of(session: Session, case_no: str) -> str | None:
    """The category of the case's latest intake that has one."""
    q = (select(col(CaseIntake.category)).where(col(CaseIntake.case_no) == case_no, col(CaseIntake.category) != "")
         .order_by(col(CaseIntake.received_at).desc()))
    return session.execute(q).scalars().first()


def handoffs_with_intake(session: Session, handoff_ids: list[str]) -> set[str]:
    """Those of `handoff_ids` that already have an intake."""
    q = select(col(CaseIntake.handoff_id)).where(col(CaseIntake.handoff_id).in_(handoff_ids))
    return set(session.execute(q).scalars())


def has_intake(session: Session, handoff_id: str) -> bool:
    q = select(col(CaseIntake.id)).where(col(CaseIntake.handoff_id) == handoff_id)
    return session.execute(q).scalar() is not None


def intakes_of_case(session: Session, case_no: str) -> list[CaseIntake]:
    """A case's intakes, oldest first."""
    q = select(CaseIntake).where(col(CaseIntake.case_no) == case_no).order_by(col(CaseIntake.received_at))
    return list(session.execute(q).scalars())


def open_intakes_from(session: Session, today: date) -> list[CaseIntake]:
    """Open intakes whose target date is today or later (recomputed when the calendar changes)."""
    q = select(CaseIntake).where(col(CaseIntake.status).in_(OPEN), col(CaseIntake.target_on) >= today)
    return list(session.execute(q).scalars())


def intakes(session: Session, *, status: str | None, after: list | None, limit: int,
            case_prefix: str | None = None, only_mediator: str | None = None) -> list[CaseIntake]:
    """Up to `limit` intakes in (received_at, id) order after `after`.

    `case_prefix`: case numbers starting with it (case ignored); `only_mediator`: only the cases in which
    that mediator mediates a session that is not cancelled.
    """
    q = select(CaseIntake)
    if status:
        q = q.where(col(CaseIntake.status) == status)
    if case_prefix:
        q = q.where(func.upper(CaseIntake.case_no).like(case_prefix.upper() + "%"))
    if only_mediator:
        mediated = (select(col(MediationSession.case_no)).join(SessionMediator,
                                                          col(SessionMediator.session_id) == MediationSession.id)
                    .where(col(SessionMediator.mediator_id) == only_mediator,
                           # a cancelled booking opens nothing
                           col(MediationSession.status) != SessionStatus.cancelled.value))
        q = q.where(col(CaseIntake.case_no).in_(mediated))
    if after:
        t = datetime.fromisoformat(after[0])
        q = q.where((CaseIntake.received_at > t) | ((CaseIntake.received_at == t) & (CaseIntake.id > after[1])))
    q = q.order_by(col(CaseIntake.received_at), col(CaseIntake.id)).limit(limit)
    return list(session.execute(q).scalars())


def booked_intake_update(case_no: Any) -> Update:
    """A pending intake becomes scheduled once a session is booked for its case: the statement.

    The one copy of that rule (受理进度; concluding is casefile/progress.py). `case_no` is a value or a bind parameter:
    session/repository.py composes it into its PostgreSQL booking statement as a CTE, and runs it alone
    (`schedule_pending_intake`) on SQLite.
    """
    intake = table_of(CaseIntake).c  # Core, on the table: no ORM session synchronization for a bulk UPDATE
    return (update(table_of(CaseIntake)).where(intake.case_no == case_no,
                                               intake.status == IntakeStatus.pending.value)
            .values(status=IntakeStatus.scheduled.value))


SCHEDULE_PENDING_INTAKE = booked_intake_update(bindparam("b_case_no"))  # built once: every booking runs it


def schedule_pending_intake(session: Session, case_no: str) -> None:
    """The case's pending intake becomes scheduled (a session was booked for it)."""
    session.execute(SCHEDULE_PENDING_INTAKE, {"b_case_no": case_no})


def replace_parties(session: Session, intake_id: str, rows: list[dict[str, Any]], *, fresh: bool = False) -> None:
    """Write an intake's party index rows (`fresh`: there are none yet, nothing to delete)."""
    if not fresh:
        session.execute(delete(IntakeParty).where(col(IntakeParty.intake_id) == intake_id))
    if rows:
        session.execute(insert(IntakeParty), rows)


# -- legal opinions (法律意见书) ------------------------------------------------------------------
def opinion_recorded(session: Session, event_id: str) -> bool:
    """True when the opinion delivered by that event is already attached."""
    return bool(session.execute(select(col(LegalOpinion.id)).where(col(LegalOpinion.event_id) == event_id)).scalar())


def opinions_of_case(session: Session, case_no: str) -> list[LegalOpinion]:
    """A case's legal opinions in the order they were filed."""
    q = select(LegalOpinion).where(col(LegalOpinion.case_no) == case_no).order_by(col(LegalOpinion.filed_at))
    return list(session.execute(q).scalars())
