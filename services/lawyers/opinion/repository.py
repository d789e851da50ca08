"""Every query of opinion requests, assignment decisions and opinions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from services.lawyers.lawyer.snapshot import RosterVerdict
from services.lawyers.opinion.models import AssignmentDecision, AssignmentSkipSet, LegalOpinion, OpinionRequest


def get(session: Session, request_id: str) -> OpinionRequest | None:
    return session.get(OpinionRequest, request_id)


def get_opinion(session: Session, opinion_id: str) -> LegalOpinion | None:
    return session.get(LegalOpinion, opinion_id)


def page(session: Session, *, status: str | None, assignee: str | None, case_no: str | None,
         after: list | None, limit: int) -> list[OpinionRequest]:
    q = select(OpinionRequest).order_by(col(OpinionRequest.created_at), col(OpinionRequest.id)).limit(limit + 1)
    if status:
        q = q.where(col(OpinionRequest.status) == status)
    if assignee is not None:
        q = q.where(col(OpinionRequest.assignee_id) == assignee)
    if case_no:
        q = q.where(col(OpinionRequest.case_no) == case_no)
    if after:
        ts, rid = datetime.fromisoformat(after[0]), after[1]
        q = q.where(or_(col(OpinionRequest.created_at) > ts,
                        and_(col(OpinionRequest.created_at) == ts, col(OpinionRequest.id) > rid)))
    return list(session.execute(q).scalars())


def open_of(session: Session, lawyer_id: str) -> list[OpinionRequest]:
    return list(session.execute(select(OpinionRequest).where(
        col(OpinionRequest.assignee_id) == lawyer_id, col(OpinionRequest.status) == "assigned")).scalars())


def decisions(session: Session, request_id: str) -> list[AssignmentDecision]:
    return list(session.execute(select(AssignmentDecision).where(col(AssignmentDecision.request_id) == request_id)
                                .order_by(col(AssignmentDecision.at), col(AssignmentDecision.id))).scalars())


def opinions_of_request(session: Session, request_id: str) -> list[LegalOpinion]:
    return list(session.execute(select(LegalOpinion).where(col(LegalOpinion.request_id) == request_id)
                                .order_by(col(LegalOpinion.version))).scalars())


def opinions_of_review(session: Session, review_id: str) -> list[LegalOpinion]:
    return list(session.execute(select(LegalOpinion).where(col(LegalOpinion.review_id) == review_id)
                                .order_by(col(LegalOpinion.version))).scalars())


def opinions_page(session: Session, *, case_no: str | None, lawyer_id: str | None, after: list | None,
                  limit: int) -> list[LegalOpinion]:
    q = select(LegalOpinion).order_by(col(LegalOpinion.filed_at), col(LegalOpinion.id)).limit(limit + 1)
    if case_no:
        q = q.where(col(LegalOpinion.case_no) == case_no)
    if lawyer_id is not None:
        q = q.where(col(LegalOpinion.lawyer_id) == lawyer_id)
    if after:
        ts, oid = datetime.fromisoformat(after[0]), after[1]
        q = q.where(or_(col(LegalOpinion.filed_at) > ts, and_(col(LegalOpinion.filed_at) == ts,
                                                              col(LegalOpinion.id) > oid)))
    return list(session.execute(q).scalars())


def open_with_default_due_from(session: Session, today: date) -> list[OpinionRequest]:
    """Requests not yet answered whose `due_on` came from the default period and is today or later
    (computed again when the calendar changes; a date the caller gave is never moved)."""
    q = select(OpinionRequest).where(col(OpinionRequest.status) != "answered",
                                     col(OpinionRequest.due_start).is_not(None),
                                     col(OpinionRequest.due_on) >= today)
    return list(session.execute(q).scalars())


def year_serial(session: Session, first: LegalOpinion, year_start: datetime, year_end: datetime) -> int:
    """The opinion's number in its year (first versions filed in [year_start, year_end), up to `first`)."""
    q = select(func.count()).select_from(LegalOpinion).where(
        col(LegalOpinion.version) == 1, col(LegalOpinion.filed_at) >= year_start,
        col(LegalOpinion.filed_at) < year_end,
        or_(col(LegalOpinion.filed_at) < first.filed_at, and_(col(LegalOpinion.filed_at) == first.filed_at,
                                                         col(LegalOpinion.id) <= first.id)))
    return int(session.execute(q).scalar_one())


def due_soon_candidates(session: Session, limit_day: date):
    return (select(OpinionRequest).where(col(OpinionRequest.status) == "assigned",
                                         col(OpinionRequest.due_soon_at).is_(None),
                                         col(OpinionRequest.due_on) <= limit_day)
            .order_by(col(OpinionRequest.due_on)).limit(500))


def overdue_candidates(session: Session, today: date):
    return (select(OpinionRequest).where(col(OpinionRequest.status).in_(["assigned", "unassigned"]),
                                         col(OpinionRequest.overdue_at).is_(None),
                                         col(OpinionRequest.due_on) < today)
            .order_by(col(OpinionRequest.due_on)).limit(500))


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
        select(AssignmentSkipSet).where(col(AssignmentSkipSet.id).in_(sorted(ids)))).scalars()}
