"""The reminder rules of the mediation service: who is reminded of what, when, and in which words.

| kind | about | who, how | lead times (setting, default) |
| --- | --- | --- | --- |
| `session` | a scheduled session | each party with a phone by SMS (the time and place only); each mediator with an e-mail (case number, time, room) | `MEDIATION_REMIND_SESSION_HOURS` "24" |
| `judicial_confirmation` | an agreement's 司法确认 deadline, no application recorded | the session's mediators, e-mail | `MEDIATION_REMIND_JUDICIAL_DAYS` "7,1" |
| `followup` | an agreement's 回访 date, no visit recorded | the session's mediators, e-mail | `MEDIATION_REMIND_FOLLOWUP_DAYS` "0" (that morning) |

Day-based reminders fall due at `MEDIATION_REMINDER_DAY_TIME` (08:30, Asia/Shanghai) on the day.
No text carries an ID number, a phone number or a party's name.
"""  # noqa: E501 (the table's rows)
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from services.mediation.agreement.models import Agreement
from services.mediation.party import crypto as party_crypto
from services.mediation.reminder import repository as repo
from services.mediation.session import repository as sessions
from services.mediation.session.models import MediationSession, SessionStatus
from shared.notify.models import Reminder
from shared.notify.reminders import (
    WEEKDAY_ZH,
    DayWindow,
    Due,
    Resolver,
    Skip,
    day_window,
    day_zh,
    end_of_day,
    nearest_lead,
    parse_leads,
)
from shared.timeutil import to_local, to_utc

SESSION, JUDICIAL, FOLLOWUP = "session", "judicial_confirmation", "followup"


def instant_key(value: datetime) -> str:
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _place(room) -> str:
    if room is None:
        return "调解室"
    return f"{room.name}（{room.location}）" if room.location else room.name


# -- texts --------------------------------------------------------------------------------------
def party_sms(sess: MediationSession, room) -> str:
    """A party's SMS: the time and the place, nothing else about the case."""
    start = to_local(sess.starts_at)
    return (f"提醒：您的调解定于{start.month}月{start.day}日（星期{WEEKDAY_ZH[start.weekday()]}）{start:%H:%M}"
            f"在{_place(room)}进行，请携带身份证件准时到场。如需改期，请尽早联系调解室。")


def mediator_session_mail(sess: MediationSession, room, organisation: str) -> tuple[str, str]:
    start, end = to_local(sess.starts_at), to_local(sess.ends_at)
    subject = f"调解会提醒：案件 {sess.case_no}，{start.month}月{start.day}日 {start:%H:%M}"
    body = (f"您好！\n\n您主持的调解会定于{day_zh(start)} {start:%H:%M}—{end:%H:%M}在{_place(room)}举行。\n"
            f"案件编号：{sess.case_no}\n\n请提前查阅案卷、做好准备。\n\n"
            f"本邮件由系统自动发送，请勿回复。\n{organisation}")
    return subject, body


def judicial_mail(a: Agreement, days_left: int, organisation: str) -> tuple[str, str]:
    d = a.judicial_confirmation_deadline
    left = "今天" if days_left == 0 else f"还有{days_left}天"
    subject = f"司法确认期限提醒：案件 {a.case_no}，{d.month}月{d.day}日届满"
    body = (f"您好！\n\n案件 {a.case_no} 的调解协议申请司法确认的期限将于{day_zh(d)}届满（{left}）。\n"
            "双方当事人认为有必要的，应在期限内共同向人民法院申请司法确认（《人民调解法》第三十三条），"
            "请及时提示当事人。如已申请，请在系统中登记。\n\n"
            f"本邮件由系统自动发送，请勿回复。\n{organisation}")
    return subject, body


def followup_mail(a: Agreement, organisation: str) -> tuple[str, str]:
    d = a.followup_on
    subject = f"回访提醒：案件 {a.case_no}，{d.month}月{d.day}日回访"
    body = (f"您好！\n\n案件 {a.case_no} 的调解协议约定履行期限为{day_zh(a.performance_due)}，"
            f"回访日期为{day_zh(d)}。\n请回访当事人，了解协议履行情况并督促履行，回访后在系统中登记。\n\n"
            f"本邮件由系统自动发送，请勿回复。\n{organisation}")
    return subject, body


# -- the due scan ---------------------------------------------------------------------------------
def session_dues(s: Session, settings, now: datetime) -> list[Due]:
    leads = parse_leads(settings.remind_session_hours)
    if not leads:
        return []
    upcoming = repo.upcoming_sessions(s, now, now + timedelta(hours=leads[0]))
    if not upcoming:
        return []
    ids = [x.id for x in upcoming]
    mids, parties = sessions.mediator_ids(s, ids), sessions.parties(s, ids)
    rooms = repo.rooms(s, {x.room_id for x in upcoming})
    people = repo.mediators(s, {m for x in ids for m in mids[x]})
    out: list[Due] = []
    for sess in upcoming:
        pick = nearest_lead([(f"{h}h", sess.starts_at - timedelta(hours=h)) for h in leads], now, sess.starts_at)
        if pick is None:
            continue
        lead, due_at = pick
        common: dict[str, Any] = {"kind": SESSION, "object_id": sess.id, "lead": lead,
                                  "target": instant_key(sess.starts_at), "due_at": due_at,
                                  "expires_at": sess.starts_at, "case_no": sess.case_no}
        room = rooms.get(sess.room_id)
        for p in parties[sess.id]:
            if p.phone_cipher:  # sealed at rest; opened only when the SMS is sent
                out.append(Due(recipient=f"party:{p.position}", channel="sms", body=party_sms(sess, room), **common))
        mail = mediator_session_mail(sess, room, settings.organisation_name)
        for mid in mids[sess.id]:
            m = people.get(mid)
            if m is not None and m.email:
                out.append(Due(recipient=f"mediator:{mid}", channel="email", subject=mail[0], body=mail[1], **common))
    return out


def _agreement_mail_dues(s: Session, window: DayWindow, kind: str, agreements: list[Agreement], day_of,
                         text) -> list[Due]:
    if not agreements:
        return []
    mids = sessions.mediator_ids(s, [a.session_id for a in agreements])
    people = repo.mediators(s, {m for a in agreements for m in mids[a.session_id]})
    out: list[Due] = []
    for a in agreements:
        day = day_of(a)
        pick = window.lead(day)
        if pick is None:
            continue
        lead, due_at = pick
        subject, body = text(a, window.days_left(day))
        for mid in mids[a.session_id]:
            m = people.get(mid)
            if m is not None and m.email:
                out.append(Due(kind=kind, object_id=a.id, recipient=f"mediator:{mid}", lead=lead,
                               target=day.isoformat(), channel="email", subject=subject, body=body,
                               due_at=due_at, expires_at=end_of_day(day), case_no=a.case_no))
    return out


def judicial_dues(s: Session, settings, now: datetime) -> list[Due]:
    window = day_window(settings.remind_judicial_days, now, settings.reminder_day_time)
    if window is None:
        return []
    agreements = repo.judicial_windows_closing(s, window.today, window.last)
    return _agreement_mail_dues(s, window, JUDICIAL, agreements, lambda a: a.judicial_confirmation_deadline,
                                lambda a, left: judicial_mail(a, left, settings.organisation_name))


def followup_dues(s: Session, settings, now: datetime) -> list[Due]:
    window = day_window(settings.remind_followup_days, now, settings.reminder_day_time)
    if window is None:
        return []
    agreements = repo.followups_coming(s, window.today, window.last)
    return _agreement_mail_dues(s, window, FOLLOWUP, agreements, lambda a: a.followup_on,
                                lambda a, _left: followup_mail(a, settings.organisation_name))


def due(s: Session, settings, now: datetime) -> list[Due]:
    """Every reminder due now, by every rule."""
    return [*session_dues(s, settings, now), *judicial_dues(s, settings, now), *followup_dues(s, settings, now)]


# -- just before sending: still true? to whom? ----------------------------------------------------
def _mediator_address(s: Session, session_id: str, recipient: str) -> str | Skip:
    mid = recipient.partition(":")[2]
    if not repo.is_session_mediator(s, session_id, mid):
        return Skip("the mediator no longer mediates this session")
    m = repo.mediators(s, {mid}).get(mid)
    return m.email if m is not None and m.email else Skip("the mediator has no e-mail address")


def resolve_session(s: Session, r: Reminder) -> str | Skip:
    sess = s.get(MediationSession, r.object_id)
    if sess is None or sess.status != SessionStatus.scheduled.value:
        return Skip("the session is no longer scheduled")
    if instant_key(sess.starts_at) != r.target:
        return Skip("the session was moved to another time")
    kind, _, ref = r.recipient.partition(":")
    if kind == "party":
        p = repo.party(s, sess.id, int(ref))
        phone = party_crypto.current().reveal(p)[0] if p is not None else None
        return phone or Skip("the party has no phone number")
    return _mediator_address(s, sess.id, r.recipient)


def resolve_judicial(s: Session, r: Reminder) -> str | Skip:
    a = s.get(Agreement, r.object_id)
    if a is None or a.judicial_confirmation_deadline.isoformat() != r.target:
        return Skip("the 司法确认 deadline changed")
    if repo.applied(s, a.id):
        return Skip("the parties applied for 司法确认")
    return _mediator_address(s, a.session_id, r.recipient)


def resolve_followup(s: Session, r: Reminder) -> str | Skip:
    a = s.get(Agreement, r.object_id)
    if a is None or a.followup_on.isoformat() != r.target:
        return Skip("the 回访 date changed")
    if repo.visited(s, a.id):
        return Skip("the 回访 is recorded")
    return _mediator_address(s, a.session_id, r.recipient)


RESOLVERS: dict[str, Resolver] = {SESSION: resolve_session, JUDICIAL: resolve_judicial, FOLLOWUP: resolve_followup}
