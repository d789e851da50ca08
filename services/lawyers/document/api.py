"""`GET /api/v1/lawyers/opinion-requests/{id}/opinion.pdf`: the 法律意见书 as printed."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from services.lawyers.context import CtxDep
from services.lawyers.document import service
from shared.pdf import PDF_MEDIA_TYPE
from shared.routing import OneHopRoute

router = APIRouter(prefix="/api/v1/lawyers", tags=["documents"], route_class=OneHopRoute)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF_MEDIA_TYPE: {}}, "description": "The document (PDF, Chinese fonts embedded)."}}


@router.get("/opinion-requests/{request_id}/opinion.pdf", response_class=Response, responses=PDF)
def opinion_pdf(request_id: str, ctx: CtxDep) -> Response:
    """The 法律意见书 (latest version); 404 when the caller may not see the request or no opinion is filed."""
    body, filename = service.opinion_pdf(ctx, request_id)
    return Response(body, media_type=PDF_MEDIA_TYPE, headers={"Content-Disposition": f'inline; filename="{filename}"'})
