"""Deadlines that follow the calendar, across 元旦 2027 (the packaged holiday data stops at 2026).

An agreement concluded on 2026-12-02 takes effect that day: its 司法确认 deadline (30 days) falls on
2027-01-01, a Friday, a working day on the Monday–Friday fallback: provisional, and said so. Loading
2027 in one call (`PUT /api/v1/calendar/years/2027`, 2027-01-01 a holiday) moves it to 2027-01-04,
no longer provisional; the answer lists the move, the change is recorded, and
`mediation.deadline.recomputed` reaches a webhook. Lawyers' stored deadlines (opinion requests, reviews)
follow the same load.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shared.deadlines import DeadlineChange
from tests.calendar_clock import NOTICE_2027, DeadlineClock, local
from tests.mediation.mediation_kit import BASE, at, outbox, working_day

YEAR = 2027


@pytest.fixture(autouse=True)
def before_new_year(suite, monkeypatch):
    """Today is 2026-12-06 in every service, and the packaged holiday data stops at 2026, whatever the
    day the tests run and the version installed (tests/calendar_clock.py)."""
    clock = DeadlineClock(suite, monkeypatch)
    clock.set(local(2026, 12, 6, 10, 0))
    yield clock
    clock.reset()


def conclude_with_agreement(api, effective: str, performance_due: str) -> dict:
    c = api()
    room, med = api.room(), api.mediator()
    d = working_day(0)
    s = api.book(room, [med], at(d, "09:00"), at(d, "10:00"))
    r = c.post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement", "agreement": {"form": "written", "terms": ["乙方于月底前支付欠款"],
                                              "performance_due": performance_due, "effective_on": effective}})
    assert r.status_code == 200, r.text
    a = c.get(f"{BASE}/sessions/{s['id']}/agreement")
    assert a.status_code == 200, a.text
    return {"session": s, "agreement": a.json()}


def test_a_deadline_across_new_year_2027_is_provisional_then_moves_when_the_year_is_loaded(suite, api, receiver):
    c = api()
    hook = suite.client("petition-system").post("/api/v1/webhooks", json={
        "url": receiver.url + "/hook", "event_types": ["mediation.deadline.recomputed"]})
    assert hook.status_code == 201, hook.text
    before = c.get(f"/api/v1/calendar/years/{YEAR}").json()
    assert before["covered"] is False and before["days"] == []

    done = conclude_with_agreement(api, "2026-12-02", "2026-12-29")
    a = done["agreement"]
    assert a["judicial_confirmation_deadline"] == "2027-01-01"   # Friday on the fallback
    assert a["followup_on"] == "2027-01-01"                      # 2026-12-29 + 3 days
    assert a["deadline_provisional"] is True and a["deadline_missing_year"] == YEAR
    case = c.get(f"{BASE}/cases/{a['case_no']}").json()
    assert case["agreement"]["deadline_provisional"] is True
    recorded = outbox(suite, "mediation.agreement.recorded", a["case_no"])[0]["data"]
    assert recorded["deadline_provisional"] is True and recorded["deadline_missing_year"] == YEAR

    r = c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["covered"] is True and body["pending"] == []
    moved = {(m["object"], m["id"], m.get("field")): (m["from"], m["to"]) for m in body["recomputed"]}
    assert moved[("agreement", a["id"], "judicial_confirmation_deadline")] == ("2027-01-01", "2027-01-04")
    assert moved[("agreement", a["id"], "followup_on")] == ("2027-01-01", "2027-01-04")

    after = c.get(f"{BASE}/sessions/{done['session']['id']}/agreement").json()
    assert after["judicial_confirmation_deadline"] == "2027-01-04" and after["followup_on"] == "2027-01-04"
    assert after["deadline_provisional"] is False and after["deadline_missing_year"] is None
    year = c.get(f"/api/v1/calendar/years/{YEAR}").json()
    assert year["covered"] is True and [d["date"] for d in year["days"]] == [d["date"] for d in NOTICE_2027]
    # every service's calendar follows: 2027-02-07 (a Sunday) is a working day in mediation too
    with suite.db("mediation").session() as s:
        cal = suite.app["mediation"].state.calendar.fresh(s)
        assert cal.is_working_day(date(2027, 2, 7)) and not cal.is_working_day(date(2027, 1, 1))
        assert cal.year_covered(YEAR)
        changes = list(s.execute(select(DeadlineChange).where(DeadlineChange.object_id == a["id"])).scalars())
    assert sorted((ch.field, ch.from_day, ch.to_day) for ch in changes) == [
        ("followup_on", date(2027, 1, 1), date(2027, 1, 4)),
        ("judicial_confirmation_deadline", date(2027, 1, 1), date(2027, 1, 4))]

    # announced as events, which reach the webhook
    told = outbox(suite, "mediation.deadline.recomputed", a["case_no"])
    assert {(e["data"]["field"], e["data"]["from"], e["data"]["to"]) for e in told} == {
        ("judicial_confirmation_deadline", "2027-01-01", "2027-01-04"), ("followup_on", "2027-01-01", "2027-01-04")}
    suite.drain()
    from services.gateway.webhook.jobs import deliver_due
    suite.servers["gateway"].call(deliver_due(suite.app["gateway"]))
    import json
    got = [json.loads(h.body) for h in receiver.hits("/hook")]
    assert {(g["type"], g["data"]["field"]) for g in got} == {
        ("mediation.deadline.recomputed", "judicial_confirmation_deadline"),
        ("mediation.deadline.recomputed", "followup_on")}

    # loading the same notice again moves nothing
    again = c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert again.status_code == 200 and again.json()["recomputed"] == []


def test_lawyers_deadlines_follow_the_loaded_year(suite, api):
    c = api()
    # a review received 2026-12-02 is due 30 days later: 2027-01-01 on the fallback
    rv = c.post("/api/v1/lawyers/reviews", json={"case_no": "RV-2027", "kind": "review",
                                                  "received_on": "2026-12-02", "parties": [{"name": "王五"}]})
    assert rv.status_code == 201, rv.text
    review = rv.json()
    assert review["due_on"] == "2027-01-01" and review["deadline_provisional"] is True
    assert review["deadline_missing_year"] == YEAR
    r = c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert r.status_code == 200, r.text
    moved = [m for m in r.json()["recomputed"] if m["object"] == "review"]
    assert [(m["id"], m["from"], m["to"], m["service"]) for m in moved] == [
        (review["id"], "2027-01-01", "2027-01-04", "lawyers")]
    now = c.get(f"/api/v1/lawyers/reviews/{review['id']}").json()
    assert now["due_on"] == "2027-01-04" and now["deadline_provisional"] is False
    with suite.db("lawyers").session() as s:
        from shared.events.models import OutboxEvent
        ev = s.execute(select(OutboxEvent).where(OutboxEvent.type == "lawyers.deadline.recomputed")).scalars().all()
    assert [(e.data["object"], e.data["to"]) for e in ev] == [("review", "2027-01-04")]


def test_a_day_set_one_at_a_time_recomputes_too(suite, api):
    c = api()
    done = conclude_with_agreement(api, "2026-12-02", "2026-12-10")
    a = done["agreement"]
    assert a["judicial_confirmation_deadline"] == "2027-01-01" and a["deadline_provisional"] is True
    assert c.put("/api/v1/calendar/days/2027-01-01", json={"kind": "holiday", "name": "元旦"}).status_code == 200
    suite.drain()  # the day reaches mediation by event (calendar.day.set); it recomputes there
    after = c.get(f"{BASE}/sessions/{done['session']['id']}/agreement").json()
    assert after["judicial_confirmation_deadline"] == "2027-01-04"
    assert after["deadline_provisional"] is True  # 2027 is still not loaded whole: 01-02..01-04 are guesses
    assert [e["data"]["to"] for e in outbox(suite, "mediation.deadline.recomputed", a["case_no"])] == ["2027-01-04"]


def test_bad_year_loads_are_refused(suite, api):
    c = api()
    r = c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": [{"date": "2028-01-01", "kind": "holiday"}]})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    dup = [{"date": "2027-01-01", "kind": "holiday"}, {"date": "2027-01-01", "kind": "workday"}]
    assert c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": dup}).status_code == 422
    assert api("mediator1").put(f"/api/v1/calendar/years/{YEAR}", json={"days": []}).status_code == 403
    assert c.get("/api/v1/calendar/years/2026").json()["covered"] is True  # packaged data


def test_an_older_load_delivered_late_is_ignored(suite, api):
    from shared.db import utcnow
    from shared.events.envelope import CloudEvent
    from shared.events.inbox import apply_event

    c = api()
    assert c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027}).status_code == 200
    assert c.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027[:1]}).status_code == 200
    app = suite.app["mediation"]
    with app.state.db.session() as s:
        cal = app.state.calendar.fresh(s)
    assert not cal.is_working_day(date(2027, 1, 1)) and not cal.is_working_day(date(2027, 2, 7))
    # the first load comes again late (e.g. a replayed dead letter): the newer notice stays
    late = CloudEvent(id="late-load", source="gateway", type="calendar.year.set", subject=f"calendar:{YEAR}",
                      time=utcnow(), data={"year": YEAR, "days": NOTICE_2027}, sequence=1)
    assert apply_event(app.state.db, "mediation", app.state.handlers, late) is True
    with app.state.db.session() as s:
        cal = app.state.calendar.fresh(s)
    assert not cal.is_working_day(date(2027, 2, 7))
