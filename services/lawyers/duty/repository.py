"""Every query of the duty roster, reception days and assists."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from services.lawyers.duty.models import DutyShift, ReceptionAssist, ReceptionDay


def shifts_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[DutyShift]:
    q = select(DutyShift).where(DutyShift.day >= start, DutyShift.day <= end)
    if lawyer_id is not None:
        q = q.where(DutyShift.lawyer_id == lawyer_id)
    return list(session.execute(q.order_by(DutyShift.day, DutyShift.slot)).scalars())


def count_between(session: Session, start: date, end: date) -> int:
    return session.execute(select(func.count()).select_from(DutyShift).where(
        DutyShift.day >= start, DutyShift.day <= end)).scalar_one()


def delete_between(session: Session, start: date, end: date) -> None:
    session.execute(delete(DutyShift).where(DutyShift.day >= start, DutyShift.day <= end))


def last_duty_before(session: Session, start: date) -> dict[str, date]:
    rows = session.execute(select(DutyShift.lawyer_id, func.max(DutyShift.day)).where(DutyShift.day < start)
                           .group_by(DutyShift.lawyer_id))
    return {lid: d for lid, d in rows}


def on_duty(session: Session, lawyer_id: str, d: date) -> DutyShift | None:
    return session.execute(select(DutyShift).where(DutyShift.lawyer_id == lawyer_id, DutyShift.day == d)
                           ).scalar_one_or_none()


def on_duty_ids(session: Session, d: date) -> set[str]:
    return set(session.execute(select(DutyShift.lawyer_id).where(DutyShift.day == d)).scalars())


def reception_days_between(session: Session, start: date, end: date) -> list[ReceptionDay]:
    return list(session.execute(select(ReceptionDay).where(ReceptionDay.day >= start, ReceptionDay.day <= end)
                                .order_by(ReceptionDay.day)).scalars())


def assists_overlapping(session: Session, start: datetime, end: datetime) -> list[ReceptionAssist]:
    return list(session.execute(select(ReceptionAssist).where(ReceptionAssist.start < end,
                                                              ReceptionAssist.end > start)).scalars())


def previous_assist(session: Session, leader: str, before: datetime) -> ReceptionAssist | None:
    return session.execute(select(ReceptionAssist).where(ReceptionAssist.leader == leader,
                                                         ReceptionAssist.start <= before)
                           .order_by(ReceptionAssist.start.desc()).limit(1)).scalar_one_or_none()


def assist_stats(session: Session, since: datetime) -> dict[str, tuple[int, datetime]]:
    rows = session.execute(select(ReceptionAssist.lawyer_id, func.count(), func.max(ReceptionAssist.start))
                           .where(ReceptionAssist.start >= since).group_by(ReceptionAssist.lawyer_id))
    return {lid: (n, last) for lid, n, last in rows}


def assists_between(session: Session, start: datetime, end: datetime, lawyer_id: str | None = None,
                    leader: str | None = None) -> list[ReceptionAssist]:
    q = select(ReceptionAssist).where(ReceptionAssist.start < end, ReceptionAssist.end > start)
    if lawyer_id is not None:
        q = q.where(ReceptionAssist.lawyer_id == lawyer_id)
    if leader:
        q = q.where(ReceptionAssist.leader == leader)
    return list(session.execute(q.order_by(ReceptionAssist.start)).scalars())


def assists_of(session: Session, lawyer_id: str) -> list[ReceptionAssist]:
    return list(session.execute(select(ReceptionAssist).where(ReceptionAssist.lawyer_id == lawyer_id)
                                .order_by(ReceptionAssist.start)).scalars())
