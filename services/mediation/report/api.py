"""`GET /api/v1/mediation/reports/monthly?month=YYYY-MM&format=json|csv|xlsx` (coordinators and auditors)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.mediation.report import service
from shared.auth import Principal, require_roles
from shared.db import DbSession, utcnow
from shared.reports import REPORT_RESPONSES, ReportFormat, report_response
from shared.routing import OneHopRoute
from shared.timeutil import Month, local_date

router = APIRouter(prefix="/api/v1/mediation/reports", tags=["reports"], route_class=OneHopRoute)
Overseer = Annotated[Principal, Depends(require_roles("coordinator", "auditor"))]


@router.get("/monthly", response_model=None, responses=REPORT_RESPONSES)
def monthly_report(session: DbSession, _: Overseer,
                   month: Annotated[Month, Query(description="YYYY-MM (Asia/Shanghai calendar month)")],
                   format: ReportFormat = "json") -> dict | Response:
    """调解成功率, 参评率, 满意率, 司法确认申请率, 回访完成率 and the session counts, by category, room
    and mediator, with the definitions printed (JSON, CSV with a BOM, or XLSX)."""
    data = service.build(session, month, local_date(utcnow()))
    return report_response(service.tabular(data), format, f"mediation-{month}", data)
