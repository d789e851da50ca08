"""`GET /internal/cases/{case_no}/participants`: who works on a case in the lawyers' service (for the
gateway's object-level rules on its own reads: the timeline and the handoffs of a case).

The people are the login names (`Lawyer.login`) of the lawyers assigned an opinion request of the case,
who filed an opinion on it, or who sit on the panel of one of its reviews. Internal (service tokens
only); the gateway caches the answer briefly.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from services.lawyers.participants import repository as repo
from shared.auth import ServicePrincipal
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(tags=["internal"], route_class=OneHopRoute)


class CaseParticipants(BaseModel):
    """The people of the lawyers' service working on a case (login names)."""

    case_no: str
    service: str
    users: list[str]


@router.get("/internal/cases/{case_no}/participants", response_model=CaseParticipants, include_in_schema=False)
def case_participants(case_no: str, session: DbSession, _: ServicePrincipal) -> dict[str, Any]:
    case_no = case_no[:64]
    return {"case_no": case_no, "service": "lawyers", "users": repo.logins_of_case(session, case_no)}
