"""Scheduled work: reminders before sessions (the agreements' jobs: agreement/jobs.py).

Each job claims its rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and marks them in the same
transaction as the events it emits, so several replicas never send the same reminder twice.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

# Re-exported: the agreements' jobs were defined here before agreement/jobs.py (tests call them here).
from services.mediation.session import events
from services.mediation.session import repository as repo
from services.mediation.session import repository_reminders as reminders_repo
from services.mediation.session.models import MediationSession, SessionReminder, SessionStatus
from shared.db import utcnow
from shared.jobs import Job
from shared.timeutil import to_local

BATCH = 500


def reminder_text(s: MediationSession, lead: int, audience: str) -> str:
    when = to_local(s.starts_at).strftime("%Y年%m月%d日 %H:%M")
    ahead = f"{lead}小时后" if lead < 24 else ("明天" if lead == 24 else f"{lead // 24}天后")
    if audience == "mediator":
        return f"提醒：您主持的调解会（案件编号 {s.case_no}）将于{ahead}（{when}）开始，请提前做好准备。"
    return f"提醒：您参加的调解会（案件编号 {s.case_no}）将于{ahead}（{when}）开始，请携带身份证件准时到场。"


def send_reminders(app, now: datetime | None = None) -> int:
    """Emit `mediation.session.reminder_due` for the parties and for each mediator; returns events sent."""
    now = now or utcnow()
    sent = 0
    with app.state.db.session() as s:
        rows = reminders_repo.claim_due(s, now, BATCH)
        by_session: dict[str, list[SessionReminder]] = defaultdict(list)
        for r in rows:
            by_session[r.session_id].append(r)
        if not by_session:
            return 0
        sessions = reminders_repo.sessions_by_id(s, list(by_session))
        mids = repo.mediator_ids(s, list(by_session))
        parties = repo.parties(s, list(by_session))
        for sid, due in by_session.items():
            sess = sessions[sid]
            due.sort(key=lambda r: r.lead_hours)
            for r in due:
                r.sent_at = now
                r.delivered = False
            live = sess.status == SessionStatus.scheduled.value and sess.starts_at > now
            if not live:
                continue
            r = due[0]  # only the nearest reminder; an older one that is also due was superseded
            r.delivered = True
            base = events.session_data(sess, mids[sid], parties[sid], lead_hours=r.lead_hours)
            events.publish(s, events.REMINDER_DUE, sess.case_no,
                           dict(base, audience="parties", text=reminder_text(sess, r.lead_hours, "parties")))
            sent += 1
            for m in mids[sid]:
                events.publish(s, events.REMINDER_DUE, sess.case_no,
                               dict(base, audience="mediator", mediator_id=m,
                                    text=reminder_text(sess, r.lead_hours, "mediator")))
                sent += 1
    return sent


JOBS = [
    Job("mediation.reminders", send_reminders, 60),
]
