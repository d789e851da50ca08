"""Case files: `GET /api/v1/mediation/cases/{case_no}` and the intake list `GET /cases`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.mediation import flows
from services.mediation.access import SessionReader
from services.mediation.casefile import service
from services.mediation.casefile.models import IntakePublic, IntakeStatus
from services.mediation.rules import field_error
from services.mediation.session.models import CASE_NO_PATTERN
from shared import audit
from shared.db import DbSession
from shared.pagination import Page, PageDep, paginate
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/cases", tags=["cases"], route_class=OneHopRoute)


@router.get("", response_model=Page[IntakePublic])
def list_intakes(session: DbSession, caller: SessionReader, page: PageDep,
                 status: IntakeStatus | None = None,
                 party: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                 q: Annotated[str | None, Query(pattern=CASE_NO_PATTERN)] = None) -> Page[IntakePublic]:
    """Cases handed to mediation (访调对接), e.g. `status=pending`: the ones waiting for a session.

    Finding things (API.md): `party` keeps the cases with a party of that name or whose name starts with
    it (spaces normalised, case ignored); `q` keeps the case numbers starting with it (case ignored).
    Coordinators, auditors and the petition system see every case; a mediator only the cases in which
    they mediate a session (as with the case file itself).
    """
    if party is not None and not party.split():
        raise field_error("party", "party must not be blank", zh="当事人姓名不能为空")
    only = None if caller.sees_all else (caller.mediator_id or "-none-")
    rows = service.intakes_page(session, status.value if status else None, page.after(), page.limit,
                                case_prefix=q, party=party, only_mediator=only)
    rows, cursor = paginate(rows, page, lambda i: [i.received_at.isoformat(), i.id])
    unmasked = caller.manages_all or (not caller.sees_all and caller.mediator_id is not None)  # only their cases
    items = [service.intake_public(i, unmasked) for i in rows]
    shown = [x.case_no for x in items if unmasked and any(
        isinstance(p, dict) and (p.get("phone") or p.get("id_number")) for p in x.parties)]
    if shown:  # audit: the parties' phones / ID numbers answered unmasked in a list
        audit.record(session, "personal_data.view", object_type="case", detail={"case_nos": shown})
    return Page(items=items, next_cursor=cursor)


@router.get("/{case_no}")
def get_case_file(session: DbSession, caller: SessionReader,
                  case_no: str = Path(pattern=CASE_NO_PATTERN)) -> dict:
    """The case file: intake, sessions, agreement, ratings and attached legal opinions."""
    out = flows.case_file(session, caller, case_no)
    if caller.manages_all or any(caller.mediates(x.get("mediator_ids") or []) for x in out["sessions"]):
        audit.record(session, "personal_data.view", object_type="case", object_id=case_no)  # phones unmasked
    return out

