"""The query behind a case's participants: logins of the lawyers working on a case."""
from __future__ import annotations

from sqlalchemy import select, union
from sqlmodel import Session, col

from services.lawyers.lawyer.models import Lawyer
from services.lawyers.opinion.models import LegalOpinion, OpinionRequest
from services.lawyers.review.models import ReviewMatter, ReviewPanelMember


def logins_of_case(session: Session, case_no: str) -> list[str]:
    """Sorted logins of the lawyers assigned a request of the case, who filed an opinion on it, or who sit
    on the panel of one of its reviews."""
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
    return sorted(u for u in users if u)
