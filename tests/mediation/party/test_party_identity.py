"""Party identity (issue 14; DOMAIN.md): the same person is the same ID number (keyed hash) when both
have one, otherwise the same name and phone; a name alone matching a name with a phone in an
overlapping session is a conflict to resolve (409 `slot_conflict`), never a silent double booking;
`GET /parties/{id}/cases` lists a person's cases across time (重复信访)."""
from __future__ import annotations

from tests.mediation.mediation_kit import BASE, at, uniq, working_day
from tests.problem_kit import problem

ID_A = "11010519491231002X"
ID_B = "440106199001011235"
PHONE = "13812345678"


def party(name="张三", role="petitioner", **kw):
    return {"name": name, "role": role, **kw}


def attempt(api, day, parties, start="09:30", end="10:30", **kw):
    return api().post(f"{BASE}/sessions", json=api.session_body(api.room(), [api.mediator()], at(day, start),
                                                                at(day, end), parties=parties, **kw),
                      headers={"Accept-Language": "zh-CN"})


def test_a_name_alone_matching_a_name_with_a_phone_is_a_conflict(api, day):
    first = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"),
                     parties=[party(phone=PHONE), party("某公司", "respondent")])
    body = problem(attempt(api, day, [party()]), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "party", "id": "张三", "session_id": first["id"], "match": "name"}]
    assert "张三" in body["detail"] and "可能是同一人" in body["detail"] and "同名" in body["detail"]
    # Another slot: no conflict; and the other way round (name alone first, then name with a phone).
    alone = api.book(api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"), parties=[party("李四")])
    body = problem(attempt(api, day, [party("李四", phone="13900000000")], "14:30", "15:30"), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "party", "id": "李四", "session_id": alone["id"], "match": "name"}]
    # With an ID number on one side only, still nothing tells them apart.
    body = problem(attempt(api, day, [party(id_number=ID_A)]), 409, "slot_conflict")
    assert body["conflicts"][0]["match"] == "name"
    # Told apart: another phone is another person.
    api.book(api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"), parties=[party(phone="13700000000")])


def test_the_id_number_decides_when_both_have_one(api, day):
    first = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"),
                     parties=[party(phone=PHONE, id_number=ID_A)])
    # The same ID number is the same person, whatever the name or phone given.
    body = problem(attempt(api, day, [party("张 三丰", id_number=ID_A.lower())]), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "party", "id": "张 三丰", "session_id": first["id"]}]
    # The same name and phone without an ID number: the same person (name + phone).
    body = problem(attempt(api, day, [party(phone="138-1234-5678")]), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "party", "id": "张三", "session_id": first["id"]}]
    # Another ID number: another person, even with the same name and phone (a family's shared phone).
    api.book(api.room(), [api.mediator()], at(day, "09:30"), at(day, "10:30"),
             parties=[party(phone=PHONE, id_number=ID_B)])


def test_reschedule_into_a_possible_same_person_is_refused(api, day):
    api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"), parties=[party(phone=PHONE)])
    later = api.book(api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"), parties=[party()])
    r = api().post(f"{BASE}/sessions/{later['id']}/reschedule", json={"start": at(day, "09:30"),
                                                                      "end": at(day, "10:30")})
    body = problem(r, 409, "slot_conflict")
    assert [c["id"] for c in body["conflicts"]] == ["张三"] and body["conflicts"][0]["match"] == "name"


def test_a_persons_cases_across_time(api):
    me = api.mediator(user="mediator1")
    other = api.mediator()
    d = [working_day(i) for i in range(5)]
    tag = uniq("RP")

    def booked(i, mediator, **p):
        s = api.book(api.room(), [mediator], at(d[i], "09:00"), at(d[i], "10:00"), case_no=f"{tag}-{i}",
                     parties=[party(**p), party(uniq("被申请人"), "respondent")])
        return s, s["parties"][0]["id"]

    a, a_party = booked(0, me, phone=PHONE, id_number=ID_A)        # the person, with ID number
    b, b_party = booked(1, other, phone="13900009999", id_number=ID_A)  # same ID, a new phone
    c, c_party = booked(2, other, phone=PHONE)                     # same name + phone, no ID number
    booked(3, other, phone=PHONE, id_number=ID_B)                  # same name and phone, another ID number
    e, e_party = booked(4, me)                                     # the name alone

    def cases(who, pid):
        r = api(who).get(f"{BASE}/parties/{pid}/cases")
        assert r.status_code == 200, r.text
        return r.json()

    got = cases("coordinator", a_party)
    assert got["matched_on"] == "id_number" and got["party"]["id_number"] == ID_A
    assert [x["case_no"] for x in got["items"]] == [a["case_no"], b["case_no"], c["case_no"]]
    assert got["items"][1]["sessions"][0]["party_id"] == b_party and got["possible_matches"] == []
    # From the booking without ID number: name + phone (the ID-less and the same-phone bookings).
    got = cases("coordinator", c_party)
    assert got["matched_on"] == "name_phone"
    assert [x["case_no"] for x in got["items"]] == [a["case_no"], c["case_no"], f"{tag}-3"]
    # From a name alone: the name-alone bookings; the others of that name as possible matches.
    got = cases("coordinator", e_party)
    assert got["matched_on"] == "name" and [x["case_no"] for x in got["items"]] == [e["case_no"]]
    assert [x["case_no"] for x in got["possible_matches"]] == [f"{tag}-{i}" for i in range(4)]
    # Only what the caller may see: the mediator sees the sessions they mediate; masked for an auditor.
    assert [x["case_no"] for x in cases("mediator1", a_party)["items"]] == [a["case_no"]]
    audited = cases("auditor", a_party)
    assert audited["party"]["id_number"] == "110***********002X" and audited["party"]["phone"] == "138****5678"
    assert len(audited["items"]) == 3
    assert cases("petition-system", a_party)["matched_on"] == "id_number"
    problem(api("mediator1").get(f"{BASE}/parties/{b_party}/cases"), 404, "not_found")
    problem(api("lawyer1").get(f"{BASE}/parties/{a_party}/cases"), 403, "forbidden")
    for bad in ("nope", f"{a['id']}-9", "x-1", f"{a['id']}-"):
        problem(api().get(f"{BASE}/parties/{bad}/cases"), 404, "not_found")
