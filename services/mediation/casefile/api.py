"""Case files: `GET /api/v1/mediation/cases/{case_no}` and the intake list `GET /cases`."""
from __future__ import annotations

from fastapi import APIRouter, Path

from services.mediation.access import SessionReader
from services.mediation.casefile import service
from services.mediation.casefile.models import IntakePublic, IntakeStatus
from services.mediation.session.models import CASE_NO_PATTERN
from shared.db import DbSession
from shared.errors import Forbidden
from shared.pagination import Page, PageDep, paginate

router = APIRouter(prefix="/api/v1/mediation/cases", tags=["cases"])


@router.get("", response_model=Page[IntakePublic])
def list_intakes(session: DbSession, caller: SessionReader, page: PageDep,
                 status: IntakeStatus | None = None) -> Page[IntakePublic]:
    """Cases handed to mediation (访调对接), e.g. `status=pending`: the ones waiting for a session."""
    if not caller.sees_all:
        raise Forbidden("The intake list is for coordinators, auditors and the petition system.")
    rows = service.intakes_page(session, status.value if status else None, page.after(), page.limit)
    rows, cursor = paginate(rows, page, lambda i: [i.received_at.isoformat(), i.id])
    return Page(items=[service.intake_public(i) for i in rows], next_cursor=cursor)


@router.get("/{case_no}")
def get_case_file(session: DbSession, caller: SessionReader,
                  case_no: str = Path(pattern=CASE_NO_PATTERN)) -> dict:
    """The case file: intake, sessions, agreement, ratings and attached legal opinions."""
    return service.case_file(session, caller, case_no)

