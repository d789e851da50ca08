"""Every query of the lawyers' reminder rules."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from services.lawyers.lawyer.models import Lawyer
from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.review.models import ReviewMatter, ReviewPanelMember

LIMIT = 1000


def requests_due(session: Session, first: date, last: date) -> list[OpinionRequest]:
    """Assigned, unanswered opinion requests due in [first, last]."""
    q = (select(OpinionRequest).where(col(OpinionRequest.status) == "assigned",
                                      col(OpinionRequest.assignee_id).is_not(None),
                                      col(OpinionRequest.due_on) >= first, col(OpinionRequest.due_on) <= last)
         .order_by(col(OpinionRequest.due_on)).limit(LIMIT))
    return list(session.execute(q).scalars())


def reviews_due(session: Session, first: date, last: date) -> list[ReviewMatter]:
    """Open reviews due in [first, last]."""
    q = (select(ReviewMatter).where(col(ReviewMatter.status) == "open", col(ReviewMatter.due_on) >= first,
                                    col(ReviewMatter.due_on) <= last)
         .order_by(col(ReviewMatter.due_on)).limit(LIMIT))
    return list(session.execute(q).scalars())


def panels(session: Session, review_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if not review_ids:
        return out
    q = (select(col(ReviewPanelMember.review_id), col(ReviewPanelMember.lawyer_id))
         .where(col(ReviewPanelMember.review_id).in_(review_ids)).order_by(col(ReviewPanelMember.position)))
    for rid, lid in session.execute(q):
        out[rid].append(lid)
    return out


def on_panel(session: Session, review_id: str, lawyer_id: str) -> bool:
    return session.get(ReviewPanelMember, (review_id, lawyer_id)) is not None


def lawyers(session: Session, ids: set[str]) -> dict[str, Lawyer]:
    if not ids:
        return {}
    return {lw.id: lw for lw in session.execute(select(Lawyer).where(col(Lawyer.id).in_(sorted(ids)))).scalars()}
