"""A case intake's progress as its sessions are concluded (受理进度).

Booking moves a pending intake to scheduled with the case file's own statement
(repository.booked_intake_update, composed into the booking's write by session/repository.py);
concluding (the agreement flow) completes it here. Nothing else writes an intake's status for a session.
"""
from __future__ import annotations

from sqlmodel import Session

from services.mediation.casefile import repository as repo
from services.mediation.casefile.models import IntakeStatus
from services.mediation.casefile.service import HANDOFF_COMPLETED, SOURCE
from shared.db import utcnow
from shared.events import emit
from shared.handoff_contract import MediationHandoffCompleted


def on_session_concluded(session: Session, case_no: str, outcome: str) -> None:
    """The first concluded session of a handed-off case completes the handoff."""
    intake = repo.active_intake(session, case_no)
    if intake is None:
        return
    intake.status, intake.outcome, intake.completed_at = IntakeStatus.completed.value, outcome, utcnow()
    if intake.handoff_id:
        emit(session, source=SOURCE, type=HANDOFF_COMPLETED, subject=case_no,
             data=MediationHandoffCompleted(handoff_id=intake.handoff_id, case_no=case_no, outcome=outcome).data())
