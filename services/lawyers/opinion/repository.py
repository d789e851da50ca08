"""Every query of opinion requests, assignment decisions and opinions."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

import orjson
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from services.lawyers.opinion.models import AssignmentDecision, AssignmentSkipSet, LegalOpinion, OpinionRequest

_KNOWN_SKIP_SETS: set[str] = set()  # ids seen committed in this process (a skip set is never changed)
_SET_IDS: dict[int, tuple[dict, str]] = {}  # id(memoised failing dict) -> (that dict, its skip set id)


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


def _grouped(failing: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lid, key in failing.items():
        out.setdefault(key, []).append(lid)
    return {k: sorted(v) for k, v in sorted(out.items())}


def skip_set(session: Session, failing: dict[str, str]) -> str:
    """The id of the skip set holding `failing` (lawyer id -> reasons), stored once by content.

    `failing` comes memoised from the roster snapshot, so its id is cached by object identity.
    """
    cached = _SET_IDS.get(id(failing))
    if cached is not None and cached[0] is failing:
        set_id, grouped = cached[1], None
    else:
        grouped = _grouped(failing)
        set_id = hashlib.sha1(orjson.dumps(grouped)).hexdigest()
        if len(_SET_IDS) > 512:
            _SET_IDS.clear()
        _SET_IDS[id(failing)] = (failing, set_id)
    if set_id in _KNOWN_SKIP_SETS:
        return set_id
    with session.no_autoflush:
        exists = session.get(AssignmentSkipSet, set_id) is not None
    if exists:
        if len(_KNOWN_SKIP_SETS) > 4096:
            _KNOWN_SKIP_SETS.clear()
        _KNOWN_SKIP_SETS.add(set_id)
        return set_id
    if grouped is None:
        grouped = _grouped(failing)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(AssignmentSkipSet).values(id=set_id, skipped=grouped).on_conflict_do_nothing())
    return set_id


def skip_sets(session: Session, ids: set[str]) -> dict[str, dict]:
    if not ids:
        return {}
    return {r.id: r.skipped for r in session.execute(
        select(AssignmentSkipSet).where(AssignmentSkipSet.id.in_(sorted(ids)))).scalars()}
