"""Every query of opinion requests, assignment decisions and opinions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from services.lawyers.lawyer.snapshot import RosterVerdict
from services.lawyers.opinion.models import AssignmentDecision, AssignmentSkipSet, LegalOpinion, OpinionRequest


def get(session: Session, request_id: str) -> OpinionRequest | None:
    return session.get(OpinionRequest, request_id)


def page(session: Session, *, status: str | None, assignee: str | None, case_no: str | None,
         after: list | None, limit: int) -> list[OpinionRequest]:
    q = select(OpinionRequest).order_by(OpinionRequest.created_at, OpinionRequest.id).limit(limit + 1)
    if status:
        q = q.where(OpinionRequest.status == status)
    if assignee is not None:
        q = q.where(OpinionRequest.assignee_id == assignee)
    if case_no:
        q = q.where(OpinionRequest.case_no == case_no)
    if after:
        ts, rid = datetime.fromisoformat(after[0]), after[1]
        q = q.where(or_(OpinionRequest.created_at > ts,
                        and_(OpinionRequest.created_at == ts, OpinionRequest.id > rid)))
    return list(session.execute(q).scalars())


def open_of(session: Session, lawyer_id: str) -> list[OpinionRequest]:
    return list(session.execute(select(OpinionRequest).where(
        OpinionRequest.assignee_id == lawyer_id, OpinionRequest.status == "assigned")).scalars())


def open_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OpinionRequest.assignee_id, func.count()).where(
        OpinionRequest.status == "assigned").group_by(OpinionRequest.assignee_id))
    return {a: n for a, n in rows}


def decisions(session: Session, request_id: str) -> list[AssignmentDecision]:
    return list(session.execute(select(AssignmentDecision).where(AssignmentDecision.request_id == request_id)
                                .order_by(AssignmentDecision.at, AssignmentDecision.id)).scalars())


def opinions_of_request(session: Session, request_id: str) -> list[LegalOpinion]:
    return list(session.execute(select(LegalOpinion).where(LegalOpinion.request_id == request_id)
                                .order_by(LegalOpinion.version)).scalars())


def opinions_of_review(session: Session, review_id: str) -> list[LegalOpinion]:
    return list(session.execute(select(LegalOpinion).where(LegalOpinion.review_id == review_id)
                                .order_by(LegalOpinion.version)).scalars())


def opinions_page(session: Session, *, case_no: str | None, lawyer_id: str | None, after: list | None,
                  limit: int) -> list[LegalOpinion]:
    q = select(LegalOpinion).order_by(LegalOpinion.filed_at, LegalOpinion.id).limit(limit + 1)
    if case_no:
        q = q.where(LegalOpinion.case_no == case_no)
    if lawyer_id is not None:
        q = q.where(LegalOpinion.lawyer_id == lawyer_id)
    if after:
        ts, oid = datetime.fromisoformat(after[0]), after[1]
        q = q.where(or_(LegalOpinion.filed_at > ts, and_(LegalOpinion.filed_at == ts, LegalOpinion.id > oid)))
    return list(session.execute(q).scalars())


def due_soon_candidates(session: Session, limit_day: date):
    return (select(OpinionRequest).where(OpinionRequest.status == "assigned",
                                         OpinionRequest.due_soon_at.is_(None),
                                         OpinionRequest.due_on <= limit_day)
            .order_by(OpinionRequest.due_on).limit(500))


def overdue_candidates(session: Session, today: date):
    return (select(OpinionRequest).where(OpinionRequest.status.in_(["assigned", "unassigned"]),
                                         OpinionRequest.overdue_at.is_(None),
                                         OpinionRequest.due_on < today)
            .order_by(OpinionRequest.due_on).limit(500))


def skip_set(session: Session, roster: RosterVerdict) -> str:
    """The id of the skip set holding the roster rules' skips, stored once by content."""
    if not roster.stored:
        with session.no_autoflush:
            if session.get(AssignmentSkipSet, roster.skip_set_id) is not None:
                roster.stored = True  # committed, so every later decision on this verdict can skip the check
            else:
                insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
                session.execute(insert(AssignmentSkipSet).values(id=roster.skip_set_id, skipped=roster.grouped)
                                .on_conflict_do_nothing())
    return roster.skip_set_id


def skip_sets(session: Session, ids: set[str]) -> dict[str, dict]:
    if not ids:
        return {}
    return {r.id: r.skipped for r in session.execute(
        select(AssignmentSkipSet).where(AssignmentSkipSet.id.in_(sorted(ids)))).scalars()}
