"""One free-slot rule (free_slots.py): booking and availability agree.

Over three days (one made a holiday) with a closure, a leave, a mediator's own weekly hours and
existing bookings, every grid start availability lists can be booked (201) and every other start of
the grid, inside office hours or not, is refused (409 or 422).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.mediation.mediation_kit import BASE, at, set_day, working_day

GRID = [f"{h:02d}:{m:02d}" for h in range(8, 19) for m in (0, 15, 30, 45)]


def free_starts(api, room: dict, med: dict, day) -> set[str]:
    r = api().get(f"{BASE}/availability", params={"from": day.isoformat(), "to": day.isoformat(),
                                                  "duration_minutes": 60, "room_id": room["id"],
                                                  "mediator_id": med["id"], "limit": 500})
    assert r.status_code == 200, r.text
    return {s["start"] for s in r.json()["slots"]}


def test_booking_accepts_exactly_the_free_slots(suite, api):
    d0, holiday, d2 = working_day(0), working_day(1), working_day(2)
    set_day(suite, holiday, "holiday", "测试假日")
    room, other_room = api.room(), api.room()
    # Own hours: a shorter afternoon on d0's weekday, the office hours on the other weekdays.
    hours = [{"weekday": wd, "start": "09:00", "end": "17:30"} for wd in range(1, 6) if wd != d0.isoweekday()]
    hours += [{"weekday": d0.isoweekday(), "start": "09:00", "end": "12:00"},
              {"weekday": d0.isoweekday(), "start": "14:00", "end": "16:00"}]
    med = api.mediator(working_hours=hours)
    api.book(room, [med], at(d0, "10:00"), at(d0, "11:00"))             # the room and the mediator
    api.book(other_room, [med], at(d2, "15:00"), at(d2, "15:45"))       # the mediator only
    r = api().post(f"{BASE}/rooms/{room['id']}/closures", json={"start": at(d0, "14:30"), "end": at(d0, "15:00")})
    assert r.status_code == 201, r.text
    r = api().post(f"{BASE}/mediators/{med['id']}/leave", json={"start": at(d2, "09:30"), "end": at(d2, "10:30")})
    assert r.status_code == 201, r.text

    offered = 0
    for day in (d0, holiday, d2):
        free = free_starts(api, room, med, day)
        assert (day == holiday) == (not free), (day, free)
        for hhmm in GRID:
            start = at(day, hhmm)
            end = (datetime.fromisoformat(start) + timedelta(minutes=60)).isoformat()
            r = api().post(f"{BASE}/sessions", json=api.session_body(room, [med], start, end))
            if start in free:
                assert r.status_code == 201, (start, r.text)
                offered += 1
                c = api().post(f"{BASE}/sessions/{r.json()['id']}/cancel", json={"reason": "test"})
                assert c.status_code == 200, c.text
            else:
                assert r.status_code in (409, 422), (start, r.status_code, r.text)
    assert offered >= 5  # 15:00 on d0; 10:30–11:00 and 16:00–16:30 on d2
