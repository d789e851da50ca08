"""Every query of hours and fees."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from services.lawyers.duty.models import DutyShift
from services.lawyers.hours.models import FeeEntry, TimeEntry
from services.lawyers.lawyer.models import LawyerContract


def hours_between(session: Session, lawyer_id: str, start: date, end: date) -> float:
    return float(session.execute(select(func.coalesce(func.sum(TimeEntry.hours), 0.0)).where(
        col(TimeEntry.lawyer_id) == lawyer_id, col(TimeEntry.day) >= start, col(TimeEntry.day) <= end)).scalar_one())


def hours_by_lawyer(session: Session, start: date, end: date) -> dict[str, float]:
    rows = session.execute(select(col(TimeEntry.lawyer_id), func.sum(TimeEntry.hours)).where(
        col(TimeEntry.day) >= start, col(TimeEntry.day) <= end).group_by(TimeEntry.lawyer_id))
    return {lid: float(h) for lid, h in rows}


def entries_between(session: Session, lawyer_id: str, start: date, end: date) -> list[TimeEntry]:
    q = (select(TimeEntry).where(col(TimeEntry.lawyer_id) == lawyer_id, col(TimeEntry.day) >= start,
                                 col(TimeEntry.day) <= end)
         .order_by(col(TimeEntry.day)))
    return list(session.execute(q).scalars())


def contract_for_year(session: Session, lawyer_id: str, year: int) -> LawyerContract | None:
    """The latest contract overlapping the year."""
    return session.execute(select(LawyerContract).where(
        col(LawyerContract.lawyer_id) == lawyer_id, col(LawyerContract.start) <= date(year, 12, 31),
        col(LawyerContract.end) >= date(year, 1,
                                        1)).order_by(col(LawyerContract.start).desc()).limit(1)).scalar_one_or_none()


def fees_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[FeeEntry]:
    q = select(FeeEntry).where(col(FeeEntry.day) >= start, col(FeeEntry.day) <= end)
    if lawyer_id is not None:
        q = q.where(col(FeeEntry.lawyer_id) == lawyer_id)
    return list(session.execute(q.order_by(col(FeeEntry.day), col(FeeEntry.id))).scalars())


def shifts_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[DutyShift]:
    q = select(DutyShift).where(col(DutyShift.day) >= start, col(DutyShift.day) <= end)
    if lawyer_id is not None:
        q = q.where(col(DutyShift.lawyer_id) == lawyer_id)
    return list(session.execute(q.order_by(col(DutyShift.day))).scalars())
