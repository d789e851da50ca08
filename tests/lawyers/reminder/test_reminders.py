"""Reminders people receive from the lawyers service: the assigned lawyer before an opinion request is
due, the review panel before a review is due; by e-mail, once, dropped when no longer true."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from services.lawyers.reminder.jobs import scan_reminders, send_reminders
from shared.testing import free_port
from shared.timeutil import SHANGHAI
from tests.lawyers.conftest import BASE, Api, make_lawyer, make_request


def noon(d: str | date) -> datetime:
    d = date.fromisoformat(d) if isinstance(d, str) else d
    return datetime.combine(d, time(12), tzinfo=SHANGHAI)


def run(app, now):
    scan_reminders(app, now=now)
    return send_reminders(app, now=now)


def assigned_request(api: Api, email: str | None = "liu.lvshi@example.org") -> tuple[dict, dict]:
    lw = make_lawyer(api, "retained_counsel", email=email)
    req = make_request(api)
    if req.get("assignee_id") != lw["id"]:
        r = api().post(f"{BASE}/opinion-requests/{req['id']}/assign", json={"lawyer_id": lw["id"]})
        assert r.status_code == 200, r.text
        req = r.json()
    assert req["assignee_id"] == lw["id"]
    return lw, req


def test_lawyer_email_is_optional_and_checked(suite):
    api = Api(suite)
    lw = make_lawyer(api, email="chen@example.org")
    assert lw["email"] == "chen@example.org"
    assert make_lawyer(api)["email"] is None
    r = api().patch(f"{BASE}/lawyers/{lw['id']}", json={"email": "chen.lvshi@example.org"})
    assert r.status_code == 200 and r.json()["email"] == "chen.lvshi@example.org", r.text
    assert api().patch(f"{BASE}/lawyers/{lw['id']}", json={"email": "nope"}).status_code == 422


def test_opinion_due_reminds_the_assignee_3_and_1_days_before(suite, schedulers, smtp, sms):
    api = Api(suite)
    lw, req = assigned_request(api)
    due = noon(req["due_on"])
    app = schedulers("lawyers", smtp_port=smtp.port, sms=sms)
    assert run(app, due - timedelta(days=4)) == {}
    assert run(app, due - timedelta(days=3)) == {"sent": 1}
    assert run(app, due - timedelta(days=2)) == {}
    assert run(app, due - timedelta(days=1)) == {"sent": 1}
    assert run(app, due - timedelta(hours=20)) == {}
    # a second scheduler on the same database, and a restart, send nothing more
    again = schedulers("lawyers", smtp_port=smtp.port, sms=sms)
    assert run(again, due - timedelta(hours=20)) == {}
    assert [m["to"] for m in smtp.messages] == [[lw["email"]], [lw["email"]]]
    first, second = smtp.messages
    assert req["case_no"] in first["subject"] and "还有3天" in first["body"] and "还有1天" in second["body"]
    assert "张三" not in first["body"]  # no party's name
    assert sms.sent == []


def test_reassigned_request_reminds_the_new_lawyer_only(suite, schedulers, smtp, sms):
    api = Api(suite)
    _lw, req = assigned_request(api)
    other = make_lawyer(api, "retained_counsel", email="other@example.org")
    now = noon(req["due_on"]) - timedelta(days=3)
    app = schedulers("lawyers", smtp_port=smtp.port, sms=sms)
    assert scan_reminders(app, now=now) == 1
    r = api().post(f"{BASE}/opinion-requests/{req['id']}/assign", json={"lawyer_id": other["id"]})
    assert r.status_code == 200, r.text
    assert run(app, now) == {"dropped": 1, "sent": 1}
    assert [m["to"] for m in smtp.messages] == [["other@example.org"]]


def test_review_due_reminds_the_panel(suite, schedulers, smtp, sms):
    api = Api(suite)
    panel = [make_lawyer(api, "studio_lawyer", email=f"studio{i}@example.org") for i in range(2)]
    r = api().post(f"{BASE}/reviews", json={"case_no": "RV-REM-1", "kind": "review",
                                            "received_on": datetime.now(SHANGHAI).date().isoformat()})
    assert r.status_code == 201, r.text
    review = r.json()
    assert sorted(review["panel"]) == sorted(p["id"] for p in panel)
    due = noon(review["due_on"])
    down = schedulers("lawyers", smtp_port=free_port(), sms=sms)
    # SMTP down: the first e-mail fails and backs off; the run stops trying e-mail, both stay queued
    assert run(down, due - timedelta(days=3)) == {"retry": 1}
    up = schedulers("lawyers", smtp_port=smtp.port, sms=sms)
    assert send_reminders(up, now=due - timedelta(days=3)) == {"sent": 1}   # the one never tried
    assert send_reminders(up, now=due - timedelta(days=3)) == {}            # the other is backing off
    assert send_reminders(up, now=due - timedelta(days=3) + timedelta(minutes=5)) == {"sent": 1}
    assert sorted(m["to"][0] for m in smtp.messages) == ["studio0@example.org", "studio1@example.org"]
    assert all("复查" in m["subject"] and "RV-REM-1" in m["body"] for m in smtp.messages)
    assert run(up, due - timedelta(days=1)) == {"sent": 2}
    assert len(smtp.messages) == 4
