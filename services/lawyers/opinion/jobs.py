"""Scheduled marking of opinion deadlines: due soon (临近期限) and overdue (超期)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.lawyers.context import SOURCE, day, job_ctx
from services.lawyers.opinion import repository as repo
from shared.events import emit
from shared.jobs import claim


def mark_opinion_deadlines(app, now: datetime | None = None) -> dict[str, int]:
    """Flag requests due within `opinion_due_soon_days` and mark overdue ones (event `lawyers.opinion.overdue`)."""
    with app.state.db.session() as s:
        ctx = job_ctx(app, s, now)
        today: date = ctx.today
        soon = claim(s, repo.due_soon_candidates(s, today + timedelta(days=ctx.settings.opinion_due_soon_days)))
        for r in soon:
            r.due_soon_at = ctx.now
            emit(s, source=SOURCE, type="lawyers.opinion.due_soon", subject=r.case_no,
                 data={"request_id": r.id, "case_no": r.case_no, "lawyer_id": r.assignee_id, "due_on": day(r.due_on),
                       "message": f"法律意见征询 {r.case_no} 将于 {day(r.due_on)} 到期，请及时出具意见书。"})
        late = claim(s, repo.overdue_candidates(s, today))
        for r in late:
            r.overdue_at = ctx.now
            emit(s, source=SOURCE, type="lawyers.opinion.overdue", subject=r.case_no,
                 data={"request_id": r.id, "case_no": r.case_no, "lawyer_id": r.assignee_id, "status": r.status,
                       "due_on": day(r.due_on), "handoff_id": r.handoff_id,
                       "message": f"法律意见征询 {r.case_no} 已超过期限 {day(r.due_on)}。"})
        return {"due_soon": len(soon), "overdue": len(late)}
