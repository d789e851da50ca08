"""Agreements: `GET /api/v1/mediation/agreements`.

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

from datetime import date

from fastapi import APIRouter, Query

from services.mediation.access import SessionReader
from services.mediation.agreement import repository as repo
from services.mediation.agreement.models import AgreementPublic
from services.mediation.followthrough import repository as followthrough
from services.mediation.session.models import CASE_NO_PATTERN
from services.mediation.session.service import agreement_public
from shared.db import DbSession, utcnow
from shared.pagination import Page, PageDep, paginate
from shared.routing import OneHopRoute
from shared.timeutil import local_date

router = APIRouter(prefix="/api/v1/mediation/agreements", tags=["agreements"], route_class=OneHopRoute)


class AgreementListed(AgreementPublic):
    judicial_confirmation_applied_on: date | None = None
    followed_up_on: date | None = None


@router.get("", response_model=Page[AgreementListed])
def list_agreements(session: DbSession, caller: SessionReader, page: PageDep, open: bool | None = None,
                    case_no: str | None = Query(default=None, pattern=CASE_NO_PATTERN)) -> Page[AgreementListed]:
    """Agreements the caller may see, soonest 司法确认 deadline first; `open=true`: still open."""
    only = None if caller.sees_all else (caller.mediator_id or "-none-")
    rows = repo.page(session, after=page.after(), limit=page.limit, today=local_date(utcnow()), open_=open,
                     case_no=case_no, only_mediator=only)
    rows, cursor = paginate(rows, page, lambda a: [a.judicial_confirmation_deadline.isoformat(), a.id])
    ids = [a.id for a in rows]
    applied = followthrough.judicial_confirmations(session, ids)
    visits = followthrough.followups(session, ids)
    items = [AgreementListed(**agreement_public(a).model_dump(),
                             judicial_confirmation_applied_on=applied[a.id].applied_on if a.id in applied else None,
                             followed_up_on=visits[a.id][-1].visited_on if visits.get(a.id) else None)
             for a in rows]
    return Page(items=items, next_cursor=cursor)
