"""Who may do what: coordinators manage everything; a mediator books and manages only their own
sessions (others 404); the petition system reads; auditors read; lawyers stay out of sessions."""
from __future__ import annotations

from tests.mediation.mediation_kit import BASE, at
from tests.problem_kit import problem


def test_roles(api, day):
    me = api.mediator(user="mediator1")
    other = api.mediator(user="mediator2")
    room = api.room()
    # Rooms and mediators: coordinator only for writes.
    for who in ("mediator1", "auditor", "petition-system", "lawyer1"):
        problem(api(who).post(f"{BASE}/rooms", json={"name": "x", "capacity": 2}), 403, "forbidden")
        problem(api(who).post(f"{BASE}/mediators", json={"name": "x", "kind": "people_mediator"}), 403, "forbidden")
        problem(api(who).post(f"{BASE}/rooms/{room['id']}/closures",
                              json={"start": at(day, "09:00"), "end": at(day, "10:00")}), 403, "forbidden")
        assert api(who).get(f"{BASE}/rooms").status_code == 200
    problem(api(None).get(f"{BASE}/rooms"), 401, "unauthorized")

    # A mediator books only sessions they mediate.
    problem(api("mediator1").post(f"{BASE}/sessions", json=api.session_body(
        room, [other], at(day, "09:00"), at(day, "10:00"))), 403, "forbidden")
    mine = api.book(room, [me], at(day, "09:00"), at(day, "10:00"), who="mediator1")
    theirs = api.book(api.room(), [other], at(day, "09:00"), at(day, "10:00"))
    for who in ("auditor", "petition-system", "lawyer1"):
        problem(api(who).post(f"{BASE}/sessions", json=api.session_body(
            api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"))), 403, "forbidden")

    # Reads: a mediator sees only their own; others are 404 as if absent.
    assert api("mediator1").get(f"{BASE}/sessions/{mine['id']}").status_code == 200
    problem(api("mediator1").get(f"{BASE}/sessions/{theirs['id']}"), 404, "not_found")
    assert [s["id"] for s in api("mediator1").get(f"{BASE}/sessions").json()["items"]] == [mine["id"]]
    problem(api("mediator1").get(f"{BASE}/cases/{theirs['case_no']}"), 404, "not_found")
    assert api("mediator1").get(f"{BASE}/cases/{mine['case_no']}").status_code == 200
    problem(api("mediator1").get(f"{BASE}/mediators/{other['id']}/calendar.ics"), 404, "not_found")
    for who in ("auditor", "petition-system", "coordinator"):
        assert api(who).get(f"{BASE}/sessions/{theirs['id']}").status_code == 200
        assert len(api(who).get(f"{BASE}/sessions").json()["items"]) == 2
        assert api(who).get(f"{BASE}/cases/{theirs['case_no']}").status_code == 200
    problem(api("lawyer1").get(f"{BASE}/sessions"), 403, "forbidden")
    problem(api("lawyer1").get(f"{BASE}/sessions/{mine['id']}"), 403, "forbidden")

    # Writes on a session: its mediator or a coordinator; another mediator gets 404; readers 403.
    for path, body in (("reschedule", {"start": at(day, "14:00"), "end": at(day, "15:00")}),
                       ("cancel", {"reason": "x"}), ("check-in", None), ("conclude", {"outcome": "no_show"})):
        problem(api("mediator1").post(f"{BASE}/sessions/{theirs['id']}/{path}", json=body), 404, "not_found")
        problem(api("auditor").post(f"{BASE}/sessions/{theirs['id']}/{path}", json=body), 403, "forbidden")
        problem(api("petition-system").post(f"{BASE}/sessions/{theirs['id']}/{path}", json=body), 403,
                "forbidden")
    r = api("mediator1").post(f"{BASE}/sessions/{mine['id']}/reschedule",
                              json={"start": at(day, "14:00"), "end": at(day, "15:00")})
    assert r.status_code == 200, r.text
    assert api("mediator1").post(f"{BASE}/sessions/{mine['id']}/check-in").status_code == 200
    assert api("mediator1").post(f"{BASE}/sessions/{mine['id']}/conclude",
                                 json={"outcome": "no_agreement"}).status_code == 200
    assert api("coordinator").post(f"{BASE}/sessions/{theirs['id']}/cancel", json={}).status_code == 200

    # Relations: a coordinator, or the mediator declaring their own.
    assert api("mediator1").post(f"{BASE}/mediators/{me['id']}/relations",
                                 json={"party_name": "甲", "relation": "同学"}).status_code == 201
    problem(api("mediator1").post(f"{BASE}/mediators/{other['id']}/relations",
                                  json={"party_name": "甲", "relation": "同学"}), 403, "forbidden")


def test_user_link_is_unique(api):
    api.mediator(user="mediator2")
    problem(api().post(f"{BASE}/mediators", json={"name": "另一人", "kind": "petition_officer", "user": "mediator2"}),
            409, "user_taken")


def test_mediator_without_record_sees_nothing(api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    assert api("mediator2").get(f"{BASE}/sessions").json()["items"] == []
    problem(api("mediator2").get(f"{BASE}/sessions/{s['id']}"), 404, "not_found")
