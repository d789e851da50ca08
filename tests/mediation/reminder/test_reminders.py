"""Reminders people receive from the mediation service: a session tomorrow reaches its mediator by
e-mail (SMTP, a local aiosmtpd server) and each party with a phone by SMS, exactly once, whatever
the number of runs, schedulers or restarts; an SMTP server that is down leaves it queued for later."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select, text

from services.mediation.reminder.jobs import scan_reminders, send_reminders
from shared.notify.models import Reminder
from shared.testing import free_port
from tests.mediation.mediation_kit import BASE, Api, at, uniq, working_day

PHONES = ["13812345678", "13987654321"]


def book(api: Api, mediators: list[dict], day, hhmm: str = "09:30", phones=PHONES, room=None) -> dict:
    parties = [{"name": uniq("申请人"), "role": "petitioner", "phone": phones[0]},
               {"name": uniq("被申请人"), "role": "respondent", "phone": phones[1]},
               {"name": uniq("第三人"), "role": "third_party"}]  # no phone: no SMS
    end = f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}"
    return api.book(room or api.room(name=uniq("第一调解室")), mediators, at(day, hhmm), at(day, end),
                    parties=parties)


def rows(suite) -> list[Reminder]:
    with suite.db("mediation").session() as s:
        return list(s.execute(select(Reminder).order_by(Reminder.id)).scalars())


def test_mediator_email_is_optional_and_checked(suite):
    api = Api(suite)
    m = api.mediator(email="li.tiaojie@example.org")
    assert m["email"] == "li.tiaojie@example.org"
    assert api.mediator()["email"] is None
    r = api().post(f"{BASE}/mediators", json={"name": "王调解", "kind": "people_mediator", "email": "not-an-address"})
    assert r.status_code == 422, r.text


def test_session_tomorrow_one_email_and_one_sms_per_party(suite, schedulers, smtp, sms):
    api = Api(suite)
    mediator = api.mediator(email="li.tiaojie@example.org")
    silent = api.mediator()  # no e-mail: nothing to send to
    day = working_day(0)
    s = book(api, [mediator, silent], day)
    start = datetime.fromisoformat(s["start"])
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms)

    assert scan_reminders(app, now=start - timedelta(hours=25)) == 0       # not yet due
    now = start - timedelta(hours=20)                                      # the day before
    assert scan_reminders(app, now=now) == 3
    assert send_reminders(app, now=now) == {"sent": 3}

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["li.tiaojie@example.org"]
    assert s["case_no"] in mail["subject"] and s["case_no"] in mail["body"]
    assert "09:30" in mail["subject"] and "09:30—10:30" in mail["body"]
    for p in s["parties"]:
        assert p["name"] not in mail["body"]
    assert not any(ph in mail["body"] for ph in PHONES)

    assert sorted(ph for ph, _ in sms.sent) == sorted(PHONES)
    for _, message in sms.sent:
        assert message.startswith("【区信访局】") and "09:30" in message and f"{day.month}月{day.day}日" in message
        assert "第一调解室" in message and "区信访局一楼" in message                   # time and place
        assert s["case_no"] not in message                                     # nothing more
        assert not any(p["name"] in message for p in s["parties"])

    # Run again (and later): nothing new is queued or sent.
    for later in (now, now + timedelta(minutes=5), start - timedelta(hours=1)):
        assert scan_reminders(app, now=later) == 0
        assert send_reminders(app, now=later) == {}
    assert len(smtp.messages) == 1 and len(sms.sent) == 2
    stored = rows(suite)
    assert {r.status for r in stored} == {"sent"} and {r.lead for r in stored} == {"24h"}
    assert not any(ph in r.body for r in stored for ph in PHONES)  # the queue holds no phone number


def test_two_schedulers_at_once_send_each_reminder_once(suite, schedulers, smtp, sms):
    api = Api(suite)
    day = working_day(0)
    sessions = []
    for i in range(4):
        m = api.mediator(email=f"m{i}@example.org")
        sessions.append(book(api, [m], day, hhmm=["09:00", "10:30", "14:00", "15:30"][i]))
    now = max(datetime.fromisoformat(s["start"]) for s in sessions) - timedelta(hours=20)
    replicas = [schedulers("mediation", smtp_port=smtp.port, sms=sms) for _ in range(2)]
    barrier = threading.Barrier(4)
    errors: list = []

    def run(app):
        try:
            barrier.wait()
            for _ in range(2):
                scan_reminders(app, now=now)
                send_reminders(app, now=now)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(app,)) for app in replicas * 2]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert sorted(m["to"][0] for m in smtp.messages) == [f"m{i}@example.org" for i in range(4)]
    assert len(sms.sent) == 2 * len(sessions)
    assert len({m["message_id"] for m in smtp.messages}) == 4
    assert [r.status for r in rows(suite)] == ["sent"] * 12


def test_restart_does_not_resend(suite, schedulers, smtp, sms):
    api = Api(suite)
    s = book(api, [api.mediator(email="zhao@example.org")], working_day(0))
    now = datetime.fromisoformat(s["start"]) - timedelta(hours=12)
    first = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    scan_reminders(first, now=now)
    assert send_reminders(first, now=now) == {"sent": 3}
    first.state.db.dispose()
    restarted = schedulers("mediation", smtp_port=smtp.port, sms=sms)  # a new process on the same database
    assert scan_reminders(restarted, now=now + timedelta(minutes=1)) == 0
    assert send_reminders(restarted, now=now + timedelta(minutes=1)) == {}
    assert len(smtp.messages) == 1 and len(sms.sent) == 2


def test_smtp_down_leaves_the_email_queued_and_retried(suite, schedulers, smtp, sms):
    api = Api(suite)
    s = book(api, [api.mediator(email="qian@example.org")], working_day(0))
    now = datetime.fromisoformat(s["start"]) - timedelta(hours=20)
    down = schedulers("mediation", smtp_port=free_port(), sms=sms)  # nothing listens there
    assert scan_reminders(down, now=now) == 3
    assert send_reminders(down, now=now) == {"sent": 2, "retry": 1}  # the SMS go; the e-mail waits
    (mail,) = [r for r in rows(suite) if r.channel == "email"]
    assert mail.status == "pending" and mail.attempts == 1 and mail.last_error and mail.sent_at is None
    assert mail.next_attempt_at > now
    assert send_reminders(down, now=now + timedelta(seconds=10)) == {}  # backing off

    up = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    assert send_reminders(up, now=now + timedelta(seconds=10)) == {}
    assert send_reminders(up, now=now + timedelta(minutes=2)) == {"sent": 1}
    assert [m["to"] for m in smtp.messages] == [["qian@example.org"]]
    assert len(sms.sent) == 2
    (mail,) = [r for r in rows(suite) if r.channel == "email"]
    assert mail.status == "sent" and mail.attempts == 2 and mail.last_error is None


def test_cancelled_or_moved_session_drops_the_queued_reminder(suite, schedulers, smtp, sms):
    api = Api(suite)
    day = working_day(0)
    s = book(api, [api.mediator(email="sun@example.org")], day)
    start = datetime.fromisoformat(s["start"])
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    assert scan_reminders(app, now=start - timedelta(hours=20)) == 3
    later = working_day(2)
    r = api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                   json={"start": at(later, "14:00"), "end": at(later, "15:00")})
    assert r.status_code == 200, r.text
    assert send_reminders(app, now=start - timedelta(hours=20)) == {"dropped": 3}
    assert smtp.messages == [] and sms.sent == []
    # The new time gets its own reminders, with the new time in them.
    new_start = datetime.fromisoformat(at(later, "14:00"))
    assert scan_reminders(app, now=new_start - timedelta(hours=3)) == 3
    assert send_reminders(app, now=new_start - timedelta(hours=3)) == {"sent": 3}
    assert all("14:00" in text for _, text in sms.sent)
    # A queued reminder of a cancelled session is dropped too.
    s2 = book(api, [api.mediator(email="zhou@example.org")], day, hhmm="15:00")
    start2 = datetime.fromisoformat(s2["start"])
    assert scan_reminders(app, now=start2 - timedelta(hours=2)) == 3
    assert api().post(f"{BASE}/sessions/{s2['id']}/cancel", json={"reason": "当事人撤回"}).status_code == 200
    assert send_reminders(app, now=start2 - timedelta(hours=2)) == {"dropped": 3}


def test_reminder_not_sent_after_the_session_started(suite, schedulers, smtp, sms):
    api = Api(suite)
    s = book(api, [api.mediator(email="wu@example.org")], working_day(0))
    start = datetime.fromisoformat(s["start"])
    down = schedulers("mediation", smtp_port=free_port(), sms=sms)
    scan_reminders(down, now=start - timedelta(hours=1))
    assert send_reminders(down, now=start - timedelta(hours=1))["retry"] == 1
    up = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    assert send_reminders(up, now=start + timedelta(minutes=1)) == {"expired": 1}
    assert smtp.messages == []


def test_judicial_confirmation_and_followup_reminders_to_the_mediators(suite, schedulers, smtp, sms):
    api = Api(suite)
    m1, m2 = api.mediator(email="a@example.org"), api.mediator(email="b@example.org")
    s = book(api, [m1, m2], working_day(0))
    due = working_day(3)
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement", "agreement": {"form": "written", "terms": ["被申请人于履行期限内支付工资"],
                                              "performance_due": due.isoformat()}})
    assert r.status_code == 200, r.text
    a = api().get(f"{BASE}/sessions/{s['id']}/agreement").json()
    deadline = datetime.fromisoformat(a["judicial_confirmation_deadline"] + "T12:00:00+08:00")
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms)

    def run(now):
        scan_reminders(app, now=now)
        return send_reminders(app, now=now)

    assert run(deadline - timedelta(days=9)) == {}
    assert run(deadline - timedelta(days=7)) == {"sent": 2}     # 7 days before: both mediators
    assert run(deadline - timedelta(days=6)) == {}
    assert run(deadline - timedelta(days=1)) == {"sent": 2}     # and the day before
    assert run(deadline - timedelta(days=1, minutes=-5)) == {}
    jc = [m for m in smtp.messages if "司法确认" in m["subject"]]
    assert sorted(m["to"][0] for m in jc) == ["a@example.org", "a@example.org", "b@example.org", "b@example.org"]
    assert all(s["case_no"] in m["body"] and "还有7天" in m["body"] for m in jc[:2])
    assert all("还有1天" in m["body"] for m in jc[2:])

    followup = datetime.fromisoformat(a["followup_on"] + "T09:00:00+08:00")
    assert run(followup - timedelta(days=1)) == {}
    assert run(followup) == {"sent": 2}
    fu = [m for m in smtp.messages if "回访" in m["subject"]]
    assert len(fu) == 2 and all(s["case_no"] in m["body"] for m in fu)
    assert sms.sent == [] or all("调解" in t for _, t in sms.sent)


def test_judicial_reminder_dropped_once_the_parties_applied(suite, schedulers, smtp, sms):
    api = Api(suite)
    s = book(api, [api.mediator(email="c@example.org")], working_day(0))
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement", "agreement": {"form": "written", "terms": ["当场返还"],
                                              "performance_due": working_day(3).isoformat()}})
    assert r.status_code == 200, r.text
    a = api().get(f"{BASE}/sessions/{s['id']}/agreement").json()
    now = datetime.fromisoformat(a["judicial_confirmation_deadline"] + "T12:00:00+08:00") - timedelta(days=7)
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    assert scan_reminders(app, now=now) == 1
    applied = api().post(f"{BASE}/sessions/{s['id']}/agreement/judicial-confirmation",
                         json={"applied_on": a["effective_on"], "court": "区人民法院"})
    assert applied.status_code in (200, 201), applied.text
    assert send_reminders(app, now=now) == {"dropped": 1}
    assert scan_reminders(app, now=now + timedelta(days=6)) == 0   # no more reminders once applied
    assert smtp.messages == []


def test_the_scheduler_runs_the_scan_and_the_sender(suite, schedulers, smtp, sms):
    """The jobs as the service schedules them (APScheduler, worker threads), on the real clock."""
    import asyncio

    from services.mediation.reminder.jobs import jobs
    from shared.jobs import start_scheduler

    api = Api(suite)
    book(api, [api.mediator(email="jobs@example.org")], working_day(0))
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms, remind_session_hours="2400",
                     reminder_scan_seconds=0.2, reminder_send_seconds=0.2)

    async def main() -> None:
        scheduler = start_scheduler(app, jobs(app.state.settings))
        try:
            for _ in range(100):
                await asyncio.sleep(0.1)
                if len(smtp.messages) == 1 and len(sms.sent) == 2:
                    break
            await asyncio.sleep(0.6)  # a few more runs: nothing more
        finally:
            scheduler.shutdown(wait=False)

    asyncio.run(main())
    assert [m["to"] for m in smtp.messages] == [["jobs@example.org"]] and len(sms.sent) == 2


def test_a_reminder_whose_recipient_cannot_be_read_does_not_block_the_queue(suite, schedulers, smtp, sms):
    from services.mediation.reminder.service import RESOLVERS
    from shared.notify.reminders import send_due

    api = Api(suite)
    s = book(api, [api.mediator(email="he@example.org")], working_day(0))
    now = datetime.fromisoformat(s["start"]) - timedelta(hours=20)
    app = schedulers("mediation", smtp_port=smtp.port, sms=sms)
    assert scan_reminders(app, now=now) == 3

    def broken(session, r):  # the parties' rows cannot be read (a failed query aborts on PostgreSQL)
        if r.channel == "sms":
            session.execute(text("SELECT phone FROM no_such_table"))
        return RESOLVERS["session"](session, r)

    assert send_due(app, {"session": broken}, now) == {"error": 2, "sent": 1}
    assert [r.status for r in rows(suite) if r.channel == "sms"] == ["pending", "pending"]
    assert send_reminders(app, now=now + timedelta(minutes=2)) == {"sent": 2}
    assert len(sms.sent) == 2 and len(smtp.messages) == 1
