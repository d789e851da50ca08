"""Opinion requests' and reviews' due dates computed again when the calendar changes (shared/deadlines.py).

Every open request whose `due_on` came from the default period (`due_start` set; a date the caller gave
is never moved) and every open review, not yet past due, is computed again; each date that moved is
recorded and announced as `lawyers.deadline.recomputed`, and its due-soon mark is reset so that the
reminder follows the new date.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.review.models import RULE_OF_KIND, ReviewMatter
from shared import deadlines
from shared.calendar import WorkingCalendar, rule_deadline_checked
from shared.events.envelope import CloudEvent

SOURCE = "lawyers"


def recompute(session: Session, cal: WorkingCalendar, event: CloudEvent, today: date) -> None:
    q = select(OpinionRequest).where(col(OpinionRequest.status) != "answered",
                                     col(OpinionRequest.due_start).is_not(None),
                                     col(OpinionRequest.due_on) >= today)
    for r in session.execute(q).scalars():
        due, missing = rule_deadline_checked(cal, "legal_opinion_due", r.due_start)
        if due != r.due_on:
            deadlines.record(session, SOURCE, event, object="opinion_request", object_id=r.id, field="due_on",
                             case_no=r.case_no, old=r.due_on, new=due, missing_year=missing)
            r.due_on, r.due_soon_at, r.overdue_at = due, None, None
        r.deadline_missing_year = missing
    reviews = select(ReviewMatter).where(col(ReviewMatter.status) == "open", col(ReviewMatter.due_on) >= today)
    for m in session.execute(reviews).scalars():
        due, missing = rule_deadline_checked(cal, RULE_OF_KIND[m.kind], m.received_on, excluded_days=m.hearing_days)
        if due != m.due_on:
            deadlines.record(session, SOURCE, event, object="review", object_id=m.id, field="due_on",
                             case_no=m.case_no, old=m.due_on, new=due, missing_year=missing)
            m.due_on, m.due_soon_at, m.overdue_at = due, None, None
        m.deadline_missing_year = missing
    session.flush()
