"""The agreement's deadlines (司法确认 deadline, 回访 date): computed once, and again when the calendar changes.

`compute` gives both dates and the year the Monday–Friday fallback was used for (provisional);
`recompute` runs in the transaction that applies a calendar event (shared/deadlines.py): every agreement
whose deadline is not yet passed is computed again; each date that moved is recorded and announced as
`mediation.deadline.recomputed`.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from services.mediation.agreement import repository as repo
from shared import deadlines
from shared.calendar import WorkingCalendar, next_working_day_checked, rule_deadline_checked
from shared.events.envelope import CloudEvent

SOURCE = "mediation"


def compute(cal: WorkingCalendar, effective_on: date, performance_due: date,
            followup_days: int) -> tuple[date, date, int | None]:
    """(judicial-confirmation deadline, follow-up date, the first year either rested on the fallback)."""
    jc, jc_missing = rule_deadline_checked(cal, "judicial_confirmation", effective_on)
    fu, fu_missing = next_working_day_checked(cal, performance_due + timedelta(days=followup_days))
    missing = [y for y in (jc_missing, fu_missing) if y is not None]
    return jc, fu, min(missing) if missing else None


def make_recompute(settings):
    def recompute(session: Session, cal: WorkingCalendar, event: CloudEvent, today: date) -> None:
        for a in repo.still_running(session, today):
            jc, fu, missing = compute(cal, a.effective_on, a.performance_due,
                                      settings.followup_days_after_performance)
            if a.judicial_confirmation_deadline >= today and jc != a.judicial_confirmation_deadline:
                deadlines.record(session, SOURCE, event, object="agreement", object_id=a.id,
                                 field="judicial_confirmation_deadline", case_no=a.case_no,
                                 old=a.judicial_confirmation_deadline, new=jc, missing_year=missing)
                a.judicial_confirmation_deadline, a.judicial_warned_at = jc, None
            if a.followup_on >= today and fu != a.followup_on:
                deadlines.record(session, SOURCE, event, object="agreement", object_id=a.id, field="followup_on",
                                 case_no=a.case_no, old=a.followup_on, new=fu, missing_year=missing)
                a.followup_on, a.followup_notified_at = fu, None
            a.deadline_missing_year = missing
        session.flush()

    return recompute
