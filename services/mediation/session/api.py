"""Sessions: `/api/v1/mediation/sessions`."""
from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from services.mediation.access import SessionReader, SessionWriter
from services.mediation.deps import Rules
from services.mediation.rules import field_error
from services.mediation.session import repository as repo
from services.mediation.session import service
from services.mediation.session.models import (
    CASE_NO_PATTERN,
    CancelIn,
    RescheduleIn,
    SessionCreate,
    SessionPublic,
    SessionStatus,
)
from shared import audit
from shared.db import DbSession
from shared.pagination import Page, PageDep, paginate
from shared.problem_docs import problems
from shared.routing import OneHopRoute
from shared.timeutil import Day, local_dt

router = APIRouter(prefix="/api/v1/mediation/sessions", tags=["sessions"], route_class=OneHopRoute)


@router.post("", status_code=201, response_model=SessionPublic,
             responses=problems((409, "slot_conflict", "mediator_recused"),
                                (422, "outside_working_hours", "insufficient_notice", "beyond_horizon",
                                      "unknown_room", "unknown_mediator", "language_unavailable")))
def book_session(body: SessionCreate, session: DbSession, rules: Rules, caller: SessionWriter) -> SessionPublic:
    out = service.book(session, rules, caller, body)
    audit.note(session, object_type="session", object_id=out.id)  # audit: the booked session (mediation.session.book)
    return out


@router.get("", response_model=Page[SessionPublic])
def list_sessions(session: DbSession, caller: SessionReader, page: PageDep,
                  case_no: str | None = None, room_id: str | None = None, mediator_id: str | None = None,
                  status: SessionStatus | None = None,
                  from_: Annotated[Day | None, Query(alias="from")] = None,
                  to: Day | None = None,
                  party: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                  q: Annotated[str | None, Query(pattern=CASE_NO_PATTERN)] = None) -> Page[SessionPublic]:
    """Sessions in time order; a mediator sees only the sessions they mediate.

    Finding things (API.md): `party` keeps the sessions with a party of that name or whose name starts
    with it (spaces normalised, case ignored); `q` keeps the case numbers starting with it (case ignored).
    """
    if from_ and to and to < from_:
        raise field_error("to", "to is before from", zh="结束日期早于开始日期")
    if party is not None and not party.split():
        raise field_error("party", "party must not be blank", zh="当事人姓名不能为空")
    start = local_dt(from_, time(0)) if from_ else None
    end = local_dt(to + timedelta(days=1), time(0)) if to else None
    only = None if caller.sees_all else (caller.mediator_id or "-none-")
    rows = repo.page(session, after=page.after(), limit=page.limit, case_no=case_no, room_id=room_id,
                     mediator_id=mediator_id, status=status.value if status else None, start=start, end=end,
                     only_mediator=only, case_prefix=q, party=party)
    rows, cursor = paginate(rows, page, lambda s: [s.starts_at.isoformat(), s.id])
    items = service.render_many(session, rows, caller)
    shown = [x.id for x in items
             if caller.can_manage(x.mediator_ids) and any(p.phone or p.id_number for p in x.parties)]
    if shown:  # audit: phones / ID numbers answered unmasked in a list
        audit.record(session, "personal_data.view", object_type="session", detail={"session_ids": shown})
    return Page(items=items, next_cursor=cursor)


@router.get("/{session_id}", response_model=SessionPublic)
def get_session(session_id: str, session: DbSession, caller: SessionReader) -> SessionPublic:
    s, mediator_ids = service.load_visible(session, caller, session_id)
    if caller.can_manage(mediator_ids):  # audit: phones answered unmasked (coordinators, its mediators)
        audit.record(session, "personal_data.view", object_type="session", object_id=s.id)
    return service.render(session, s, caller)


@router.post("/{session_id}/reschedule", response_model=SessionPublic,
             responses=problems((409, "slot_conflict", "mediator_recused", "invalid_status"),
                                (422, "outside_working_hours", "insufficient_notice", "beyond_horizon",
                                      "unknown_room")))
def reschedule_session(session_id: str, body: RescheduleIn, session: DbSession, rules: Rules,
                       caller: SessionReader) -> SessionPublic:
    return service.reschedule(session, rules, caller, session_id, body)


@router.post("/{session_id}/cancel", response_model=SessionPublic, responses=problems((409, "invalid_status")))
def cancel_session(session_id: str, session: DbSession, caller: SessionReader,
                   body: CancelIn | None = None) -> SessionPublic:
    return service.cancel(session, caller, session_id, body or CancelIn())


@router.post("/{session_id}/check-in", response_model=SessionPublic, responses=problems((409, "invalid_status")))
def check_in_session(session_id: str, session: DbSession, caller: SessionReader) -> SessionPublic:
    return service.check_in(session, caller, session_id)
