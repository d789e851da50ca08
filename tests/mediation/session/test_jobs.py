"""Scheduled work: reminders 24 h and 2 h before, follow-up visits due, 司法确认 windows closing.
Each job claims its rows, so running it again, or on two replicas at once, never sends twice."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from services.mediation.agreement import jobs as agreement_jobs
from services.mediation.session import jobs
from shared.calendar import WorkingCalendar, rule_deadline
from tests.mediation.mediation_kit import BASE, SH, at, outbox, working_day


def test_reminders_24h_and_2h_once_each(suite, api, day):
    app = suite.app["mediation"]
    m1, m2 = api.mediator(), api.mediator()
    s = api.book(api.room(), [m1, m2], at(day, "09:00"), at(day, "10:00"))
    start = datetime.fromisoformat(s["start"])
    assert jobs.send_reminders(app, now=start - timedelta(hours=25)) == 0
    assert jobs.send_reminders(app, now=start - timedelta(hours=23)) == 3    # parties + 2 mediators
    assert jobs.send_reminders(app, now=start - timedelta(hours=22)) == 0
    assert jobs.send_reminders(app, now=start - timedelta(hours=1)) == 3
    assert jobs.send_reminders(app, now=start - timedelta(minutes=30)) == 0
    evs = outbox(suite, "mediation.session.reminder_due", s["case_no"])
    assert [(e["data"]["lead_hours"], e["data"]["audience"]) for e in evs] == [
        (24, "parties"), (24, "mediator"), (24, "mediator"), (2, "parties"), (2, "mediator"), (2, "mediator")]
    assert {e["data"].get("mediator_id") for e in evs if e["data"]["audience"] == "mediator"} == {m1["id"], m2["id"]}
    assert "调解会" in evs[0]["data"]["text"]


def test_reminders_follow_reschedule_and_cancel(suite, api, day):
    app = suite.app["mediation"]
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    start = datetime.fromisoformat(s["start"])
    assert jobs.send_reminders(app, now=start - timedelta(hours=23)) == 2
    later = working_day(2)
    api().post(f"{BASE}/sessions/{s['id']}/reschedule", json={"start": at(later, "09:00"), "end": at(later, "10:00")})
    new_start = datetime.fromisoformat(at(later, "09:00"))
    assert jobs.send_reminders(app, now=start - timedelta(hours=1)) == 0     # nothing for the old time
    assert jobs.send_reminders(app, now=new_start - timedelta(hours=23)) == 2
    api().post(f"{BASE}/sessions/{s['id']}/cancel", json={})
    assert jobs.send_reminders(app, now=new_start - timedelta(hours=1)) == 0


def test_missed_24h_reminder_is_superseded_by_the_2h_one(suite, api, day):
    app = suite.app["mediation"]
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    start = datetime.fromisoformat(s["start"])
    assert jobs.send_reminders(app, now=start - timedelta(hours=1)) == 2
    assert [e["data"]["lead_hours"] for e in outbox(suite, "mediation.session.reminder_due")] == [2, 2]


def test_two_replicas_never_send_twice(suite, api, day):
    app = suite.app["mediation"]
    booked = [api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00")) for _ in range(6)]
    now = datetime.fromisoformat(at(day, "09:00")) - timedelta(hours=23)
    barrier = threading.Barrier(4)
    counts = []

    def replica():
        barrier.wait()
        counts.append(jobs.send_reminders(app, now=now))

    threads = [threading.Thread(target=replica) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(counts) == 2 * len(booked)
    assert len(outbox(suite, "mediation.session.reminder_due")) == 2 * len(booked)


def test_followup_and_judicial_confirmation_jobs(suite, api, day):
    app = suite.app["mediation"]
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    due = working_day(3)
    api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement",
        "agreement": {"form": "oral", "terms": ["当场返还"], "performance_due": due.isoformat()}})
    a = api().get(f"{BASE}/sessions/{s['id']}/agreement").json()
    followup = datetime.fromisoformat(a["followup_on"] + "T09:00:00+08:00")
    assert agreement_jobs.followups_due(app, now=followup - timedelta(days=1)) == 0
    assert agreement_jobs.followups_due(app, now=followup) == 1
    assert agreement_jobs.followups_due(app, now=followup + timedelta(days=1)) == 0
    ev = outbox(suite, "mediation.followup.due", s["case_no"])
    assert len(ev) == 1 and ev[0]["data"]["followup_on"] == a["followup_on"] and "回访" in ev[0]["data"]["text"]

    deadline = datetime.fromisoformat(a["judicial_confirmation_deadline"] + "T09:00:00+08:00")
    today = datetime.now(SH).date()
    assert a["judicial_confirmation_deadline"] == rule_deadline(WorkingCalendar(), "judicial_confirmation",
                                                                today).isoformat()
    assert agreement_jobs.judicial_confirmation_closing(app, now=deadline - timedelta(days=10)) == 0
    assert agreement_jobs.judicial_confirmation_closing(app, now=deadline - timedelta(days=5)) == 1
    assert agreement_jobs.judicial_confirmation_closing(app, now=deadline - timedelta(days=4)) == 0
    ev = outbox(suite, "mediation.judicial_confirmation.closing", s["case_no"])
    assert ev[0]["data"]["days_left"] == 5 and ev[0]["data"]["deadline"] == a["judicial_confirmation_deadline"]
