"""The case file as read (调解卷宗): the intakes, sessions, agreements, ratings and legal opinions of a case.

It reads across features (session, agreement, casefile), so it sits above them: nothing below imports it
(casefile/service.py and casefile/progress.py never import the session's use cases).
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.agreement import repository as agreements_repo
from services.mediation.agreement.models import SatisfactionPublic
from services.mediation.agreement.service import agreement_public
from services.mediation.casefile import repository as repo
from services.mediation.casefile.models import LegalOpinionPublic
from services.mediation.casefile.service import intake_public
from services.mediation.session import repository as sessions_repo
from services.mediation.session.models import SessionStatus
from services.mediation.session.service import render_many
from shared.errors import NotFound


def case_file(session: Session, caller: Caller, case_no: str) -> dict[str, Any]:
    """The case file as `caller` may see it (404 when there is nothing, or nothing of theirs)."""
    rows = sessions_repo.of_case(session, case_no)
    intakes = repo.intakes_of_case(session, case_no)
    opinions = repo.opinions_of_case(session, case_no)
    sessions = render_many(session, rows, caller)
    if not caller.sees_all:
        # A mediator sees the case file only when they mediate one of its sessions that is not cancelled
        # (booking and cancelling a session on any case number opens nothing), and in it only the sessions
        # they mediate, with those sessions' agreements and ratings (issue 13 item 3).
        sessions = [s for s in sessions if caller.mediates(s.mediator_ids)]
        if not any(s.status != SessionStatus.cancelled for s in sessions):
            raise NotFound("No such case.", detail_zh="未找到该案件。")
    if not rows and not intakes and not opinions:
        raise NotFound("No such case.", detail_zh="未找到该案件。")
    agreements = agreements_repo.of_case(session, case_no)
    ratings = agreements_repo.ratings_of_case(session, case_no)
    if not caller.sees_all:  # only what belongs to the caller's own sessions
        own = {s.id for s in sessions}
        agreements = [a for a in agreements if a.session_id in own]
        ratings = [r for r in ratings if r.session_id in own]
    current = intakes[-1] if intakes else None
    # The intake's parties in full for coordinators and the mediators of the case's sessions (party/crypto.py).
    unmasked = caller.manages_all or any(caller.mediates(s.mediator_ids) for s in sessions)
    return {
        "case_no": case_no,
        "intake": intake_public(current, unmasked).model_dump(mode="json") if current else None,
        "handoffs": [intake_public(i, unmasked).model_dump(mode="json") for i in intakes],
        "sessions": [s.model_dump(mode="json") for s in sessions],
        "agreement": agreement_public(agreements[-1]).model_dump(mode="json") if agreements else None,
        "agreements": [agreement_public(a).model_dump(mode="json") for a in agreements],
        "ratings": [SatisfactionPublic.model_validate(r, from_attributes=True).model_dump(mode="json")
                    for r in ratings],
        "legal_opinions": [LegalOpinionPublic.model_validate(o, from_attributes=True).model_dump(mode="json")
                           for o in opinions],
    }
