"""Every query about agreements (调解协议) on their own (the session's use cases write them)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement
from services.mediation.followthrough.models import FollowupVisit, JudicialConfirmation
from services.mediation.session.models import SessionMediator


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
