"""Events the session feature emits (wire types `mediation.*`), always inside the change's transaction."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.mediation.session.models import MediationSession, SessionParty
from shared.events import emit
from shared.timeutil import to_local

SOURCE = "mediation"

SESSION_SCHEDULED = "mediation.session.scheduled"
SESSION_RESCHEDULED = "mediation.session.rescheduled"
SESSION_CANCELLED = "mediation.session.cancelled"
SESSION_STARTED = "mediation.session.started"
SESSION_CONCLUDED = "mediation.session.concluded"
REMINDER_DUE = "mediation.session.reminder_due"
LEGAL_OPINION_REQUESTED = "mediation.legal_opinion.requested"


def session_data(s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                 **extra: Any) -> dict[str, Any]:
    """The session as events carry it (no phone numbers: parties' privacy, 人民调解法 art. 15)."""
    data = {
        "session_id": s.id,
        "case_no": s.case_no,
        "status": s.status,
        "room_id": s.room_id,
        "mediator_ids": list(mediator_ids),
        "start": to_local(s.starts_at).isoformat(),
        "end": to_local(s.ends_at).isoformat(),
        "parties": [{"name": p.name, "role": p.role} for p in parties],
        "language": s.language,
    }
    data.update(extra)
    return data


def publish(session: Session, type_: str, case_no: str, data: dict[str, Any]) -> None:
    emit(session, source=SOURCE, type=type_, subject=case_no, data=data)
