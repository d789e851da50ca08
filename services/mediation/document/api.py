"""`GET /api/v1/mediation/sessions/{id}/agreement.pdf` and `/record.pdf`: the printed documents."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.mediation.access import SessionReader
from services.mediation.document import service
from shared.db import DbSession
from shared.pdf import PDF_MEDIA_TYPE
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/mediation/sessions", tags=["documents"], route_class=OneHopRoute)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF_MEDIA_TYPE: {}}, "description": "The document (PDF, Chinese fonts embedded)."}}


def _pdf(body: bytes, filename: str) -> Response:
    return Response(body, media_type=PDF_MEDIA_TYPE,
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@router.get("/{session_id}/agreement.pdf", response_class=Response, responses=PDF)
def agreement_pdf(session_id: str, request: Request, session: DbSession, caller: SessionReader) -> Response:
    """The 调解协议书 (parties, facts and issues, responsibilities, terms, performance, 司法确认 note,
    signature and seal lines, mediators, organisation, date); 404 when the session has no agreement."""
    return _pdf(*service.agreement_pdf(session, request.app.state.settings, caller, session_id))


@router.get("/{session_id}/record.pdf", response_class=Response, responses=PDF)
def record_pdf(session_id: str, request: Request, session: DbSession, caller: SessionReader) -> Response:
    """The 调解笔录 (who attended, time and place, what was said and agreed, the outcome)."""
    return _pdf(*service.record_pdf(session, request.app.state.settings, caller, session_id))
