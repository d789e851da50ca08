"""`GET /api/v1/cases/{case_no}/timeline` (案件时间线) and `GET /api/v1/events` (feed for pull consumers)."""
from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.gateway.access.masking import mask_personal
from services.gateway.access.participants import ensure_works_on
from services.gateway.handoff.service import check_case_no
from services.gateway.timeline import repository as repo
from shared.auth import READ_ROLES, Principal, require_roles
from shared.db import DbSession
from shared.errors import Unprocessable


def masked(event: dict) -> dict:
    """The event with the parties' phones and ID numbers masked (API.md "Personal data in answers")."""
    if event.get("data"):
        event["data"] = mask_personal(event["data"])
    return event

router = APIRouter(tags=["timeline"])
Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]
FeedReader = Annotated[Principal, Depends(require_roles("petition_system", "coordinator", "auditor"))]


def json_response(body: dict) -> Response:
    """Stored events are JSON already: serialize once with orjson (no per-field encoding pass)."""
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/api/v1/cases/{case_no}/timeline", response_class=Response)
def case_timeline(case_no: str, request: Request, session: DbSession, principal: Reader) -> Response:
    """Every event of the case from every service, oldest first (CloudEvents). A mediator or a lawyer sees
    only cases they work on (else 404); phones and ID numbers are masked for everyone."""
    check_case_no(case_no)
    ensure_works_on(request, principal, case_no)
    return json_response({"events": [masked(repo.wire(r)) for r in repo.for_subject(session, case_no)]})


@router.get("/api/v1/events", response_class=Response)
def event_feed(session: DbSession, _: FeedReader, after: str | None = None,
               subject: Annotated[str | None, Query(max_length=128)] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    """Every stored event in arrival order after the cursor `after` (a `next_cursor` / `last_cursor`).

    `next_cursor` is null on the last page (API.md lists); `last_cursor` is always the
    cursor to poll with next time.
    """
    if after in (None, ""):
        start = 0
    elif after.isascii() and after.isdigit() and len(after) < 19:  # not "²" or "١": isdigit, not int
        start = int(after)
    else:
        raise Unprocessable("after must be a cursor this feed returned.", detail_zh="after 不是本订阅源给出的游标。",
                            errors=[{"field": "after", "message": "invalid cursor", "message_zh": "游标无效",
                                     "type": "value_error"}])
    rows = repo.feed(session, start, subject, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    last = str(rows[-1].position) if rows else (after or None)
    return json_response({"items": [masked(repo.wire(r)) for r in rows], "next_cursor": last if more else None,
                          "last_cursor": last})
