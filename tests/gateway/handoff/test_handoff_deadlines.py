"""Handoffs' deadlines follow the calendar across 元旦 2027, like agreements' and reviews' (issue 14).

Two stored deadlines come from a handoff: the gateway's acceptance deadline (`expires_at`, one working
day after the request) and mediation's target date for the case (`target_on`, one month after the
request, 人民调解工作若干规定). Before 2027's days are loaded both rest on the Monday–Friday fallback
(2027-01-01 is a Friday): provisional, and said so. Loading the year moves them to 2027-01-04, in the
answer's `recomputed`, recorded, announced as events and delivered to the petition system's webhook.
Today is fixed by tests/calendar_clock.py, so the test means the same on any day it runs.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from shared.deadlines import DeadlineChange
from shared.events.models import OutboxEvent
from tests.calendar_clock import NOTICE_2027, DeadlineClock, local
from tests.handoff_kit import case_no, handoff, mediation_body, post_handoff

YEAR = 2027
TYPES = ["gateway.deadline.recomputed", "mediation.deadline.recomputed"]


@pytest.fixture
def clock(suite, monkeypatch):
    c = DeadlineClock(suite, monkeypatch)
    yield c
    c.reset()


def events(suite, svc: str, type_: str) -> list[dict]:
    with suite.db(svc).session() as s:
        q = select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.position)
        return [e.data for e in s.execute(q).scalars()]


def intake_of(c, case: str) -> dict:
    r = c.get(f"/api/v1/mediation/cases/{case}")
    assert r.status_code == 200, r.text
    return r.json()["intake"]


def test_handoff_deadlines_across_new_year_2027_move_when_the_year_is_loaded(suite, clock, receiver):
    petition, coord = suite.client("petition-system"), suite.client("coordinator")
    hook = petition.post("/api/v1/webhooks", json={"url": receiver.url + "/hook", "event_types": TYPES})
    assert hook.status_code == 201, hook.text

    # 2026-12-01: a case handed to mediation; accepted, its target date one month later is 2027-01-01
    clock.set(local(2026, 12, 1, 9, 30))
    case_a = case_no()
    a = post_handoff(petition, case_a, mediation_body())
    assert a.status_code == 202, a.text
    assert a.json()["expires_at"] == "2026-12-02T09:30:00+08:00" and a.json()["deadline_provisional"] is False
    suite.drain()
    intake = intake_of(coord, case_a)
    assert intake["status"] == "pending" and intake["target_on"] == "2027-01-01"
    assert intake["deadline_provisional"] is True and intake["deadline_missing_year"] == YEAR

    # 2026-12-31: another handoff, not yet accepted: it expires one working day later, 2027-01-01 (fallback)
    clock.set(local(2026, 12, 31, 10, 0))
    case_b = case_no()
    b = post_handoff(petition, case_b, mediation_body())
    assert b.status_code == 202, b.text
    hb = b.json()
    assert hb["expires_at"] == "2027-01-01T10:00:00+08:00"
    assert hb["deadline_provisional"] is True and hb["deadline_missing_year"] == YEAR
    shown = handoff(petition, hb["id"])
    assert shown["deadline_provisional"] is True and shown["status"] == "requested"

    r = coord.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pending"] == []
    moved = {(m["service"], m["object"], m["id"], m["field"]): (m["from"], m["to"], m["deadline_provisional"])
             for m in body["recomputed"]}
    assert moved[("gateway", "handoff", hb["id"], "expires_at")] == ("2027-01-01", "2027-01-04", False)
    assert moved[("mediation", "case_intake", intake["id"], "target_on")] == ("2027-01-01", "2027-01-04", False)
    assert ("gateway", "handoff", a.json()["id"], "expires_at") not in moved  # 2026-12-02: nothing to move

    after_b = handoff(petition, hb["id"])
    assert after_b["expires_at"] == "2027-01-04T10:00:00+08:00" and after_b["deadline_provisional"] is False
    assert after_b["deadline_missing_year"] is None
    assert "2027-01-04T10:00:00+08:00" in after_b["history"][-1]["note"]  # told in the handoff's history
    after_a = intake_of(coord, case_a)
    assert after_a["target_on"] == "2027-01-04" and after_a["deadline_provisional"] is False

    # recorded in each owner's database, with the calendar event that moved it
    for svc, object_id, field in (("gateway", hb["id"], "expires_at"), ("mediation", intake["id"], "target_on")):
        with suite.db(svc).session() as s:
            rows = list(s.execute(select(DeadlineChange).where(DeadlineChange.object_id == object_id)).scalars())
        assert [(c.field, c.from_day, c.to_day, c.cause) for c in rows] == [
            (field, date(2027, 1, 1), date(2027, 1, 4), body["event_id"])]

    # announced, and delivered to the petition system's webhook
    [g] = events(suite, "gateway", "gateway.deadline.recomputed")
    assert g["handoff_id"] == hb["id"] and g["expires_at"] == "2027-01-04T10:00:00+08:00"
    assert [e["id"] for e in events(suite, "mediation", "mediation.deadline.recomputed")] == [intake["id"]]
    suite.drain()
    from services.gateway.webhook.jobs import deliver_due
    suite.servers["gateway"].call(deliver_due(suite.app["gateway"]))
    got = {(x["type"], x["data"]["object"], x["data"]["case_no"])
           for x in (json.loads(h.body) for h in receiver.hits("/hook"))}
    assert got == {("gateway.deadline.recomputed", "handoff", case_b),
                   ("mediation.deadline.recomputed", "case_intake", case_a)}

    # the second handoff reaches mediation after the load: its target counts from the request (2026-12-31),
    # not from when the event arrived: 2027-01-31 is a Sunday, so 2027-02-01, on the loaded year
    later = intake_of(coord, case_b)
    assert later["target_on"] == "2027-02-01" and later["deadline_provisional"] is False

    # the same notice again moves nothing
    again = coord.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert again.status_code == 200 and again.json()["recomputed"] == []


def test_a_day_set_alone_moves_them_too_and_they_stay_provisional(suite, clock):
    petition, coord = suite.client("petition-system"), suite.client("coordinator")
    clock.set(local(2026, 12, 1, 9, 30))
    case_a = case_no()
    assert post_handoff(petition, case_a, mediation_body()).status_code == 202
    suite.drain()
    clock.set(local(2026, 12, 31, 16, 0))
    b = post_handoff(petition, case_no(), mediation_body()).json()
    assert b["expires_at"] == "2027-01-01T16:00:00+08:00"

    r = coord.put("/api/v1/calendar/days/2027-01-01", json={"kind": "holiday", "name": "元旦"})
    assert r.status_code == 200, r.text
    # the gateway's own deadline moved in that same call; 2027-01-02..04 are still Monday–Friday guesses
    now_b = handoff(petition, b["id"])
    assert now_b["expires_at"] == "2027-01-04T16:00:00+08:00"
    assert now_b["deadline_provisional"] is True and now_b["deadline_missing_year"] == YEAR
    assert [(e["from"], e["to"]) for e in events(suite, "gateway", "gateway.deadline.recomputed")] == [
        ("2027-01-01", "2027-01-04")]
    suite.drain()  # the day reaches mediation by event (calendar.day.set); it recomputes there
    intake = intake_of(coord, case_a)
    assert intake["target_on"] == "2027-01-04" and intake["deadline_provisional"] is True


def test_a_deadline_already_passed_is_not_moved(suite, clock):
    petition, coord = suite.client("petition-system"), suite.client("coordinator")
    clock.set(local(2026, 12, 31, 10, 0))
    b = post_handoff(petition, case_no(), mediation_body()).json()
    assert b["expires_at"] == "2027-01-01T10:00:00+08:00"
    clock.set(local(2027, 1, 1, 11, 0))  # an hour after it expired (the expiry job had not run yet)
    r = coord.put(f"/api/v1/calendar/years/{YEAR}", json={"days": NOTICE_2027})
    assert r.status_code == 200, r.text
    assert [m for m in r.json()["recomputed"] if m["object"] == "handoff"] == []
    assert handoff(petition, b["id"])["expires_at"] == "2027-01-01T10:00:00+08:00"
    assert events(suite, "gateway", "gateway.deadline.recomputed") == []
