"""Handoffs to mediation (访调对接): accepted into a pending case, or rejected with the reason;
completed when a session of the case concludes."""
from __future__ import annotations

from datetime import date

from shared.calendar import WorkingCalendar, rule_deadline
from tests.mediation.mediation_kit import BASE, at, outbox, uniq


def deliver(suite, *events):
    r = suite.direct("mediation", "mediation-service").post("/internal/events", json={"events": list(events)})
    assert r.status_code == 200, r.text
    return r.json()


def handoff(case_no, **data):
    body = {"handoff_id": uniq("h"), "case_no": case_no, "target": "mediation", "category": "neighbour_dispute",
            "summary": "邻里漏水纠纷", "parties": [{"name": "钱七", "role": "petitioner", "phone": "13800001111"},
                                                  {"name": "孙八", "role": "respondent"}]}
    body.update(data)
    return {"id": uniq("ev"), "source": "gateway", "type": "handoff.requested", "subject": case_no,
            "time": "2026-12-01T09:00:00+08:00", "data": body}


def test_accept_then_book_then_complete(suite, api, day):
    case_no = uniq("H")
    ev = handoff(case_no)
    assert deliver(suite, ev, ev) == {"applied": 1, "duplicates": 1, "failed": []}
    acc = outbox(suite, "mediation.handoff.accepted", case_no)
    assert len(acc) == 1 and acc[0]["data"]["handoff_id"] == ev["data"]["handoff_id"]
    pending = api().get(f"{BASE}/cases", params={"status": "pending"}).json()["items"]
    assert [i["case_no"] for i in pending] == [case_no]
    # A dispute is normally settled within one month: the target date, moved off rest days.
    target = rule_deadline(WorkingCalendar(), "mediation_target", date(2026, 12, 1))
    assert pending[0]["target_on"] == target.isoformat()
    # The same handoff routed again under another event id is not decided twice.
    again = dict(ev, id=uniq("ev"))
    deliver(suite, again)
    assert len(outbox(suite, "mediation.handoff.accepted", case_no)) == 1

    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"), case_no=case_no,
                 parties=[{"name": "钱七", "role": "petitioner", "phone": "13800001111"},
                          {"name": "孙八", "role": "respondent"}])
    assert api().get(f"{BASE}/cases/{case_no}").json()["intake"]["status"] == "scheduled"
    api().post(f"{BASE}/sessions/{s['id']}/conclude", json={
        "outcome": "agreement",
        "agreement": {"form": "written", "terms": ["修复漏水并赔偿2000元"], "performance_due": day.isoformat()}})
    done = outbox(suite, "mediation.handoff.completed", case_no)
    assert [e["data"] for e in done] == [{"handoff_id": ev["data"]["handoff_id"], "case_no": case_no,
                                          "outcome": "agreement"}]
    cf = api().get(f"{BASE}/cases/{case_no}").json()
    assert cf["intake"]["status"] == "completed" and cf["intake"]["outcome"] == "agreement"


def test_rejections_outside_scope(suite, api):
    cases = {
        "in_litigation": {"in_litigation": True},
        "administrative_dispute": {"category": "administrative_dispute"},
        "party_refused": {"parties": [{"name": "甲", "refused_mediation": True}, {"name": "乙"}]},
    }
    for code, extra in cases.items():
        case_no = uniq("R")
        deliver(suite, handoff(case_no, **extra))
        rej = outbox(suite, "mediation.handoff.rejected", case_no)
        assert len(rej) == 1, code
        assert rej[0]["data"]["reason_code"] == code and rej[0]["data"]["reason"]
        assert not outbox(suite, "mediation.handoff.accepted", case_no)
    case_no = uniq("R")
    deliver(suite, handoff(case_no, party_refused=True))
    assert outbox(suite, "mediation.handoff.rejected", case_no)[0]["data"]["reason_code"] == "party_refused"
    assert api().get(f"{BASE}/cases", params={"status": "pending"}).json()["items"] == []


def test_other_targets_are_ignored(suite):
    case_no = uniq("O")
    deliver(suite, handoff(case_no, target="legal_opinion"))
    assert outbox(suite, subject=case_no) == []


def test_internal_events_need_the_service_role(suite):
    r = suite.direct("mediation", "coordinator").post("/internal/events", json={"events": []})
    assert r.status_code == 403


def test_end_to_end_through_the_gateway(suite, api, day):
    """The petition system hands a case to mediation; the gateway routes it; mediation accepts; the
    session concludes; the handoff is completed. A matter before a court is rejected with the reason."""
    ps = api("petition-system")
    case_no = uniq("E")
    parties = [{"name": uniq("周"), "role": "petitioner"}, {"name": uniq("吴"), "role": "respondent"}]
    r = ps.post(f"/api/v1/cases/{case_no}/handoffs", json={"target": "mediation", "category": "neighbour_dispute",
                                                           "summary": "噪音纠纷", "parties": parties})
    assert r.status_code == 202, r.text
    hid = r.json()["id"]
    suite.drain()
    assert ps.get(f"/api/v1/handoffs/{hid}").json()["status"] == "accepted"
    pending = api().get(f"{BASE}/cases", params={"status": "pending"}).json()["items"]
    assert [(i["case_no"], i["handoff_id"]) for i in pending] == [(case_no, hid)]
    s = api.book(api.room(), [api.mediator()], at(day, "09:00"), at(day, "10:00"), case_no=case_no,
                 parties=parties)
    api().post(f"{BASE}/sessions/{s['id']}/conclude", json={"outcome": "no_agreement"})
    suite.drain()
    h = ps.get(f"/api/v1/handoffs/{hid}").json()
    assert h["status"] == "completed", h

    r = ps.post(f"/api/v1/cases/{uniq('L')}/handoffs", json={
        "target": "mediation", "category": "contract_dispute", "summary": "已起诉的合同纠纷",
        "parties": parties, "in_litigation": True})
    suite.drain()
    h = ps.get(f"/api/v1/handoffs/{r.json()['id']}").json()
    assert h["status"] == "rejected" and h["reason_code"] == "in_litigation" and "诉" in h["reason"]
