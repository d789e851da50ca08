"""Scheduled work: reminders before sessions, follow-up visits due, 司法确认 windows closing.

Each job claims its rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and marks them in the same
transaction as the events it emits, so several replicas never send the same reminder twice.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from services.mediation.agreement.models import Agreement
from services.mediation.session import events
from services.mediation.session import repository as repo
from services.mediation.session.models import MediationSession, SessionReminder, SessionStatus
from shared.db import utcnow
from shared.jobs import Job, claim
from shared.timeutil import local_date, to_local

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
        rows = claim(s, select(SessionReminder).where(col(SessionReminder.sent_at).is_(None),
                                                      col(SessionReminder.due_at) <= now)
                     .order_by(col(SessionReminder.due_at)).limit(BATCH))
        by_session: dict[str, list[SessionReminder]] = defaultdict(list)
        for r in rows:
            by_session[r.session_id].append(r)
        if not by_session:
            return 0
        sessions = {x.id: x for x in s.execute(select(MediationSession)
                                               .where(col(MediationSession.id).in_(list(by_session)))).scalars()}
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


def followups_due(app, now: datetime | None = None) -> int:
    """Emit `mediation.followup.due` once per agreement when its 回访 date arrives."""
    now = now or utcnow()
    today = local_date(now)
    with app.state.db.session() as s:
        rows = claim(s, select(Agreement).where(col(Agreement.followup_notified_at).is_(None),
                                                col(Agreement.followup_on) <= today)
                     .order_by(col(Agreement.followup_on)).limit(BATCH))
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
        rows = claim(s, select(Agreement).where(col(Agreement.judicial_warned_at).is_(None),
                                                col(Agreement.judicial_confirmation_deadline) <= horizon,
                                                col(Agreement.judicial_confirmation_deadline) >= today)
                     .order_by(col(Agreement.judicial_confirmation_deadline)).limit(BATCH))
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
    Job("mediation.reminders", send_reminders, 60),
    Job("mediation.followups", followups_due, 900),
    Job("mediation.judicial_confirmation", judicial_confirmation_closing, 900),
]
