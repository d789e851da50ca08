"""`/api/v1/mediation/sessions/{id}/agreement/...`: signatures, 司法确认 application, follow-up visits."""
from __future__ import annotations

from fastapi import APIRouter

from services.mediation.access import SessionReader, SessionWriter
from services.mediation.followthrough import service
from services.mediation.followthrough.models import (
    FollowupIn,
    FollowupPublic,
    JudicialConfirmationIn,
    JudicialConfirmationPublic,
    SignaturesIn,
    SignaturesPublic,
)
from shared.db import DbSession
from shared.problem_docs import problems
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/sessions", tags=["agreements"], route_class=OneHopRoute)


@router.get("/{session_id}/agreement/signatures", response_model=SignaturesPublic)
def get_signatures(session_id: str, session: DbSession, caller: SessionReader) -> SignaturesPublic:
    """Which parties signed the written agreement, which have not yet."""
    return service.get_signatures(session, caller, session_id)


@router.post("/{session_id}/agreement/signatures", status_code=201, response_model=SignaturesPublic,
             responses=problems((409, "oral_agreement", "concurrent_update")))
def record_signatures(session_id: str, body: SignaturesIn, session: DbSession,
                      caller: SessionWriter) -> SignaturesPublic:
    """Record that these parties signed, sealed or fingerprinted the 调解协议书 (人民调解法 art. 29)."""
    return service.sign(session, caller, session_id, body)


@router.get("/{session_id}/agreement/judicial-confirmation", response_model=JudicialConfirmationPublic)
def get_judicial_confirmation(session_id: str, session: DbSession,
                              caller: SessionReader) -> JudicialConfirmationPublic:
    return service.get_judicial_confirmation(session, caller, session_id)


@router.post("/{session_id}/agreement/judicial-confirmation", status_code=201,
             response_model=JudicialConfirmationPublic, responses=problems((409, "already_recorded")))
def record_judicial_confirmation(session_id: str, body: JudicialConfirmationIn, session: DbSession,
                                 caller: SessionWriter) -> JudicialConfirmationPublic:
    """The parties applied to a court for 司法确认 (人民调解法 art. 33: within 30 days)."""
    return service.apply_judicial_confirmation(session, caller, session_id, body)


@router.get("/{session_id}/agreement/followups", response_model=list[FollowupPublic])
def list_followups(session_id: str, session: DbSession, caller: SessionReader) -> list[FollowupPublic]:
    return service.list_followups(session, caller, session_id)


@router.post("/{session_id}/agreement/followups", status_code=201, response_model=FollowupPublic)
def record_followup(session_id: str, body: FollowupIn, session: DbSession, caller: SessionWriter) -> FollowupPublic:
    """A follow-up visit (回访): how the agreement is being performed."""
    return service.record_followup(session, caller, session_id, body)
