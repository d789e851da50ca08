"""Every query about sessions, their mediators, parties and reminders."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from services.mediation.session.models import (
    MediationSession, SessionMediator, SessionParty, SessionReminder, SessionStatus,
)

ACTIVE = (SessionStatus.scheduled.value, SessionStatus.in_progress.value)


def get(session: Session, session_id: str, *, lock: bool = False) -> MediationSession | None:
    if lock and session.get_bind().dialect.name == "postgresql":
        q = select(MediationSession).where(MediationSession.id == session_id).with_for_update()
        return session.execute(q).scalar()
    return session.get(MediationSession, session_id)


def mediator_ids(session: Session, session_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if not session_ids:
        return out
    q = (select(SessionMediator.session_id, SessionMediator.mediator_id)
         .where(SessionMediator.session_id.in_(session_ids)).order_by(SessionMediator.position))
    for sid, mid in session.execute(q):
        out[sid].append(mid)
    return out


def parties(session: Session, session_ids: list[str]) -> dict[str, list[SessionParty]]:
    out: dict[str, list[SessionParty]] = defaultdict(list)
    if not session_ids:
        return out
    q = select(SessionParty).where(SessionParty.session_id.in_(session_ids)).order_by(SessionParty.position)
    for p in session.execute(q).scalars():
        out[p.session_id].append(p)
    return out


def page(session: Session, *, after: list | None, limit: int, case_no: str | None = None,
         room_id: str | None = None, mediator_id: str | None = None, status: str | None = None,
         start: datetime | None = None, end: datetime | None = None,
         only_mediator: str | None = None) -> list[MediationSession]:
    """Sessions in (start, id) order; `only_mediator` restricts to the sessions that mediator mediates."""
    q = select(MediationSession)
    for mid in {m for m in (mediator_id, only_mediator) if m}:
        sub = select(SessionMediator.session_id).where(SessionMediator.mediator_id == mid)
        q = q.where(MediationSession.id.in_(sub))
    if case_no:
        q = q.where(MediationSession.case_no == case_no)
    if room_id:
        q = q.where(MediationSession.room_id == room_id)
    if status:
        q = q.where(MediationSession.status == status)
    if start is not None:
        q = q.where(MediationSession.ends_at > start)
    if end is not None:
        q = q.where(MediationSession.starts_at < end)
    if after:
        t = datetime.fromisoformat(after[0])
        q = q.where((MediationSession.starts_at > t)
                    | ((MediationSession.starts_at == t) & (MediationSession.id > after[1])))
    q = q.order_by(MediationSession.starts_at, MediationSession.id).limit(limit + 1)
    return list(session.execute(q).scalars())


def of_case(session: Session, case_no: str) -> list[MediationSession]:
    q = select(MediationSession).where(MediationSession.case_no == case_no).order_by(MediationSession.starts_at)
    return list(session.execute(q).scalars())


def for_feed(session: Session, *, room_id: str | None = None, mediator_id: str | None = None,
             since: datetime) -> list[MediationSession]:
    q = select(MediationSession).where(MediationSession.ends_at > since)
    if room_id:
        q = q.where(MediationSession.room_id == room_id)
    if mediator_id:
        q = q.where(MediationSession.id.in_(
            select(SessionMediator.session_id).where(SessionMediator.mediator_id == mediator_id)))
    return list(session.execute(q.order_by(MediationSession.starts_at)).scalars())


def active_ids_overlapping(session: Session, *, start: datetime, end: datetime, room_id: str | None = None,
                           mediator_id: str | None = None) -> list[str]:
    q = select(MediationSession.id).where(MediationSession.status.in_(ACTIVE),
                                          MediationSession.starts_at < end, MediationSession.ends_at > start)
    if room_id:
        q = q.where(MediationSession.room_id == room_id)
    if mediator_id:
        q = q.where(MediationSession.id.in_(
            select(SessionMediator.session_id).where(SessionMediator.mediator_id == mediator_id)))
    return list(session.execute(q.order_by(MediationSession.starts_at)).scalars())


def replace_reminders(session: Session, session_id: str, due: dict[int, datetime]) -> None:
    """Drop the unsent reminders of a session and plan `due` ({lead hours: due instant})."""
    session.execute(delete(SessionReminder).where(SessionReminder.session_id == session_id,
                                                  SessionReminder.sent_at.is_(None)))
    sent = set(session.execute(select(SessionReminder.lead_hours)
                               .where(SessionReminder.session_id == session_id)).scalars())
    for lead, at in due.items():
        if lead in sent:  # sent before a reschedule: plan it again
            session.execute(delete(SessionReminder).where(SessionReminder.session_id == session_id,
                                                          SessionReminder.lead_hours == lead))
        session.add(SessionReminder(session_id=session_id, lead_hours=lead, due_at=at))


def drop_pending_reminders(session: Session, session_id: str) -> None:
    session.execute(delete(SessionReminder).where(SessionReminder.session_id == session_id,
                                                  SessionReminder.sent_at.is_(None)))
