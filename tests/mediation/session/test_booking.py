"""Booking rules: no double booking (rooms, mediators, parties, buffers), working hours, notice, horizon,
recusal, closures, leave, holidays, and every bad input answered with a clear 4xx."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from tests.mediation.mediation_kit import BASE, SH, at, outbox, rest_day, set_day, today, uniq, utc, working_day
from tests.problem_kit import problem


def test_twenty_parallel_bookings_of_one_room_and_slot(suite, api, day):
    room = api.room()
    meds = [api.mediator() for _ in range(20)]
    bodies = [api.session_body(room, [m], at(day, "14:00"), at(day, "15:00")) for m in meds]
    clients = [suite.client("coordinator") if not api.direct else suite.direct("mediation") for _ in bodies]
    barrier = threading.Barrier(len(bodies))

    def go(i):
        barrier.wait()
        return clients[i].post(f"{BASE}/sessions", json=bodies[i])

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(go, range(len(bodies))))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1, [r.text for r in answers if r.status_code not in (201, 409)]
    assert codes.count(409) == 19
    winner = next(r.json() for r in answers if r.status_code == 201)
    for r in answers:
        if r.status_code == 409:
            body = r.json()
            assert body["code"] == "slot_conflict"
            assert {"resource": "room", "id": room["id"], "session_id": winner["id"]} in body["conflicts"]
    listed = api().get(f"{BASE}/sessions", params={"room_id": room["id"]}).json()["items"]
    assert [s["id"] for s in listed] == [winner["id"]]


def test_offsets_z_and_plus_eight_mean_the_same_instant(api, day):
    room, med = api.room(), api.mediator()
    s = api.book(room, [med], utc(at(day, "09:00")), utc(at(day, "10:00")))
    assert s["start"] == at(day, "09:00") and s["end"] == at(day, "10:00")  # answered in +08:00
    # The same slot given in +08:00 is the same instant: taken.
    r = api().post(f"{BASE}/sessions", json=api.session_body(room, [api.mediator()], at(day, "09:00"),
                                                             at(day, "10:00")))
    body = problem(r, 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "room", "id": room["id"], "session_id": s["id"]}]


def test_buffer_between_sessions_of_room_mediator_and_party(api, day):
    room, med = api.room(), api.mediator()
    first = api.book(room, [med], at(day, "09:00"), at(day, "10:00"),
                     parties=[{"name": "张三", "role": "petitioner", "phone": "13800000001"},
                              {"name": "李四", "role": "respondent"}])
    # Room: 10:00 is inside the 15-minute buffer; 10:15 is fine.
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [api.mediator()], at(day, "10:00"), at(day, "10:30"))), 409, "slot_conflict")
    assert body["conflicts"][0]["resource"] == "room"
    # Buffer also before: a session ending 08:50 would need 09:05 -> but 08:50 is outside hours anyway;
    # test it on the mediator: another room, same mediator, 10:10 start.
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        api.room(), [med], at(day, "10:10"), at(day, "10:40"))), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "mediator", "id": med["id"], "session_id": first["id"]}]
    # Party: same name and same phone elsewhere at an overlapping time.
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"),
        parties=[{"name": "张三", "role": "petitioner", "phone": "138-0000-0001"}])), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "party", "id": "张三", "session_id": first["id"]}]
    # Same name, another phone: another person.
    api.book(api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"),
             parties=[{"name": "张三", "role": "petitioner", "phone": "13900000009"}])
    # Several conflicts are all listed.
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [med], at(day, "09:30"), at(day, "10:30"), parties=[{"name": "李四", "role": "petitioner"}])),
        409, "slot_conflict")
    assert {c["resource"] for c in body["conflicts"]} == {"room", "mediator", "party"}
    api.book(room, [med], at(day, "10:15"), at(day, "11:00"))


def test_bad_inputs_are_clear_4xx(api, day):
    room, med = api.room(), api.mediator()
    c = api()

    def post(**kw):
        body = api.session_body(room, [med], at(day, "09:00"), at(day, "10:00"))
        body.update(kw)
        return c.post(f"{BASE}/sessions", json=body)

    naive = day.isoformat() + "T09:00:00"
    body = problem(post(start=naive), 422, "validation_error")
    assert body["errors"][0]["field"] == "start"
    body = problem(post(start=at(day, "10:00"), end=at(day, "09:00")), 422, "validation_error")
    assert body["errors"][0]["field"] == "end"
    problem(post(start=at(day, "09:00"), end=at(day, "09:00")), 422, "validation_error")
    problem(post(start=at(day, "09:00"), end=at(day, "09:20")), 422, "validation_error")  # < 30 min
    problem(post(start=at(day, "09:00"), end=at(day, "13:01")), 422, "validation_error")  # > 240 min
    problem(post(start="tomorrow"), 422, "validation_error")
    problem(post(case_no="bad case/no"), 422, "validation_error")
    problem(post(case_no="x" * 65), 422, "validation_error")
    problem(post(mediator_ids=[]), 422, "validation_error")
    problem(post(mediator_ids=[med["id"]] * 2), 422, "validation_error")
    problem(post(mediator_ids=[api.mediator()["id"] for _ in range(4)]), 422, "validation_error")
    problem(post(parties=[]), 422, "validation_error")
    problem(post(parties=[{"name": "王五", "role": "judge"}]), 422, "validation_error")
    problem(post(parties=[{"name": "王五", "role": "petitioner"}, {"name": "王五", "role": "respondent"}]),
            422, "validation_error")
    problem(post(room_id="nope"), 422, "unknown_room")
    problem(post(mediator_ids=["nope"]), 422, "unknown_mediator")
    problem(post(language="yue"), 422, "language_unavailable")
    r = c.post(f"{BASE}/sessions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert c.get(f"{BASE}/sessions", params={"status": "sleeping"}).status_code == 422
    assert c.get(f"{BASE}/sessions", params={"limit": 0}).status_code == 422
    assert c.get(f"{BASE}/sessions", params={"cursor": "%%%"}).status_code == 422
    assert c.get(f"{BASE}/sessions/nope").status_code == 404
    problem(c.post(f"{BASE}/rooms", json={"name": "", "capacity": 0}), 422, "validation_error")
    problem(c.post(f"{BASE}/mediators", json={"name": "x", "kind": "judge"}), 422, "validation_error")
    problem(c.post(f"{BASE}/mediators", json={"name": "x", "kind": "people_mediator", "languages": ["粤"]}),
            422, "validation_error")
    problem(c.post(f"{BASE}/rooms/{room['id']}/closures", json={"start": at(day, "10:00"), "end": at(day, "09:00")}),
            422, "validation_error")
    problem(c.post(f"{BASE}/rooms/nope/closures", json={"start": at(day, "09:00"), "end": at(day, "10:00")}),
            404, "not_found")


def test_outside_working_hours(api, day):
    room, med = api.room(), api.mediator()

    def book(start, end, d=day):
        return api().post(f"{BASE}/sessions", json=api.session_body(room, [med], at(d, start), at(d, end)))

    problem(book("08:00", "09:00"), 422, "outside_working_hours")
    problem(book("11:30", "12:30"), 422, "outside_working_hours")   # across lunch
    problem(book("12:00", "13:00"), 422, "outside_working_hours")
    problem(book("17:00", "18:00"), 422, "outside_working_hours")
    problem(book("09:00", "10:00", rest_day()), 422, "outside_working_hours")
    api.book(room, [med], at(day, "16:30"), at(day, "17:30"))       # the last half hour is fine


def test_holiday_set_through_calendar_override(suite, api):
    day = working_day(3)
    room, med = api.room(), api.mediator()
    set_day(suite, day, "holiday", "测试假日")
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [med], at(day, "09:00"), at(day, "10:00"))), 422, "outside_working_hours")
    assert "not a working day" in body["detail"]
    slots = api().get(f"{BASE}/availability", params={"from": day.isoformat(), "to": day.isoformat(),
                                                      "duration_minutes": 60}).json()["slots"]
    assert slots == []
    # An adjustment working day (调休): a rest day made a working day.
    rd = rest_day()
    set_day(suite, rd, "workday", "调休上班")
    api.book(room, [med], at(rd, "09:00"), at(rd, "10:00"))


def test_room_closure_and_mediator_leave(api, day):
    room, med = api.room(), api.mediator()
    early = api.book(room, [med], at(day, "09:00"), at(day, "09:30"))
    r = api().post(f"{BASE}/rooms/{room['id']}/closures",
                   json={"start": at(day, "09:00"), "end": at(day, "12:00"), "reason": "设备检修"})
    assert r.status_code == 201, r.text
    assert r.json()["affected_session_ids"] == [early["id"]]
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [api.mediator()], at(day, "10:00"), at(day, "11:00"))), 422, "outside_working_hours")
    assert "closed" in body["detail"]
    api.book(room, [api.mediator()], at(day, "14:00"), at(day, "15:00"))

    r = api().post(f"{BASE}/mediators/{med['id']}/leave",
                   json={"start": at(day, "14:00"), "end": at(day, "17:30"), "reason": "年休假"})
    assert r.status_code == 201, r.text
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        api.room(), [med], at(day, "15:00"), at(day, "16:00"))), 422, "outside_working_hours")
    assert "leave" in body["detail"]
    assert len(api().get(f"{BASE}/mediators/{med['id']}/leave").json()["items"]) == 1


def test_mediator_own_working_hours(api, day):
    med = api.mediator(working_hours=[{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(1, 6)])
    room = api.room()
    problem(api().post(f"{BASE}/sessions", json=api.session_body(room, [med], at(day, "14:00"),
                                                                 at(day, "15:00"))), 422, "outside_working_hours")
    api.book(room, [med], at(day, "10:00"), at(day, "11:00"))


def test_minimum_notice_and_horizon(api):
    room, med = api.room(), api.mediator()
    now = datetime.now(SH)
    soon = (now + timedelta(minutes=60)).replace(second=0, microsecond=0)
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [med], soon.isoformat(), (soon + timedelta(minutes=30)).isoformat())), 422, "insufficient_notice")
    assert body["errors"][0]["field"] == "start"
    past = now - timedelta(days=1)
    problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [med], past.isoformat(), (past + timedelta(minutes=30)).isoformat())), 422, "insufficient_notice")
    far = today() + timedelta(days=91)
    problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [med], at(far, "09:00"), at(far, "10:00"))), 422, "beyond_horizon")
    from shared.calendar import WorkingCalendar
    cal = WorkingCalendar()
    last = today() + timedelta(days=90)
    while not cal.is_working_day(last):
        last -= timedelta(days=1)
    api.book(room, [med], at(last, "09:00"), at(last, "10:00"))


def test_recusal(api, day):
    room, med, other = api.room(), api.mediator(), api.mediator()
    r = api().post(f"{BASE}/mediators/{med['id']}/relations", json={"party_name": "赵六", "relation": "近亲属"})
    assert r.status_code == 201, r.text
    parties = [{"name": "赵六", "role": "respondent"}, {"name": uniq("申请人"), "role": "petitioner"}]
    body = problem(api().post(f"{BASE}/sessions", json=api.session_body(
        room, [other, med], at(day, "09:00"), at(day, "10:00"), parties=parties)), 409, "mediator_recused")
    assert body["recusals"] == [{"mediator_id": med["id"], "party_name": "赵六", "relation": "近亲属"}]
    api.book(room, [other], at(day, "09:00"), at(day, "10:00"), parties=parties)
    # A relation added later blocks a reschedule too.
    s = api.book(api.room(), [med], at(day, "14:00"), at(day, "15:00"))
    api().post(f"{BASE}/mediators/{med['id']}/relations",
               json={"party_name": s["parties"][0]["name"], "relation": "利害关系"})
    problem(api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                       json={"start": at(day, "15:30"), "end": at(day, "16:30")}), 409, "mediator_recused")


def test_booking_emits_scheduled_event(suite, api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    evs = outbox(suite, "mediation.session.scheduled", s["case_no"])
    assert len(evs) == 1
    assert evs[0]["data"]["session_id"] == s["id"]
    assert evs[0]["data"]["start"] == at(day, "09:00")
    assert all("phone" not in p for p in evs[0]["data"]["parties"])
