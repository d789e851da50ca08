"""`GET /api/v1/lawyers/reports/monthly` (`format=json|csv|xlsx`) and `/reports/monthly.csv`.

Coordinators and auditors only (403 for anyone else). CSV is UTF-8 with a BOM (Excel). With
`format=csv` it is the whole report with Chinese headings (per lawyer first, then the figures, by
category and the definitions); `lang=codes` gives instead the per-lawyer rows under their field names,
which is what `/reports/monthly.csv` answers by default (the path programs already use), while
`/reports/monthly.csv?lang=zh` is the same file as `format=csv`.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from services.lawyers.access import OverseerCtx
from services.lawyers.report import service
from shared.problem_docs import problems
from shared.reports import CSV_MEDIA_TYPE, CSV_RESPONSES, REPORT_RESPONSES, ReportFormat, report_response, to_csv
from shared.routing import OneHopRoute
from shared.timeutil import Month

router = APIRouter(prefix="/api/v1/lawyers/reports", tags=["reports"], route_class=OneHopRoute)
MonthQuery = Annotated[Month, Query(description="YYYY-MM (Asia/Shanghai calendar month)")]
Lang = Literal["codes", "zh"]


def _csv(body: bytes, month: str) -> Response:
    return Response(body, media_type=CSV_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="lawyers-{month}.csv"'})


@router.get("/monthly", response_model=None, responses={**REPORT_RESPONSES, **problems(404)})
def monthly_report(ctx: OverseerCtx, month: MonthQuery, format: ReportFormat = "json", lawyer_id: str | None = None,
                   lang: Lang | None = None) -> dict | Response:
    """The month's figures: opinions and reviews (on time, late, open), duty days, assists, hours against
    the contract and fees, per lawyer and by category, with their definitions."""
    data = service.build(ctx, month, lawyer_id)
    if format == "csv" and lang == "codes":
        return _csv(service.legacy_csv(data["items"]), month)
    return report_response(service.tabular(ctx, data), format, f"lawyers-{month}", data)


@router.get("/monthly.csv", response_class=Response, responses={**CSV_RESPONSES, **problems(404)})
def monthly_report_csv(ctx: OverseerCtx, month: MonthQuery, lawyer_id: str | None = None,
                       lang: Lang = "codes") -> Response:
    """The CSV: per-lawyer rows under field names (`lang=codes`), or the whole report in Chinese (`lang=zh`)."""
    data = service.build(ctx, month, lawyer_id)
    if lang == "codes":
        return _csv(service.legacy_csv(data["items"]), month)
    return _csv(to_csv(service.tabular(ctx, data)), month)
