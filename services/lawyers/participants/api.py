"""`GET /internal/cases/{case_no}/participants`: who works on a case in the lawyers' service (for the
gateway's object-level rules on its own reads: the timeline and the handoffs of a case).

The people are the login names (`Lawyer.login`) of the lawyers assigned an opinion request of the case,
who filed an opinion on it, or who sit on the panel of one of its reviews. Internal (service tokens
only); the gateway caches the answer briefly.
"""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select, union
from sqlmodel import col

from services.lawyers.lawyer.models import Lawyer
from services.lawyers.opinion.models import LegalOpinion, OpinionRequest
from services.lawyers.review.models import ReviewMatter, ReviewPanelMember
from shared.auth import ServicePrincipal
from shared.db import DbSession
from shared.routing import OneHopRoute

router = APIRouter(tags=["internal"], route_class=OneHopRoute)


@router.get("/internal/cases/{case_no}/participants", include_in_schema=False)
def case_participants(case_no: str, session: DbSession, _: ServicePrincipal) -> dict:
    case_no = case_no[:64]
    lawyer_ids = union(
        select(col(OpinionRequest.assignee_id).label("lid")).where(col(OpinionRequest.case_no) == case_no,
                                                             col(OpinionRequest.assignee_id).is_not(None)),
        select(col(LegalOpinion.lawyer_id).label("lid")).where(col(LegalOpinion.case_no) == case_no),
        select(col(ReviewPanelMember.lawyer_id).label("lid"))
        .join(ReviewMatter, col(ReviewMatter.id) == ReviewPanelMember.review_id)
        .where(col(ReviewMatter.case_no) == case_no),
    ).subquery()
    users = session.execute(select(col(Lawyer.login)).distinct().where(col(Lawyer.id).in_(select(lawyer_ids.c.lid)),
                                                                 col(Lawyer.login).is_not(None))).scalars()
    return {"case_no": case_no, "service": "lawyers", "users": sorted(u for u in users if u)}
