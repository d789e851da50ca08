"""Agreements: `GET /api/v1/mediation/agreements`, and under a session (`/api/v1/mediation/sessions/{id}/...`):
`POST conclude` (结束调解, the agreement is made there), `GET agreement`, `POST satisfaction` (满意度评价).

The agreements (调解协议) the caller may see, with the same rules as sessions: coordinators, auditors
and the petition system see every one; a mediator only those of the sessions they mediate. Each item
is the agreement as `GET /sessions/{id}/agreement` answers it (`session_id`, `case_no`, `form`,
`terms`, `performance_due`, `effective_on`, `judicial_confirmation_deadline`, `followup_on`, ...),
ordered by the 司法确认 deadline, soonest first; paginated (`limit`, `cursor`).

Each item also says what was done after it: `judicial_confirmation_applied_on` (the parties' application
for 司法确认, or null) and `followed_up_on` (the latest 回访 visit, or null).

Query: `open=true`: only agreements still needing attention: the 司法确认 window is still open (deadline
today or later, Asia/Shanghai) and nobody has applied yet, or no 回访 has been recorded yet;
`open=false`: the others. `case_no`: one case's agreements.
"""
from __future__ import annotations

from fastapi import APIRouter, Query

from services.mediation import flows
from services.mediation.access import Rater, SessionReader
from services.mediation.agreement import repository as repo
from services.mediation.agreement import service
from services.mediation.agreement.models import (
    AgreementListed,
    AgreementPublic,
    ConcludeIn,
    SatisfactionIn,
    SatisfactionPublic,
)
from services.mediation.deps import Rules
from services.mediation.session.models import CASE_NO_PATTERN, SessionPublic
from shared.db import DbSession, utcnow
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import local_date

router = APIRouter(prefix="/api/v1/mediation/agreements", tags=["agreements"], route_class=OneHopRoute)
# The steps taken on one session, documented with the session's other operations.
session_router = APIRouter(prefix="/api/v1/mediation/sessions", tags=["sessions"], route_class=OneHopRoute)


@router.get("", response_model=Page[AgreementListed])
def list_agreements(session: DbSession, caller: SessionReader, page: PageDep, open: bool | None = None,
                    case_no: str | None = Query(default=None, pattern=CASE_NO_PATTERN)) -> Page[AgreementListed]:
    """Agreements the caller may see, soonest 司法确认 deadline first; `open=true`: still open."""
    only = None if caller.sees_all else (caller.mediator_id or "-none-")
    rows = repo.page(session, after=page.after(), limit=page.limit, today=local_date(utcnow()), open_=open,
                     case_no=case_no, only_mediator=only)
    rows, cursor = paginate(rows, page, lambda a: [a.judicial_confirmation_deadline.isoformat(), a.id])
    return Page(items=flows.agreements_listed(session, rows), next_cursor=cursor)


@session_router.post("/{session_id}/conclude", response_model=SessionPublic,
                     responses=problems((409, "invalid_status")))
def conclude_session(session_id: str, body: ConcludeIn, session: DbSession, rules: Rules,
                     caller: SessionReader) -> SessionPublic:
    return service.conclude(session, rules, caller, session_id, body)


@session_router.get("/{session_id}/agreement", response_model=AgreementPublic)
def get_agreement(session_id: str, session: DbSession, caller: SessionReader) -> AgreementPublic:
    return flows.agreement_of_session(session, caller, session_id)


@session_router.post("/{session_id}/satisfaction", status_code=201, response_model=SatisfactionPublic,
                     responses=problems((409, "invalid_status", "already_rated")))
def rate_session(session_id: str, body: SatisfactionIn, session: DbSession, caller: Rater) -> SatisfactionPublic:
    return service.rate(session, caller, session_id, body)
