"""The reminder rules of the lawyers service: who is reminded of what, when, and in which words.

| kind | about | who, how | lead times (setting, default) |
| --- | --- | --- | --- |
| `opinion_due` | an assigned opinion request (法律意见征询) not yet answered | the assigned lawyer, e-mail | `LAWYERS_REMIND_OPINION_DAYS` "3,1" |
| `review_due` | an open review (复查/复核) | each lawyer of its panel, e-mail | `LAWYERS_REMIND_REVIEW_DAYS` "3,1" |

They fall due at `LAWYERS_REMINDER_DAY_TIME` (08:30, Asia/Shanghai) that many days before the due date.
A reassigned request, a changed panel or a moved due date drops the queued reminder and queues a new one.
The texts name the case number and the date; never a party's personal data.
"""  # noqa: E501 (the table's rows)
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.reminder import repository as repo
from services.lawyers.review.models import ReviewMatter
from shared.notify.models import Reminder
from shared.notify.reminders import DayWindow, Due, Resolver, Skip, day_window, day_zh, end_of_day

OPINION, REVIEW = "opinion_due", "review_due"
KIND_ZH = {"review": "复查", "re_examination": "复核"}


def _left(days: int) -> str:
    return "今天到期" if days <= 0 else f"还有{days}天"


def opinion_mail(r: OpinionRequest, days_left: int, bureau: str) -> tuple[str, str]:
    subject = f"法律意见到期提醒：案件 {r.case_no}，{r.due_on.month}月{r.due_on.day}日到期"
    body = (f"您好！\n\n分配给您的法律意见征询（案件编号 {r.case_no}）应于{day_zh(r.due_on)}前出具法律意见书"
            f"（{_left(days_left)}）。\n请及时在系统中提交意见；如无法按期完成，请尽早联系协调人。\n\n"
            f"本邮件由系统自动发送，请勿回复。\n{bureau}")
    return subject, body


def review_mail(m: ReviewMatter, days_left: int, bureau: str) -> tuple[str, str]:
    kind = KIND_ZH.get(m.kind, "复查")
    subject = f"{kind}到期提醒：案件 {m.case_no}，{m.due_on.month}月{m.due_on.day}日到期"
    body = (f"您好！\n\n您所在合议组办理的{kind}事项（案件编号 {m.case_no}）应于{day_zh(m.due_on)}前出具书面"
            f"{kind}意见（{_left(days_left)}）。\n请及时办理。\n\n本邮件由系统自动发送，请勿回复。\n{bureau}")
    return subject, body


def _dues(window: DayWindow, kind: str, obj, recipients: list[str], people: dict,
          text: tuple[str, str]) -> list[Due]:
    day = obj.due_on
    pick = window.lead(day)
    if pick is None:
        return []
    lead, due_at = pick
    out = []
    for lid in recipients:
        lw = people.get(lid)
        if lw is not None and lw.email and lw.active:
            out.append(Due(kind=kind, object_id=obj.id, recipient=f"lawyer:{lid}", lead=lead, target=day.isoformat(),
                           channel="email", subject=text[0], body=text[1], due_at=due_at,
                           expires_at=end_of_day(day), case_no=obj.case_no))
    return out


def opinion_dues(s: Session, settings, now: datetime) -> list[Due]:
    window = day_window(settings.remind_opinion_days, now, settings.reminder_day_time)
    if window is None:
        return []
    requests = repo.requests_due(s, window.today, window.last)
    people = repo.lawyers(s, {r.assignee_id for r in requests if r.assignee_id})
    return [d for r in requests
            for d in _dues(window, OPINION, r, [r.assignee_id] if r.assignee_id else [], people,
                           opinion_mail(r, window.days_left(r.due_on), settings.bureau_name))]


def review_dues(s: Session, settings, now: datetime) -> list[Due]:
    window = day_window(settings.remind_review_days, now, settings.reminder_day_time)
    if window is None:
        return []
    matters = repo.reviews_due(s, window.today, window.last)
    panels = repo.panels(s, [m.id for m in matters])
    people = repo.lawyers(s, {lid for m in matters for lid in panels[m.id]})
    return [d for m in matters
            for d in _dues(window, REVIEW, m, panels[m.id], people,
                           review_mail(m, window.days_left(m.due_on), settings.bureau_name))]


def due(s: Session, settings, now: datetime) -> list[Due]:
    return [*opinion_dues(s, settings, now), *review_dues(s, settings, now)]


# -- just before sending ---------------------------------------------------------------------------
def _address(s: Session, lawyer_id: str) -> str | Skip:
    lw = repo.lawyers(s, {lawyer_id}).get(lawyer_id)
    if lw is None or not lw.active:
        return Skip("the lawyer is no longer active")
    return lw.email or Skip("the lawyer has no e-mail address")


def resolve_opinion(s: Session, r: Reminder) -> str | Skip:
    req = s.get(OpinionRequest, r.object_id)
    if req is None or req.status != "assigned":
        return Skip("the request is no longer awaiting an opinion")
    lawyer_id = r.recipient.partition(":")[2]
    if req.assignee_id != lawyer_id:
        return Skip("the request was reassigned")
    if req.due_on.isoformat() != r.target:
        return Skip("the due date changed")
    return _address(s, lawyer_id)


def resolve_review(s: Session, r: Reminder) -> str | Skip:
    m = s.get(ReviewMatter, r.object_id)
    if m is None or m.status != "open":
        return Skip("the review is decided")
    if m.due_on.isoformat() != r.target:
        return Skip("the due date changed")
    lawyer_id = r.recipient.partition(":")[2]
    if not repo.on_panel(s, m.id, lawyer_id):
        return Skip("the lawyer left the panel")
    return _address(s, lawyer_id)


RESOLVERS: dict[str, Resolver] = {OPINION: resolve_opinion, REVIEW: resolve_review}
