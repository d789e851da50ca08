"""`GET /api/v1/mediation/parties/{party_id}/cases`: every case of the same person (重复信访)."""
from __future__ import annotations

from fastapi import APIRouter, Path

from services.mediation import flows
from services.mediation.access import SessionReader
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/parties", tags=["parties"], route_class=OneHopRoute)


@router.get("/{party_id}/cases")
def party_cases(session: DbSession, caller: SessionReader,
                party_id: str = Path(min_length=3, max_length=80)) -> dict:
    """The cases of the person `party_id` (a session's or a case intake's `parties[].id`), oldest first:
    each with the sessions and the handoffs (访调对接) in which that person is a party.

    Matched on the ID number's keyed hash when known, otherwise on name + phone (`matched_on`); a party
    known by name alone also gets `possible_matches`: parties of that name with a phone or ID number.
    404 when the caller may not see the party's session or case; a mediator sees only the sessions they
    mediate and the handoffs of the cases they mediate in (party/service.py).
    """
    return flows.party_cases(session, caller, party_id)
