"""Issue 13 item 3: a mediator who books (and cancels) a session on any case number must not read that
case file. A mediator sees the case file only while they mediate a non-cancelled session of it, and in
it only the sessions they mediate (with those sessions' agreements and ratings)."""
from __future__ import annotations

import uuid

from tests.mediation.mediation_kit import BASE, at
from tests.problem_kit import problem

PHONE = "13812341234"


def _case_with_intake(suite) -> str:
    case = "CF-" + uuid.uuid4().hex[:10]
    r = suite.client("petition-system").post(f"/api/v1/cases/{case}/handoffs", json={
        "target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷",
        "parties": [{"name": "张三", "role": "petitioner", "phone": PHONE}, {"name": "李四", "role": "respondent"}]})
    assert r.status_code == 202, r.text
    suite.drain()
    return case


def test_book_and_cancel_opens_nothing(suite, api, day):
    case = _case_with_intake(suite)
    other = api.mediator(user="mediator2")
    me = api.mediator(user="mediator1")
    theirs = api.book(api.room(), [other], at(day, "09:00"), at(day, "10:00"), case_no=case,
                      parties=[{"name": "张三", "role": "petitioner", "phone": "13900001111"}])
    assert api("mediator2").get(f"{BASE}/cases/{case}").status_code == 200
    # mediator1 books a session of their own on that case number, then cancels it
    mine = api.book(api.room(), [me], at(day, "14:00"), at(day, "15:00"), who="mediator1", case_no=case)
    r = api("mediator1").post(f"{BASE}/sessions/{mine['id']}/cancel", json={"reason": "订错了"})
    assert r.status_code == 200, r.text
    problem(api("mediator1").get(f"{BASE}/cases/{case}"), 404, "not_found")
    listed = api("mediator1").get(f"{BASE}/cases").json()["items"]
    assert case not in [i["case_no"] for i in listed]
    listed = api("mediator1").get(f"{BASE}/cases", params={"q": case}).json()["items"]
    assert listed == []
    assert theirs["id"]


def test_a_mediator_sees_only_their_own_sessions_in_the_case_file(suite, api, day):
    case = _case_with_intake(suite)
    other = api.mediator(user="mediator2")
    me = api.mediator(user="mediator1")
    theirs = api.book(api.room(), [other], at(day, "09:00"), at(day, "10:00"), case_no=case,
                      parties=[{"name": "张三", "role": "petitioner", "phone": "13900001111"}])
    mine = api.book(api.room(), [me], at(day, "14:00"), at(day, "15:00"), who="mediator1", case_no=case)
    r = api("mediator1").get(f"{BASE}/cases/{case}")
    assert r.status_code == 200, r.text
    assert [s["id"] for s in r.json()["sessions"]] == [mine["id"]]
    assert theirs["id"] not in r.text and "13900001111" not in r.text
    # the other mediator likewise
    r = api("mediator2").get(f"{BASE}/cases/{case}")
    assert [s["id"] for s in r.json()["sessions"]] == [theirs["id"]]
    # coordinators, auditors and the petition system see every session
    for who in ("coordinator", "auditor", "petition-system"):
        r = api(who).get(f"{BASE}/cases/{case}")
        assert r.status_code == 200
        assert {s["id"] for s in r.json()["sessions"]} == {mine["id"], theirs["id"]}


def test_a_cancelled_session_beside_a_live_one_still_counts_the_live_one(suite, api, day):
    case = _case_with_intake(suite)
    me = api.mediator(user="mediator1")
    live = api.book(api.room(), [me], at(day, "09:00"), at(day, "10:00"), who="mediator1", case_no=case)
    gone = api.book(api.room(), [me], at(day, "14:00"), at(day, "15:00"), who="mediator1", case_no=case)
    assert api("mediator1").post(f"{BASE}/sessions/{gone['id']}/cancel", json={"reason": "改期"}).status_code == 200
    r = api("mediator1").get(f"{BASE}/cases/{case}")
    assert r.status_code == 200
    assert {s["id"] for s in r.json()["sessions"]} == {live["id"], gone["id"]}
    assert case in [i["case_no"] for i in api("mediator1").get(f"{BASE}/cases").json()["items"]]
