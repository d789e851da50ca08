"""Review deadlines: `lawyers.review.due_soon` 5 days before due, `lawyers.review.overdue` after."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.lawyers.context import SOURCE, day, job_ctx
from services.lawyers.review import repository as repo
from shared.events import emit
from shared.jobs import claim

KIND_ZH = {"review": "复查", "re_examination": "复核"}


def mark_review_deadlines(app, now: datetime | None = None) -> dict[str, int]:
    with app.state.db.session() as s:
        ctx = job_ctx(app, s, now)
        today = ctx.today
        soon = claim(s, repo.due_soon_candidates(today + timedelta(days=ctx.settings.review_due_soon_days)))
        for r in soon:
            r.due_soon_at = ctx.now
            emit(s, source=SOURCE, type="lawyers.review.due_soon", subject=r.case_no,
                 data={"review_id": r.id, "case_no": r.case_no, "kind": r.kind, "due_on": day(r.due_on),
                       "days_left": (r.due_on - today).days, "panel": repo.panel(s, r.id),
                       "handoff_id": r.handoff_id,
                       "message": f"{KIND_ZH[r.kind]}事项 {r.case_no} 将于 {day(r.due_on)} 到期，请及时出具书面意见。"})
        late = claim(s, repo.overdue_candidates(today))
        for r in late:
            r.overdue_at = ctx.now
            emit(s, source=SOURCE, type="lawyers.review.overdue", subject=r.case_no,
                 data={"review_id": r.id, "case_no": r.case_no, "kind": r.kind, "due_on": day(r.due_on),
                       "panel": repo.panel(s, r.id), "handoff_id": r.handoff_id,
                       "message": f"{KIND_ZH[r.kind]}事项 {r.case_no} 已超过办理期限 {day(r.due_on)}。"})
        return {"due_soon": len(soon), "overdue": len(late)}
