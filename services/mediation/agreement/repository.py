"""Every query about agreements (调解协议) and satisfaction ratings (满意度评价)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement, Satisfaction
from services.mediation.followthrough.models import FollowupVisit, JudicialConfirmation
from services.mediation.session.models import SessionMediator
from shared.jobs import claim


def page(session: Session, *, after: list | None, limit: int, today: date, open_: bool | None = None,
         case_no: str | None = None, only_mediator: str | None = None) -> list[Agreement]:
    """Agreements by (司法确认 deadline, id); `only_mediator`: those of sessions that mediator mediates.

    Open: the 司法确认 window is still open (deadline today or later) and the parties have not applied yet,
    or no follow-up visit (回访) has been recorded. Closed (`open_` False): neither.
    """
    q = select(Agreement)
    if only_mediator:
        q = q.where(col(Agreement.session_id).in_(
            select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == only_mediator)))
    if case_no:
        q = q.where(col(Agreement.case_no) == case_no)
    applied = exists().where(col(JudicialConfirmation.agreement_id) == Agreement.id)
    visited = exists().where(col(FollowupVisit.agreement_id) == Agreement.id)
    is_open = or_(and_(col(Agreement.judicial_confirmation_deadline) >= today, ~applied), ~visited)
    if open_ is True:
        q = q.where(is_open)
    elif open_ is False:
        q = q.where(~is_open)
    if after:
        d = date.fromisoformat(after[0])
        q = q.where((Agreement.judicial_confirmation_deadline > d)
                    | ((Agreement.judicial_confirmation_deadline == d) & (Agreement.id > after[1])))
    q = q.order_by(col(Agreement.judicial_confirmation_deadline), col(Agreement.id)).limit(limit + 1)
    return list(session.execute(q).scalars())


def of_session(session: Session, session_id: str) -> Agreement | None:
    """The agreement reached in a session (at most one)."""
    return session.execute(select(Agreement).where(col(Agreement.session_id) == session_id)).scalar()


def of_case(session: Session, case_no: str) -> list[Agreement]:
    """A case's agreements, oldest first."""
    q = select(Agreement).where(col(Agreement.case_no) == case_no).order_by(col(Agreement.created_at))
    return list(session.execute(q).scalars())


def still_running(session: Session, today: date) -> list[Agreement]:
    """Agreements whose 司法确认 deadline or 回访 date is today or later (recomputed when the calendar changes)."""
    q = select(Agreement).where(or_(col(Agreement.judicial_confirmation_deadline) >= today,
                                    col(Agreement.followup_on) >= today))
    return list(session.execute(q).scalars())


def claim_followups_due(session: Session, today: date, limit: int) -> list[Agreement]:
    """Agreements whose 回访 date has come and not yet announced, claimed for this transaction."""
    return claim(session, select(Agreement).where(col(Agreement.followup_notified_at).is_(None),
                                                  col(Agreement.followup_on) <= today)
                 .order_by(col(Agreement.followup_on)).limit(limit))


def claim_judicial_windows_closing(session: Session, today: date, horizon: date, limit: int) -> list[Agreement]:
    """Agreements whose 司法确认 deadline falls in [today, horizon], not yet warned, claimed for this transaction."""
    return claim(session, select(Agreement).where(col(Agreement.judicial_warned_at).is_(None),
                                                  col(Agreement.judicial_confirmation_deadline) <= horizon,
                                                  col(Agreement.judicial_confirmation_deadline) >= today)
                 .order_by(col(Agreement.judicial_confirmation_deadline)).limit(limit))


# -- satisfaction ratings (满意度评价) ----------------------------------------------------------
def rated(session: Session, session_id: str, party_key: str) -> bool:
    """True when that party has already rated that session."""
    q = select(col(Satisfaction.id)).where(col(Satisfaction.session_id) == session_id,
                                           col(Satisfaction.party_key) == party_key)
    return bool(session.execute(q).scalar())


def ratings_of_case(session: Session, case_no: str) -> list[Satisfaction]:
    """A case's ratings, oldest first."""
    q = select(Satisfaction).where(col(Satisfaction.case_no) == case_no).order_by(col(Satisfaction.created_at))
    return list(session.execute(q).scalars())
