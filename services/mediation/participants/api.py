"""`GET /internal/cases/{case_no}/participants`: who works on a case in mediation (for the gateway's
object-level rules on its own reads: the timeline and the handoffs of a case).

The people are the login names (`Mediator.user`) of the mediators of the case's sessions that are not
cancelled. Internal (service tokens only); the gateway caches the answer briefly.
"""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from services.mediation.mediator.models import Mediator
from services.mediation.session.models import MediationSession, SessionMediator
from shared.auth import ServicePrincipal
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(tags=["internal"], route_class=OneHopRoute)
CANCELLED = "cancelled"


@router.get("/internal/cases/{case_no}/participants", include_in_schema=False)
def case_participants(case_no: str, session: DbSession, _: ServicePrincipal) -> dict:
    users = session.execute(
        select(col(Mediator.user)).distinct()
        .join(SessionMediator, col(SessionMediator.mediator_id) == Mediator.id)
        .join(MediationSession, col(MediationSession.id) == SessionMediator.session_id)
        .where(col(MediationSession.case_no) == case_no[:64], col(MediationSession.status) != CANCELLED,
               col(Mediator.user).is_not(None))).scalars()
    return {"case_no": case_no, "service": "mediation", "users": sorted(u for u in users if u)}
