"""Scheduled work after an agreement: follow-up visits (回访) due, 司法确认 windows closing.

Each job claims its rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and marks them in the same
transaction as the events it emits, so several replicas never announce the same date twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.mediation.agreement import events
from services.mediation.agreement import repository as repo
from shared.db import utcnow
from shared.jobs import Job
from shared.timeutil import local_date

BATCH = 500


def followups_due(app, now: datetime | None = None) -> int:
    """Emit `mediation.followup.due` once per agreement when its 回访 date arrives."""
    now = now or utcnow()
    today = local_date(now)
    with app.state.db.session() as s:
        rows = repo.claim_followups_due(s, today, BATCH)
        for a in rows:
            a.followup_notified_at = now
            events.publish(s, events.FOLLOWUP_DUE, a.case_no, {
                "agreement_id": a.id, "session_id": a.session_id, "case_no": a.case_no,
                "followup_on": a.followup_on.isoformat(), "performance_due": a.performance_due.isoformat(),
                "text": f"回访提醒：案件 {a.case_no} 的调解协议约定履行期限为 {a.performance_due.isoformat()}，"
                        f"请于 {a.followup_on.isoformat()} 回访当事人，了解履行情况并督促履行。"})
        return len(rows)


def judicial_confirmation_closing(app, now: datetime | None = None) -> int:
    """Emit `mediation.judicial_confirmation.closing` once when the 30-day 司法确认 window closes within N days."""
    now = now or utcnow()
    today = local_date(now)
    horizon = today + timedelta(days=app.state.settings.judicial_warning_days)
    with app.state.db.session() as s:
        rows = repo.claim_judicial_windows_closing(s, today, horizon, BATCH)
        for a in rows:
            a.judicial_warned_at = now
            d = a.judicial_confirmation_deadline
            events.publish(s, events.JUDICIAL_CONFIRMATION_CLOSING, a.case_no, {
                "agreement_id": a.id, "session_id": a.session_id, "case_no": a.case_no,
                "deadline": d.isoformat(), "days_left": (d - today).days,
                "text": f"司法确认提醒：案件 {a.case_no} 的调解协议如需申请司法确认，双方当事人应于 {d.isoformat()} "
                        "前共同向人民法院提出申请（人民调解法第三十三条）。"})
        return len(rows)


JOBS = [
    Job("mediation.followups", followups_due, 900),
    Job("mediation.judicial_confirmation", judicial_confirmation_closing, 900),
]
