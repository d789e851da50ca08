"""Every query of the duty roster, reception days and assists."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from services.lawyers.duty.models import DutyShift, ReceptionAssist, ReceptionDay


def get_shift(session: Session, shift_id: str) -> DutyShift | None:
    return session.get(DutyShift, shift_id)


def get_assist(session: Session, assist_id: str) -> ReceptionAssist | None:
    return session.get(ReceptionAssist, assist_id)


def shifts_between(session: Session, start: date, end: date, lawyer_id: str | None = None) -> list[DutyShift]:
    q = select(DutyShift).where(col(DutyShift.day) >= start, col(DutyShift.day) <= end)
    if lawyer_id is not None:
        q = q.where(col(DutyShift.lawyer_id) == lawyer_id)
    return list(session.execute(q.order_by(col(DutyShift.day), col(DutyShift.slot))).scalars())


def count_between(session: Session, start: date, end: date) -> int:
    return session.execute(select(func.count()).select_from(DutyShift).where(
        col(DutyShift.day) >= start, col(DutyShift.day) <= end)).scalar_one()


def delete_between(session: Session, start: date, end: date) -> None:
    session.execute(delete(DutyShift).where(col(DutyShift.day) >= start, col(DutyShift.day) <= end))


def last_duty_before(session: Session, start: date) -> dict[str, date]:
    rows = session.execute(select(col(DutyShift.lawyer_id), func.max(DutyShift.day)).where(col(DutyShift.day) < start)
                           .group_by(DutyShift.lawyer_id))
    return dict(rows.tuples().all())  # a Result has keys(): dict() would read it as a mapping


def on_duty(session: Session, lawyer_id: str, d: date) -> DutyShift | None:
    return session.execute(select(DutyShift).where(col(DutyShift.lawyer_id) == lawyer_id, col(DutyShift.day) == d)
                           ).scalar_one_or_none()


def on_duty_ids(session: Session, d: date) -> set[str]:
    return set(session.execute(select(col(DutyShift.lawyer_id)).where(col(DutyShift.day) == d)).scalars())


def reception_days_between(session: Session, start: date, end: date) -> list[ReceptionDay]:
    return list(session.execute(select(ReceptionDay).where(col(ReceptionDay.day) >= start, col(ReceptionDay.day) <= end)
                                .order_by(col(ReceptionDay.day))).scalars())


def assists_overlapping(session: Session, start: datetime, end: datetime) -> list[ReceptionAssist]:
    return list(session.execute(select(ReceptionAssist).where(col(ReceptionAssist.start) < end,
                                                              col(ReceptionAssist.end) > start)).scalars())


def previous_assist(session: Session, leader: str, before: datetime) -> ReceptionAssist | None:
    return session.execute(select(ReceptionAssist).where(col(ReceptionAssist.leader) == leader,
                                                         col(ReceptionAssist.start) <= before)
                           .order_by(col(ReceptionAssist.start).desc()).limit(1)).scalar_one_or_none()


def assist_stats(session: Session, since: datetime) -> dict[str, tuple[int, datetime]]:
    rows = session.execute(select(col(ReceptionAssist.lawyer_id), func.count(), func.max(ReceptionAssist.start))
                           .where(col(ReceptionAssist.start) >= since).group_by(ReceptionAssist.lawyer_id))
    return {lid: (n, last) for lid, n, last in rows}


def assists_between(session: Session, start: datetime, end: datetime, lawyer_id: str | None = None,
                    leader: str | None = None) -> list[ReceptionAssist]:
    q = select(ReceptionAssist).where(col(ReceptionAssist.start) < end, col(ReceptionAssist.end) > start)
    if lawyer_id is not None:
        q = q.where(col(ReceptionAssist.lawyer_id) == lawyer_id)
    if leader:
        q = q.where(col(ReceptionAssist.leader) == leader)
    return list(session.execute(q.order_by(col(ReceptionAssist.start))).scalars())


def assists_of(session: Session, lawyer_id: str) -> list[ReceptionAssist]:
    return list(session.execute(select(ReceptionAssist).where(col(ReceptionAssist.lawyer_id) == lawyer_id)
                                .order_by(col(ReceptionAssist.start))).scalars())
