"""Every query of the review studio."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from services.lawyers.review.models import ReviewHearing, ReviewMatter, ReviewPanelMember


def get(session: Session, review_id: str) -> ReviewMatter | None:
    return session.get(ReviewMatter, review_id)


def open_due_from(session: Session, today: date) -> list[ReviewMatter]:
    """Open reviews due today or later (computed again when the calendar changes)."""
    q = select(ReviewMatter).where(col(ReviewMatter.status) == "open", col(ReviewMatter.due_on) >= today)
    return list(session.execute(q).scalars())


def re_examination_of(session: Session, case_no: str) -> ReviewMatter | None:
    return session.execute(select(ReviewMatter).where(col(ReviewMatter.case_no) == case_no,
                                                      col(ReviewMatter.kind) == "re_examination")).scalar_one_or_none()


def panel(session: Session, review_id: str) -> list[str]:
    q = (select(col(ReviewPanelMember.lawyer_id)).where(col(ReviewPanelMember.review_id) == review_id)
         .order_by(col(ReviewPanelMember.position)))
    return list(session.execute(q).scalars())


def clear_panel(session: Session, review_id: str) -> None:
    for m in session.execute(select(ReviewPanelMember).where(col(ReviewPanelMember.review_id) == review_id)).scalars():
        session.delete(m)
    session.flush()


def open_loads(session: Session) -> dict[str, tuple[int, object]]:
    rows = session.execute(select(col(ReviewPanelMember.lawyer_id), func.count(),
                                  func.max(ReviewPanelMember.assigned_at))
                           .join(ReviewMatter, col(ReviewMatter.id) == ReviewPanelMember.review_id)
                           .where(col(ReviewMatter.status) == "open").group_by(ReviewPanelMember.lawyer_id))
    return {lid: (n, last) for lid, n, last in rows}


def hearings(session: Session, review_id: str) -> list[ReviewHearing]:
    return list(session.execute(select(ReviewHearing).where(col(ReviewHearing.review_id) == review_id)
                                .order_by(col(ReviewHearing.start))).scalars())


def hearings_of_lawyer(session: Session, lawyer_id: str) -> list[tuple[ReviewHearing, ReviewMatter]]:
    return list(session.execute(
        select(ReviewHearing, ReviewMatter).join(ReviewMatter, col(ReviewMatter.id) == ReviewHearing.review_id)
        .join(ReviewPanelMember, col(ReviewPanelMember.review_id) == ReviewMatter.id)
        .where(col(ReviewPanelMember.lawyer_id) == lawyer_id)).all())


def reviews_of_lawyer(session: Session, lawyer_id: str) -> list[ReviewMatter]:
    return list(session.execute(select(ReviewMatter).join(ReviewPanelMember,
                                                          col(ReviewPanelMember.review_id) == ReviewMatter.id)
                                .where(col(ReviewPanelMember.lawyer_id) == lawyer_id)).scalars())


def page(session: Session, *, case_no: str | None, status: str | None, member: str | None, after: str | None,
         limit: int) -> list[ReviewMatter]:
    q = select(ReviewMatter).order_by(ReviewMatter.id).limit(limit + 1)
    if case_no:
        q = q.where(col(ReviewMatter.case_no) == case_no)
    if status:
        q = q.where(col(ReviewMatter.status) == status)
    if member is not None:
        q = q.where(col(ReviewMatter.id).in_(select(col(ReviewPanelMember.review_id))
                                        .where(col(ReviewPanelMember.lawyer_id) == member)))
    if after:
        q = q.where(col(ReviewMatter.id) > after)
    return list(session.execute(q).scalars())


def due_soon_candidates(limit_day: date):
    return (select(ReviewMatter).where(col(ReviewMatter.status) == "open", col(ReviewMatter.due_soon_at).is_(None),
                                       col(ReviewMatter.due_on) <= limit_day)
            .order_by(col(ReviewMatter.due_on)).limit(500))


def overdue_candidates(today: date):
    return (select(ReviewMatter).where(col(ReviewMatter.status) == "open", col(ReviewMatter.overdue_at).is_(None),
                                       col(ReviewMatter.due_on) < today).order_by(col(ReviewMatter.due_on)).limit(500))
