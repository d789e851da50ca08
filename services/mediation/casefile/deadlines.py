"""A case intake's target date (调解期限): set when a handoff is accepted, again when the calendar changes.

A dispute is normally settled within one month (人民调解工作若干规定, 2002): the target date is one
month after the day the petition system requested the handoff, moved off rest days and holidays
(rule `mediation_target`, shared/calendar.py). `recompute` runs in the transaction that applies a
calendar event (shared/deadlines.py): every intake still open (pending or scheduled) whose target
is not yet passed is computed again; each date that moved is recorded and announced as
`mediation.deadline.recomputed` (object `case_intake`, field `target_on`).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from services.mediation.casefile import repository as repo
from shared import deadlines
from shared.calendar import WorkingCalendar, rule_deadline_checked
from shared.events.envelope import CloudEvent
from shared.timeutil import local_date

SOURCE = "mediation"


def target(cal: WorkingCalendar, received: datetime) -> tuple[date, int | None]:
    """(the target date, the first year it rested on the Monday–Friday fallback for; None: not provisional)."""
    return rule_deadline_checked(cal, "mediation_target", local_date(received))


def recompute(session: Session, cal: WorkingCalendar, event: CloudEvent, today: date) -> None:
    for i in repo.open_intakes_from(session, today):
        new, missing = target(cal, i.received_at)
        if i.target_on is not None and new != i.target_on:
            deadlines.record(session, SOURCE, event, object="case_intake", object_id=i.id, field="target_on",
                             case_no=i.case_no, old=i.target_on, new=new, missing_year=missing,
                             extra={"handoff_id": i.handoff_id})
            i.target_on = new
        i.deadline_missing_year = missing
    session.flush()
