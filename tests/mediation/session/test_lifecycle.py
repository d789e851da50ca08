"""Session life: reschedule, cancel, check-in, conclude (agreement, no agreement, legal opinion), ratings,
the agreement and the case file."""
from __future__ import annotations

from datetime import date, timedelta

from shared.calendar import WorkingCalendar, rule_deadline
from tests.mediation.mediation_kit import BASE, at, outbox, uniq, working_day
from tests.problem_kit import problem


def test_reschedule_keeps_id_and_frees_old_slot(suite, api, day):
    room, med = api.room(), api.mediator()
    s = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    other_room = api.room()
    r = api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                   json={"start": at(day, "14:00"), "end": at(day, "15:30"), "room_id": other_room["id"],
                         "reason": "当事人申请改期"})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["id"] == s["id"] and moved["room_id"] == other_room["id"] and moved["version"] == 1
    assert moved["start"] == at(day, "14:00") and moved["reschedule_reason"] == "当事人申请改期"
    api.book(room, [med], at(day, "09:00"), at(day, "10:00"))  # the old slot is free again
    # Moving onto a taken slot is a 409 with the same rules; the session stays where it was.
    blocker = api.book(api.room(), [med], at(day, "16:00"), at(day, "17:00"))
    body = problem(api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                              json={"start": at(day, "16:30"), "end": at(day, "17:30")}), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "mediator", "id": med["id"], "session_id": blocker["id"]}]
    assert api().get(f"{BASE}/sessions/{s['id']}").json()["start"] == at(day, "14:00")
    # Moving a session within its own slot (overlapping itself) is fine.
    r = api().post(f"{BASE}/sessions/{s['id']}/reschedule", json={"start": at(day, "14:30"), "end": at(day, "15:30")})
    assert r.status_code == 200, r.text
    problem(api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                       json={"start": at(day, "12:30"), "end": at(day, "13:30")}), 422, "outside_working_hours")
    evs = outbox(suite, "mediation.session.rescheduled", s["case_no"])
    assert len(evs) == 2 and evs[0]["data"]["previous_start"] == at(day, "09:00")


def test_cancel_frees_the_slot(suite, api, day):
    room, med = api.room(), api.mediator()
    s = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    r = api().post(f"{BASE}/sessions/{s['id']}/cancel", json={"reason": "申请人撤回"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    problem(api().post(f"{BASE}/sessions/{s['id']}/cancel", json={}), 409, "invalid_status")
    problem(api().post(f"{BASE}/sessions/{s['id']}/reschedule",
                       json={"start": at(day, "14:00"), "end": at(day, "15:00")}), 409, "invalid_status")
    assert outbox(suite, "mediation.session.cancelled", s["case_no"])[0]["data"]["reason"] == "申请人撤回"


def test_a_session_held_early_frees_its_slot_when_concluded(api, day):
    """Held early (every party present) and concluded: the room and mediator are free in the old slot."""
    room, med = api.room(), api.mediator()
    s = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    api.book(room, [med], at(day, "09:00"), at(day, "10:00"), expect=409)
    assert api().post(f"{BASE}/sessions/{s['id']}/check-in").status_code == 200
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={"outcome": "no_agreement"})
    assert r.status_code == 200, r.text
    again = api.book(room, [med], at(day, "09:00"), at(day, "10:00"))
    assert again["id"] != s["id"] and again["status"] == "scheduled"


def test_check_in_and_conclude_with_written_agreement(suite, api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    r = api().post(f"{BASE}/sessions/{s['id']}/check-in")
    assert r.status_code == 200 and r.json()["status"] == "in_progress" and r.json()["checked_in_at"]
    problem(api().post(f"{BASE}/sessions/{s['id']}/check-in"), 409, "invalid_status")
    due = working_day(10)
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement",
        "agreement": {"form": "written", "terms": ["被申请人于履行期限内返还押金5000元", "双方再无其他争议"],
                      "performance_due": due.isoformat(), "performance_method": "银行转账"}})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "concluded" and done["outcome"] == "agreement" and done["agreement_id"]
    a = api().get(f"{BASE}/sessions/{s['id']}/agreement").json()
    from datetime import datetime

    from tests.mediation.mediation_kit import SH
    effective = datetime.now(SH).date()
    cal = WorkingCalendar()
    assert a["effective_on"] == effective.isoformat()
    assert a["judicial_confirmation_deadline"] == rule_deadline(cal, "judicial_confirmation", effective).isoformat()
    assert date.fromisoformat(a["judicial_confirmation_deadline"]) >= effective + timedelta(days=30)
    assert a["followup_on"] == cal.next_working_day(due + timedelta(days=3)).isoformat()
    assert a["terms"][0].startswith("被申请人")
    problem(api().post(f"{BASE}/sessions/{s['id']}/conclude", json={"outcome": "no_show"}), 409, "invalid_status")
    rec = outbox(suite, "mediation.agreement.recorded", s["case_no"])
    assert rec[0]["data"]["judicial_confirmation_deadline"] == a["judicial_confirmation_deadline"]
    assert outbox(suite, "mediation.session.started", s["case_no"])
    assert outbox(suite, "mediation.session.concluded", s["case_no"])[0]["data"]["outcome"] == "agreement"


def test_conclude_inputs(api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    url = f"{BASE}/sessions/{s['id']}/conclude"
    problem(api().post(url, json={"outcome": "maybe"}), 422, "validation_error")
    problem(api().post(url, json={"outcome": "agreement"}), 422, "validation_error")
    problem(api().post(url, json={"outcome": "no_show", "agreement": {
        "form": "oral", "terms": ["x"], "performance_due": day.isoformat()}}), 422, "validation_error")
    problem(api().post(url, json={"outcome": "agreement", "agreement": {
        "form": "paper", "terms": ["x"], "performance_due": day.isoformat()}}), 422, "validation_error")
    problem(api().post(url, json={"outcome": "agreement", "agreement": {
        "form": "oral", "terms": [], "performance_due": day.isoformat()}}), 422, "validation_error")
    problem(api().post(url, json={"outcome": "partial_agreement", "agreement": {
        "form": "oral", "terms": ["x"], "performance_due": "2020-01-01"}}), 422, "validation_error")
    assert api().get(f"{BASE}/sessions/{s['id']}").json()["status"] == "scheduled"
    problem(api().get(f"{BASE}/sessions/{s['id']}/agreement"), 404, "not_found")


def test_no_agreement_tells_routes_and_requests_legal_opinion(suite, api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "no_agreement", "request_legal_opinion": {"question": "该劳动争议是否应先行申请劳动仲裁？"}})
    assert r.status_code == 200, r.text
    assert r.json()["routes_told"] == ["arbitration", "administrative", "litigation"]
    ev = outbox(suite, "mediation.legal_opinion.requested", s["case_no"])
    assert len(ev) == 1
    assert ev[0]["data"] == {"case_no": s["case_no"], "session_id": s["id"],
                             "question": "该劳动争议是否应先行申请劳动仲裁？",
                             "parties": [p["name"] for p in s["parties"]]}


def test_satisfaction_one_per_party(suite, api, day):
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    url = f"{BASE}/sessions/{s['id']}/satisfaction"
    problem(api("petition-system").post(url, json={"rating": "satisfied"}), 409, "invalid_status")
    api().post(f"{BASE}/sessions/{s['id']}/conclude", json={"outcome": "no_agreement"})
    r = api("petition-system").post(url, json={"rating": "satisfied", "comment": "调解员很耐心"})
    assert r.status_code == 201, r.text
    assert r.json()["party_name"] == s["parties"][0]["name"]   # the petitioner by default
    problem(api("petition-system").post(url, json={"rating": "dissatisfied"}), 409, "already_rated")
    respondent = s["parties"][1]["name"]
    r = api().post(url, json={"rating": "basically_satisfied", "party_name": respondent})
    assert r.status_code == 201, r.text
    problem(api().post(url, json={"rating": "satisfied", "party_name": respondent}), 409, "already_rated")
    problem(api().post(url, json={"rating": "satisfied", "party_name": "路人甲"}), 422, "validation_error")
    problem(api().post(url, json={"rating": "great"}), 422, "validation_error")
    assert api("auditor").post(url, json={"rating": "satisfied"}).status_code == 403


def test_case_file_with_agreement_ratings_and_legal_opinion(suite, api, day):
    s1 = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"))
    case_no = s1["case_no"]
    s2 = api.book(api.room(), [api.mediator()], at(day, "14:00"), at(day, "15:00"), case_no=case_no)
    api().post(f"{BASE}/sessions/{s1['id']}/conclude", json={"outcome": "no_show"})
    api().post(f"{BASE}/sessions/{s2['id']}/conclude", json={
        "outcome": "partial_agreement",
        "agreement": {"form": "oral", "terms": ["先行支付一半款项"], "performance_due": working_day(5).isoformat()}})
    api("petition-system").post(f"{BASE}/sessions/{s2['id']}/satisfaction", json={"rating": "satisfied"})
    # A lawyer's opinion arrives later as an event (what the hub pushes).
    ev = {"id": uniq("ev"), "source": "lawyers", "type": "lawyers.opinion.filed", "subject": case_no,
          "time": at(day, "16:00"), "data": {"case_no": case_no, "request_id": "r1", "opinion": {
              "summary": "建议通过劳动仲裁解决", "legality": "partly_lawful", "recommended_channel": "arbitration"}}}
    hub = suite.direct("mediation", "mediation-service")
    r = hub.post("/internal/events", json={"events": [ev, ev]})
    assert r.status_code == 200, r.text
    assert r.json() == {"applied": 1, "duplicates": 1, "failed": []}
    cf = api().get(f"{BASE}/cases/{case_no}")
    assert cf.status_code == 200, cf.text
    cf = cf.json()
    assert [x["id"] for x in cf["sessions"]] == [s1["id"], s2["id"]]
    assert cf["agreement"]["session_id"] == s2["id"]
    assert [x["rating"] for x in cf["ratings"]] == ["satisfied"]
    assert cf["legal_opinions"][0]["opinion"]["recommended_channel"] == "arbitration"
    assert cf["legal_opinions"][0]["filed_at"].endswith("+08:00")
    problem(api().get(f"{BASE}/cases/NO-SUCH-CASE"), 404, "not_found")
    assert api().get(f"{BASE}/cases/bad%20case").status_code == 422


def test_reschedule_replaces_a_mediator_on_request(suite, api, day):
    """A party asks for the mediator to be replaced: the session keeps its id, the new mediator's slot is
    checked, the old one is free again."""
    room, old, new = api.room(), api.mediator(), api.mediator()
    s = api.book(room, [old], at(day, "09:00"), at(day, "10:00"))
    busy = api.book(api.room(), [new], at(day, "09:00"), at(day, "10:00"))
    body = problem(api().post(f"{BASE}/sessions/{s['id']}/reschedule", json={
        "start": at(day, "09:00"), "end": at(day, "10:00"), "mediator_ids": [new["id"]]}), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "mediator", "id": new["id"], "session_id": busy["id"]}]
    r = api().post(f"{BASE}/sessions/{s['id']}/reschedule", json={
        "start": at(day, "14:00"), "end": at(day,
                                             "15:00"), "mediator_ids": [new["id"]], "reason": "申请人申请更换调解员"})
    assert r.status_code == 200, r.text
    assert r.json()["mediator_ids"] == [new["id"]]
    api.book(api.room(), [old], at(day, "09:00"), at(day, "10:00"))
    ev = outbox(suite, "mediation.session.rescheduled", s["case_no"])[-1]["data"]
    assert ev["previous_mediator_ids"] == [old["id"]] and ev["mediator_ids"] == [new["id"]]
