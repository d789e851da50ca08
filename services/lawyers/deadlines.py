"""Opinion requests' and reviews' due dates computed again when the calendar changes (shared/deadlines.py).

Every open request whose `due_on` came from the default period (`due_start` set; a date the caller gave
is never moved) and every open review, not yet past due, is computed again; each date that moved is
recorded and announced as `lawyers.deadline.recomputed`, and its due-soon mark is reset so that the
reminder follows the new date.
"""
from __future__ import annotations

from datetime import date
from typing import cast

from sqlmodel import Session

from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.review import repository as reviews_repo
from services.lawyers.review.models import RULE_OF_KIND
from shared import deadlines
from shared.calendar import WorkingCalendar, rule_deadline_checked
from shared.events.envelope import CloudEvent

SOURCE = "lawyers"


def recompute(session: Session, cal: WorkingCalendar, event: CloudEvent, today: date) -> None:
    for r in opinions_repo.open_with_default_due_from(session, today):
        # `due_start` is set on every request selected (the default period)
        due, missing = rule_deadline_checked(cal, "legal_opinion_due", cast(date, r.due_start))
        if due != r.due_on:
            deadlines.record(session, SOURCE, event, object="opinion_request", object_id=r.id, field="due_on",
                             case_no=r.case_no, old=r.due_on, new=due, missing_year=missing)
            r.due_on, r.due_soon_at, r.overdue_at = due, None, None
        r.deadline_missing_year = missing
    for m in reviews_repo.open_due_from(session, today):
        due, missing = rule_deadline_checked(cal, RULE_OF_KIND[m.kind], m.received_on, excluded_days=m.hearing_days)
        if due != m.due_on:
            deadlines.record(session, SOURCE, event, object="review", object_id=m.id, field="due_on",
                             case_no=m.case_no, old=m.due_on, new=due, missing_year=missing)
            m.due_on, m.due_soon_at, m.overdue_at = due, None, None
        m.deadline_missing_year = missing
    session.flush()
