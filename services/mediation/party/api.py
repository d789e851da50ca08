"""`GET /api/v1/mediation/parties/{party_id}/cases`: every case of the same person (重复信访)."""
from __future__ import annotations

from fastapi import APIRouter, Path

from services.mediation.access import SessionReader
from services.mediation.party import service
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/parties", tags=["parties"], route_class=OneHopRoute)


@router.get("/{party_id}/cases")
def party_cases(session: DbSession, caller: SessionReader,
                party_id: str = Path(min_length=3, max_length=80)) -> dict:
    """The cases of the person booked as `party_id` (a session's `parties[].id`), oldest first.

    Matched on the ID number's keyed hash when known, otherwise on name + phone (`matched_on`); a party
    booked by name alone also gets `possible_matches`: bookings of that name with a phone or ID number.
    Same access rules as sessions (404 when the caller may not see the party's session); a mediator
    sees only the sessions they mediate.
    """
    return service.cases_of(session, caller, party_id)
