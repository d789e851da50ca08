"""Every query of the monthly report (read only, across the service's own tables)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from services.lawyers.duty.models import DutyShift, ReceptionAssist
from services.lawyers.hours.models import FeeEntry, TimeEntry
from services.lawyers.lawyer.models import Lawyer, LawyerContract
from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.review.models import ReviewMatter, ReviewPanelMember


def lawyers(session: Session, ids: set[str]) -> dict[str, Lawyer]:
    if not ids:
        return {}
    return {lw.id: lw for lw in session.execute(select(Lawyer).where(col(Lawyer.id).in_(ids))).scalars()}


def shifts(session: Session, start: date, end: date) -> list[DutyShift]:
    q = select(DutyShift).where(col(DutyShift.day) >= start, col(DutyShift.day) <= end).order_by(col(DutyShift.day))
    return list(session.execute(q).scalars())


def fees(session: Session, start: date, end: date) -> list[FeeEntry]:
    q = (select(FeeEntry).where(col(FeeEntry.day) >= start, col(FeeEntry.day) <= end)
         .order_by(col(FeeEntry.day), col(FeeEntry.id)))
    return list(session.execute(q).scalars())


def hours_by_lawyer(session: Session, start: date, end: date) -> dict[str, float]:
    q = (select(col(TimeEntry.lawyer_id), func.sum(TimeEntry.hours))
         .where(col(TimeEntry.day) >= start, col(TimeEntry.day) <= end).group_by(TimeEntry.lawyer_id))
    return {lid: float(h or 0) for lid, h in session.execute(q)}


def contracts_overlapping(session: Session, start: date, end: date, ids: set[str]) -> dict[str, LawyerContract]:
    """The latest contract of each lawyer overlapping [start, end]."""
    if not ids:
        return {}
    q = (select(LawyerContract).where(col(LawyerContract.lawyer_id).in_(ids), col(LawyerContract.start) <= end,
                                      col(LawyerContract.end) >= start).order_by(col(LawyerContract.start)))
    return {c.lawyer_id: c for c in session.execute(q).scalars()}


def assists(session: Session, start: datetime, end: datetime) -> list[ReceptionAssist]:
    q = select(ReceptionAssist).where(col(ReceptionAssist.start) >= start, col(ReceptionAssist.start) < end)
    return list(session.execute(q.order_by(col(ReceptionAssist.start))).scalars())


def opinion_requests(session: Session, start: date, end: date, start_at: datetime,
                     end_at: datetime) -> list[OpinionRequest]:
    """Requests due, received or answered in the month."""
    q = select(OpinionRequest).where(or_(
        (col(OpinionRequest.due_on) >= start) & (col(OpinionRequest.due_on) <= end),
        (col(OpinionRequest.created_at) >= start_at) & (col(OpinionRequest.created_at) < end_at),
        (col(OpinionRequest.answered_at) >= start_at) & (col(OpinionRequest.answered_at) < end_at)))
    return list(session.execute(q.order_by(col(OpinionRequest.created_at), col(OpinionRequest.id))).scalars())


def reviews(session: Session, start: date, end: date, start_at: datetime, end_at: datetime) -> list[ReviewMatter]:
    """Reviews (复查/复核) due, received or decided in the month."""
    q = select(ReviewMatter).where(or_(
        (col(ReviewMatter.due_on) >= start) & (col(ReviewMatter.due_on) <= end),
        (col(ReviewMatter.received_on) >= start) & (col(ReviewMatter.received_on) <= end),
        (col(ReviewMatter.decided_at) >= start_at) & (col(ReviewMatter.decided_at) < end_at)))
    return list(session.execute(q.order_by(col(ReviewMatter.received_on), col(ReviewMatter.id))).scalars())


def panels(session: Session, review_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {r: [] for r in review_ids}
    if review_ids:
        q = (select(ReviewPanelMember).where(col(ReviewPanelMember.review_id).in_(review_ids))
             .order_by(col(ReviewPanelMember.review_id), col(ReviewPanelMember.position)))
        for m in session.execute(q).scalars():
            out[m.review_id].append(m.lawyer_id)
    return out
