"""`GET /internal/cases/{case_no}/participants`: who works on a case in mediation (for the gateway's
object-level rules on its own reads: the timeline and the handoffs of a case).

The people are the login names (`Mediator.user`) of the mediators of the case's sessions that are not
cancelled. Internal (service tokens only); the gateway caches the answer briefly.
"""
from __future__ import annotations

from fastapi import APIRouter

from services.mediation.participants import repository as repo
from shared.auth import ServicePrincipal
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(tags=["internal"], route_class=OneHopRoute)


@router.get("/internal/cases/{case_no}/participants", include_in_schema=False)
def case_participants(case_no: str, session: DbSession, _: ServicePrincipal) -> dict:
    users = repo.mediator_users_of_case(session, case_no[:64])
    return {"case_no": case_no, "service": "mediation", "users": sorted(u for u in users if u)}
