"""Availability: free (room, mediator) slots in time order, inside working hours of working days,
minus closures, leave, booked sessions with buffers and the minimum notice."""
from __future__ import annotations

from datetime import datetime

from tests.mediation.mediation_kit import BASE, at, rest_day, working_day
from tests.problem_kit import problem


def slots(api, **params):
    r = api().get(f"{BASE}/availability", params=params)
    assert r.status_code == 200, r.text
    return r.json()["slots"]


def test_free_slots_around_bookings_closures_and_leave(api, day):
    room, med = api.room(), api.mediator(languages=["zh", "yue"])
    d = day.isoformat()
    api.book(room, [med], at(day, "10:00"), at(day, "11:00"))
    api().post(f"{BASE}/rooms/{room['id']}/closures", json={"start": at(day, "14:00"), "end": at(day, "15:00")})
    api().post(f"{BASE}/mediators/{med['id']}/leave", json={"start": at(day, "16:00"), "end": at(day, "17:30")})
    got = slots(api, **{"from": d, "to": d, "duration_minutes": 60, "room_id": room["id"],
                        "mediator_id": med["id"], "limit": 100})
    starts = [s["start"][11:16] for s in got]
    # Morning: 09:00–10:00 would touch the 10:00 session without the 15-minute buffer; after it the room
    # is free from 11:15, too late for 60 minutes before 12:00. Afternoon: room closed 14:00–15:00,
    # mediator on leave from 16:00 -> 15:00 only.
    assert starts == ["15:00"], starts
    assert all(s["room_id"] == room["id"] and s["mediator_id"] == med["id"] for s in got)
    assert got[0]["start"] == at(day, "15:00") and got[0]["end"] == at(day, "16:00")
    got = slots(api, **{"from": d, "to": d, "duration_minutes": 30, "room_id": room["id"], "limit": 100})
    assert [s["start"][11:16] for s in got] == ["09:00", "09:15", "11:15", "11:30", "15:00", "15:15", "15:30"]
    # Each offered slot can really be booked.
    api.book(room, [med], got[0]["start"], got[0]["end"])


def test_order_filters_and_limits(api):
    day = working_day(1)
    d = day.isoformat()
    rooms = [api.room() for _ in range(2)]
    zh = api.mediator(languages=["zh"])
    yue = api.mediator(languages=["yue"])
    got = slots(api, **{"from": d, "to": working_day(2).isoformat(), "duration_minutes": 90, "limit": 1000})
    keys = [(datetime.fromisoformat(s["start"]), s["room_id"], s["mediator_id"]) for s in got]
    assert keys == sorted(keys)
    assert {s["room_id"] for s in got} >= {r["id"] for r in rooms}
    assert all(s["start"].endswith("+08:00") for s in got)
    assert {s["mediator_id"] for s in slots(api, **{"from": d, "to": d, "duration_minutes": 60,
                                                    "language": "yue", "limit": 500})} == {yue["id"]}
    assert len(slots(api, **{"from": d, "to": d, "duration_minutes": 60, "limit": 3})) == 3
    assert slots(api, **{"from": rest_day().isoformat(), "to": rest_day().isoformat(), "duration_minutes": 60}) == []
    assert zh


def test_availability_bad_inputs(api, day):
    d = day.isoformat()
    c = api()
    problem(c.get(f"{BASE}/availability", params={"from": d, "to": d}), 422, "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": "tomorrow", "to": d, "duration_minutes": 60}), 422,
            "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": d, "to": "2000-01-01", "duration_minutes": 60}), 422,
            "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": d, "to": d, "duration_minutes": 10}), 422,
            "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": d, "to": d, "duration_minutes": 300}), 422,
            "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": "2026-01-01", "to": "2027-12-31",
                                                  "duration_minutes": 60}), 422, "validation_error")
    problem(c.get(f"{BASE}/availability", params={"from": d, "to": d, "duration_minutes": 60, "limit": 0}), 422,
            "validation_error")
