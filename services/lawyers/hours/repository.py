"""Every query of hours and fees."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from services.lawyers.duty.models import DutyShift
from services.lawyers.hours.models import FeeEntry, TimeEntry
from services.lawyers.lawyer.models import LawyerContract


def hours_between(session: Session, lawyer_id: str, start: date, end: date) -> float:
    return float(session.execute(select(func.coalesce(func.sum(TimeEntry.hours), 0.0)).where(
        TimeEntry.lawyer_id == lawyer_id, TimeEntry.day >= start, TimeEntry.day <= end)).scalar_one())


def hours_by_lawyer(session: Session, start: date, end: date) -> dict[str, float]:
    rows = session.execute(select(TimeEntry.lawyer_id, func.sum(TimeEntry.hours)).where(
        TimeEntry.day >= start, TimeEntry.day <= end).group_by(TimeEntry.lawyer_id))
    return {lid: float(h) for lid, h in rows}


def entries_between(session: Session, lawyer_id: str, start: date, end: date) -> list[TimeEntry]:
    return list(session.execute(select(TimeEntry).where(TimeEntry.lawyer_id == lawyer_id, TimeEntry.day >= start,
                                                        TimeEntry.day <= end).order_by(TimeEntry.day)).scalars())


def contract_for_year(session: Session, lawyer_id: str, year: int) -> LawyerContract | None:
    """The latest contract overlapping the year."""
    return session.execute(select(LawyerContract).where(
        LawyerContract.lawyer_id == lawyer_id, LawyerContract.start <= date(year, 12, 31),
        LawyerContract.end >= date(year, 1, 1)).order_by(LawyerContract.start.desc()).limit(1)).scalar_one_or_none()


def fees_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[FeeEntry]:
    q = select(FeeEntry).where(FeeEntry.day >= start, FeeEntry.day <= end)
    if lawyer_id is not None:
        q = q.where(FeeEntry.lawyer_id == lawyer_id)
    return list(session.execute(q.order_by(FeeEntry.day, FeeEntry.id)).scalars())


def shifts_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[DutyShift]:
    q = select(DutyShift).where(DutyShift.day >= start, DutyShift.day <= end)
    if lawyer_id is not None:
        q = q.where(DutyShift.lawyer_id == lawyer_id)
    return list(session.execute(q.order_by(DutyShift.day)).scalars())
