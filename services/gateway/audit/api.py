"""`GET /api/v1/audit/events` and `GET /api/v1/audit/verify` (auditor only), merged across the services."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.gateway.audit import service
from shared.auth import Principal, require_roles
from shared.pagination import PageParams, invalid_cursor, page_params

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require_roles("auditor"))]


@router.get("/events")
async def audit_events(request: Request, _: Auditor, page: Annotated[PageParams, Depends(page_params)],
                       actor: str | None = None, action: str | None = None, object_type: str | None = None,
                       object_id: str | None = None, outcome: Literal["success", "failure"] | None = None,
                       service_: Annotated[Literal["gateway", "mediation", "lawyers"] | None,
                                           Query(alias="service")] = None,
                       from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                       to: Annotated[str | None, Query(max_length=40)] = None) -> dict:
    """Audit records of every service, newest first (`{items, next_cursor}`)."""
    start = service.parse_bound("from", from_, end=False)
    end = service.parse_bound("to", to, end=True)
    if start and end and end <= start:
        raise service.field_error("to", "to is before from", "结束时间早于开始时间")
    services: list[str] = [service_] if service_ else list(service.SERVICES)
    positions = page.after() or {}
    if not isinstance(positions, dict) or not all(
            k in service.SERVICES and (v is None or (isinstance(v, int) and v >= 0)) for k, v in positions.items()):
        raise invalid_cursor()
    filters = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id,
               "outcome": outcome}
    items, nxt = await service.merged(request.app, services, positions, page.limit,
                                      {k: v for k, v in filters.items() if v}, start, end)
    return {"items": items, "next_cursor": page.next_cursor(nxt) if nxt else None}


@router.get("/verify")
async def audit_verify(request: Request, _: Auditor) -> dict:
    """Every chain checked from its base: `{"ok", "chains": [{service, checked, head, first_bad_seq}]}`."""
    return await service.verify_all(request.app)
