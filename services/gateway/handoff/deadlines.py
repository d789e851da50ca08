"""A handoff's acceptance deadline (`expires_at`): set when requested, again when the calendar changes.

A requested handoff expires when its target has not accepted it within `handoff_accept_working_days`
working days (the same local time that many working days later; service.expiry). The deadline is
provisional while any day it counted rests on the Monday–Friday fallback (`deadline_provisional`,
`deadline_missing_year` in the answers, API.md "Calendar").

When the bureau changes the calendar (`PUT /api/v1/calendar/days/{date}`, `PUT .../years/{year}`), the
gateway, in the transaction that writes the change, computes again every handoff still `requested`
whose deadline has not passed, over the same number of working days as before. Each deadline that
moved is recorded (`deadline_change`, a step in the handoff's history) and announced as
`gateway.deadline.recomputed` (object `handoff`, field `expires_at`, the new instant), which reaches
the petition system's webhooks like every gateway event (shared/deadlines.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from services.gateway.handoff import repository as repo
from services.gateway.handoff.models import Handoff
from services.gateway.handoff.service import add_step, expiry
from shared import clock, deadlines
from shared.calendar import WorkingCalendar
from shared.deadlines import DeadlineChange
from shared.events.envelope import CloudEvent
from shared.timeutil import local_date, to_local

SOURCE = "gateway"


def expiry_checked(cal: WorkingCalendar, requested_at: datetime, working_days: int) -> tuple[datetime, int | None]:
    """(`expires_at`, the first year it rested on the Monday–Friday fallback for; None: not provisional)."""
    t = cal.tracking()
    at = expiry(t, requested_at, working_days)
    return at, min(t.missing) if t.missing else None


def missing_year(cal: WorkingCalendar, h: Handoff) -> int | None:
    """The first year among the days the deadline counted that the calendar does not know (None: none)."""
    day, last = local_date(h.requested_at) + timedelta(days=1), local_date(h.expires_at)
    while day <= last:
        if not cal.is_known(day):
            return day.year
        day += timedelta(days=1)
    return None


def provisional(cal: WorkingCalendar, h: Handoff) -> dict:
    year = missing_year(cal, h)
    return {"deadline_provisional": year is not None, "deadline_missing_year": year}


def _counted(cal: WorkingCalendar, requested: date, expires: date, default: int) -> int:
    """How many working days the deadline was set over (by the calendar it was set with)."""
    return len(cal.working_days(requested + timedelta(days=1), expires)) or default


def recompute(session: Session, before: WorkingCalendar, after: WorkingCalendar, event: CloudEvent,
              now: datetime, default_days: int) -> list[DeadlineChange]:
    """Move the deadlines of requested handoffs not yet expired to the changed calendar; the changes."""
    moved = []
    for h in repo.open_before_deadline(session, now):
        old_day = local_date(h.expires_at)
        n = _counted(before, local_date(h.requested_at), old_day, default_days)
        new_at, missing = expiry_checked(after, h.requested_at, n)
        if new_at == h.expires_at:
            continue
        old_at = h.expires_at
        moved.append(deadlines.record(session, SOURCE, event, object="handoff", object_id=h.id, field="expires_at",
                                      case_no=h.case_no, old=old_day, new=local_date(new_at),
                                      missing_year=missing,
                                      extra={"handoff_id": h.id, "target": h.target,
                                             "expires_at": to_local(new_at).isoformat()}))
        h.expires_at, h.updated_at = new_at, now
        add_step(session, handoff_id=h.id, status=h.status, at=now, actor="gateway", event_id=event.id,
                 note=f"acceptance deadline moved by a calendar change: {to_local(old_at).isoformat()} -> "
                      f"{to_local(new_at).isoformat()}")
    session.flush()
    return moved


def follow_calendar(app, session: Session, before: WorkingCalendar, event: CloudEvent) -> list[DeadlineChange]:
    """After the gateway wrote a calendar change (`event`) in `session`: its handoffs' deadlines follow."""
    return recompute(session, before, app.state.calendar.fresh(session), event, clock.now(app),
                     app.state.settings.handoff_accept_working_days)
