"""Calendar feeds (RFC 5545), parsed with the icalendar package."""
from __future__ import annotations

from datetime import datetime

from icalendar import Calendar

from tests.mediation.mediation_kit import BASE, SH, at


def feed(api, path, who="coordinator"):
    r = api(who).get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(r.content)


def test_mediator_and_room_feeds(api, day):
    room, med = api.room(), api.mediator(user="mediator1")
    kept = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    gone = api.book(room, [med], at(day, "14:00"), at(day, "15:00"))
    api().post(f"{BASE}/sessions/{gone['id']}/cancel", json={"reason": "当事人撤回申请"})
    cal = feed(api, f"{BASE}/mediators/{med['id']}/calendar.ics", who="mediator1")
    tzs = list(cal.walk("VTIMEZONE"))
    assert [str(t["TZID"]) for t in tzs] == ["Asia/Shanghai"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"{kept['id']}@mediation.petition-suite", f"{gone['id']}@mediation.petition-suite"}
    e = events[f"{kept['id']}@mediation.petition-suite"]
    start = e.decoded("DTSTART")
    assert start == datetime.fromisoformat(at(day, "09:00"))
    assert e["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(e["STATUS"]) == "CONFIRMED"
    assert kept["parties"][0]["name"] in str(e["DESCRIPTION"])
    c = events[f"{gone['id']}@mediation.petition-suite"]
    assert str(c["STATUS"]) == "CANCELLED" and int(c["SEQUENCE"]) == 1

    # UIDs are stable across a reschedule; the sequence goes up.
    api().post(f"{BASE}/sessions/{kept['id']}/reschedule", json={"start": at(day, "10:30"), "end": at(day, "11:30")})
    room_cal = feed(api, f"{BASE}/rooms/{room['id']}/calendar.ics")
    ev = {str(e["UID"]): e for e in room_cal.walk("VEVENT")}[f"{kept['id']}@mediation.petition-suite"]
    assert ev.decoded("DTSTART").astimezone(SH) == datetime.fromisoformat(at(day, "10:30"))
    assert int(ev["SEQUENCE"]) == 1
    assert kept["parties"][0]["name"] not in str(ev["DESCRIPTION"])   # rooms do not show the parties


def test_empty_feed_still_has_timezone(api):
    room = api.room()
    cal = feed(api, f"{BASE}/rooms/{room['id']}/calendar.ics", who="auditor")
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert api().get(f"{BASE}/rooms/nope/calendar.ics").status_code == 404
