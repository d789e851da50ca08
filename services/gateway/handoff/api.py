"""`POST /api/v1/cases/{case_no}/handoffs`, `GET /api/v1/handoffs/{id}`, `GET /api/v1/cases/{case_no}/handoffs`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.gateway.access.masking import mask_personal
from services.gateway.access.participants import ensure_works_on, needs_check
from services.gateway.handoff import deadlines as handoff_deadlines
from services.gateway.handoff import repository as repo
from services.gateway.handoff import service
from services.gateway.handoff.intake import intake_of
from services.gateway.handoff.models import Handoff
from services.gateway.handoff.schemas import HandoffAccepted, HandoffCreate, HandoffPublic, HandoffStepPublic
from shared import audit
from shared.audit.writer import caller as audit_caller
from shared.auth import READ_ROLES, Principal, require_roles
from shared.calendar import WorkingCalendar
from shared.db import DbSession
from shared.errors import NotFound
from shared.pagination import PageDep, paginate

router = APIRouter(tags=["handoffs"])
Requester = Annotated[Principal, Depends(require_roles("petition_system", "coordinator"))]
Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]


def public(session, h: Handoff, cal: WorkingCalendar) -> HandoffPublic:
    steps = [HandoffStepPublic(status=s.status, at=s.at, actor=s.actor, reason=s.reason,
                               reason_code=s.reason_code, event_id=s.event_id, note=s.note)
             for s in repo.history(session, h.id)]
    return HandoffPublic(id=h.id, case_no=h.case_no, target=h.target, status=h.status, reason=h.reason,
                         reason_code=h.reason_code, **service.category_answer(h), summary=h.summary,
                         parties=mask_personal(list(h.parties or [])),  # phones and ID numbers masked
                         details=mask_personal(dict(h.details or {})), parent_id=h.parent_id,
                         requested_at=h.requested_at,
                         expires_at=h.expires_at, **handoff_deadlines.provisional(cal, h), updated_at=h.updated_at,
                         history=steps)


@router.post("/api/v1/cases/{case_no}/handoffs", status_code=202, response_model=HandoffAccepted)
async def request_handoff(case_no: str, body: HandoffCreate, request: Request,
                          principal: Requester) -> HandoffAccepted:
    """Hand a case to mediation, a legal opinion, the review studio or a reception assist (移交)."""
    # With an Idempotency-Key the handoff itself remembers it (same transaction), so a retry after a
    # gateway crash between the commit and the stored answer still finds the first handoff.
    key = request.headers.get("idempotency-key")
    origin = service.request_origin(principal, key) if key else None
    audit.skip(request)  # the intake records each handoff in the transaction that writes it
    return await intake_of(request.app).submit(case_no, body, created_by=principal.sub,
                                               client_id=principal.client_id, origin=origin,
                                               audit_caller=audit_caller(request.scope, "gateway"))


@router.get("/api/v1/handoffs/{handoff_id}", response_model=HandoffPublic)
def get_handoff(handoff_id: str, request: Request, session: DbSession, principal: Reader) -> HandoffPublic:
    h = service.get_visible(session, principal, handoff_id)
    if needs_check(principal):  # a mediator or a lawyer: only handoffs of cases they work on
        try:
            ensure_works_on(request, principal, h.case_no)
        except NotFound:
            raise NotFound("No handoff with this id.", detail_zh="未找到该移交。") from None
    return public(session, h, request.app.state.calendar.get(session))


@router.get("/api/v1/cases/{case_no}/handoffs")
def list_case_handoffs(case_no: str, request: Request, session: DbSession, principal: Reader,
                       page: PageDep) -> dict:
    service.check_case_no(case_no)
    ensure_works_on(request, principal, case_no)  # a mediator or a lawyer: only cases they work on
    own = None if principal.has(*service.SEES_ALL) else principal.client_id
    rows = repo.for_case(session, case_no, own, page.after(), page.limit)
    rows, nxt = paginate(rows, page, lambda h: [h.id])
    cal = request.app.state.calendar.get(session)
    return {"items": [public(session, h, cal).model_dump(mode="json") for h in rows], "next_cursor": nxt}
