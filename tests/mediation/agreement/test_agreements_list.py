"""`GET /agreements` (open: 司法确认 window open and not applied for, or no 回访 yet), `GET /office-hours`
and `GET /occupancy`: the calls the console's 工作台 and 排期 are built on."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from services.mediation.agreement.models import Agreement
from tests.mediation.mediation_kit import BASE, at, rest_day, today, working_day
from tests.problem_kit import problem


def _agree(api, session_id: str, who: str = "coordinator", form: str = "written") -> dict:
    assert api(who).post(f"{BASE}/sessions/{session_id}/check-in").status_code == 200
    r = api(who).post(f"{BASE}/sessions/{session_id}/conclude", json={
        "outcome": "agreement", "agreement": {"form": form, "terms": ["返还押金5000元"],
                                              "performance_due": working_day(10).isoformat()}})
    assert r.status_code == 200, r.text
    return api(who).get(f"{BASE}/sessions/{session_id}/agreement").json()


def test_agreements_list_open_access_and_pages(suite, api, day):
    me = api.mediator(user="mediator1")
    other = api.mediator()
    room = api.room()
    mine = api.book(room, [me], at(day, "09:00"), at(day, "10:00"), who="mediator1")
    theirs = api.book(room, [other], at(day, "14:00"), at(day, "15:00"))
    closed = api.book(api.room(), [other], at(day, "09:00"), at(day, "10:00"))
    a_mine, a_theirs = _agree(api, mine["id"], "mediator1"), _agree(api, theirs["id"])
    a_closed = _agree(api, closed["id"], form="oral")
    past = today() - timedelta(days=3)
    with suite.db("mediation").session() as s:  # an old agreement: its 司法确认 window has closed ...
        s.execute(update(Agreement).where(Agreement.id == a_closed["id"])
                  .values(judicial_confirmation_deadline=past, followup_on=past, effective_on=past))
    visit = {"visited_on": today().isoformat(), "performance": "performed"}
    assert api().post(f"{BASE}/sessions/{closed['id']}/agreement/followups", json=visit).status_code == 201
    # ... and it was followed up. Another one's parties applied for 司法确认 but nobody visited yet: open.
    assert api().post(f"{BASE}/sessions/{theirs['id']}/agreement/judicial-confirmation",
                      json={"applied_on": today().isoformat(), "court": "区人民法院"}).status_code == 201

    body = api().get(f"{BASE}/agreements").json()
    assert {a["id"] for a in body["items"]} == {a_mine["id"], a_theirs["id"], a_closed["id"]}
    assert body["items"][0]["id"] == a_closed["id"]  # soonest deadline first
    item = next(a for a in body["items"] if a["id"] == a_mine["id"])
    for field in ("session_id", "case_no", "form", "terms", "performance_due", "judicial_confirmation_deadline",
                  "followup_on"):
        assert item[field] == a_mine[field]
    assert item["session_id"] == mine["id"] and item["case_no"] == mine["case_no"]
    assert item["judicial_confirmation_applied_on"] is None and item["followed_up_on"] is None
    item = next(a for a in body["items"] if a["id"] == a_theirs["id"])
    assert item["judicial_confirmation_applied_on"] == today().isoformat() and item["followed_up_on"] is None
    assert body["items"][0]["followed_up_on"] == today().isoformat()

    open_ = api().get(f"{BASE}/agreements", params={"open": "true"}).json()["items"]
    assert {a["id"] for a in open_} == {a_mine["id"], a_theirs["id"]}
    shut = api().get(f"{BASE}/agreements", params={"open": "false"}).json()["items"]
    assert [a["id"] for a in shut] == [a_closed["id"]]
    one = api().get(f"{BASE}/agreements", params={"case_no": theirs["case_no"]}).json()["items"]
    assert [a["id"] for a in one] == [a_theirs["id"]]
    # Applied and now visited: nothing left to do.
    assert api().post(f"{BASE}/sessions/{theirs['id']}/agreement/followups", json=visit).status_code == 201
    open_ = api().get(f"{BASE}/agreements", params={"open": "true"}).json()["items"]
    assert [a["id"] for a in open_] == [a_mine["id"]]

    # Same rules as sessions: a mediator sees only the agreements of their own sessions.
    assert [a["id"] for a in api("mediator1").get(f"{BASE}/agreements").json()["items"]] == [a_mine["id"]]
    assert api("mediator2").get(f"{BASE}/agreements").json()["items"] == []  # no mediator record: nothing
    assert len(api("auditor").get(f"{BASE}/agreements").json()["items"]) == 3
    problem(api("lawyer1").get(f"{BASE}/agreements"), 403, "forbidden")

    # Paginated like every list.
    first = api().get(f"{BASE}/agreements", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api().get(f"{BASE}/agreements", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {a["id"] for a in first["items"] + rest["items"]} == {a_mine["id"], a_theirs["id"], a_closed["id"]}
    problem(api().get(f"{BASE}/agreements", params={"cursor": "forged"}), 422, "validation_error")
    problem(api().get(f"{BASE}/agreements", params={"open": "maybe"}), 422, "validation_error")


def test_office_hours_say_which_days_work(api, day):
    off = rest_day()
    lo, hi = min(day, off), max(day, off)
    body = api("mediator1").get(f"{BASE}/office-hours", params={"from": lo.isoformat(),
                                                                 "to": hi.isoformat()}).json()
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == (hi - lo).days + 1
    assert days[day.isoformat()]["working_day"] is True
    assert days[day.isoformat()]["windows"] == [{"start": at(day, "09:00"), "end": at(day, "12:00")},
                                                {"start": at(day, "14:00"), "end": at(day, "17:30")}]
    assert days[off.isoformat()] == {"date": off.isoformat(), "working_day": False, "windows": []}
    assert body["buffer_minutes"] == 15 and body["min_session_minutes"] == 30
    assert body["min_notice_minutes"] == 120 and body["last_bookable_day"] == (today() + timedelta(days=90)).isoformat()
    problem(api().get(f"{BASE}/office-hours", params={"from": hi.isoformat(), "to": lo.isoformat()}), 422,
            "validation_error")
    problem(api().get(f"{BASE}/office-hours", params={"from": "2026-01-01", "to": "2027-01-01"}), 422,
            "validation_error")


def test_occupancy_shows_rooms_taken_by_anyone(api, day):
    api.mediator(user="mediator1")
    other = api.mediator()
    room, room2 = api.room(), api.room()
    s1 = api.book(room, [other], at(day, "09:00"), at(day, "10:00"))
    s2 = api.book(room2, [other], at(day, "14:00"), at(day, "15:00"))
    gone = api.book(room, [other], at(day, "15:30"), at(day, "16:30"))
    assert api().post(f"{BASE}/sessions/{gone['id']}/cancel", json={"reason": "撤回"}).status_code == 200
    params = {"from": day.isoformat(), "to": day.isoformat()}
    # mediator1 mediates none of them, yet sees that the rooms are taken (no parties, no mediators).
    items = api("mediator1").get(f"{BASE}/occupancy", params=params).json()["items"]
    assert items == [
        {"room_id": room["id"], "session_id": s1["id"], "case_no": s1["case_no"], "start": at(day, "09:00"),
         "end": at(day, "10:00"), "status": "scheduled"},
        {"room_id": room2["id"], "session_id": s2["id"], "case_no": s2["case_no"], "start": at(day, "14:00"),
         "end": at(day, "15:00"), "status": "scheduled"}]
    only = api().get(f"{BASE}/occupancy", params=dict(params, room_id=room2["id"])).json()["items"]
    assert [i["session_id"] for i in only] == [s2["id"]]
    page = api().get(f"{BASE}/occupancy", params=dict(params, limit=1)).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    nxt = api().get(f"{BASE}/occupancy", params=dict(params, limit=1, cursor=page["next_cursor"])).json()
    assert [i["session_id"] for i in nxt["items"]] == [s2["id"]]
    assert api().get(f"{BASE}/occupancy", params={"from": (day + timedelta(days=1)).isoformat(),
                                                  "to": (day + timedelta(days=1)).isoformat()}).json()["items"] == []
    problem(api("lawyer1").get(f"{BASE}/occupancy", params=params), 403, "forbidden")
    problem(api().get(f"{BASE}/occupancy", params={"from": day.isoformat(),
                                                   "to": (day + timedelta(days=40)).isoformat()}), 422,
            "validation_error")
