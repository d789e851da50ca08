"""Handoffs addressed to lawyers, delivered as `handoff.requested` events (applied once, via the inbox)."""
from __future__ import annotations

import uuid

import httpx

from shared.db import utcnow
from shared.events import CloudEvent
from shared.events.inbox import apply_event
from tests.lawyers.conftest import BASE, OPINION, events, make_lawyer


def deliver(suite, data: dict, event_id: str | None = None) -> bool:
    app = suite.app["lawyers"]
    ev = CloudEvent(id=event_id or uuid.uuid4().hex, source="gateway", type="handoff.requested",
                    subject=data.get("case_no"), time=utcnow(), data=data)
    return apply_event(app.state.db, "lawyers", app.state.handlers, ev)


def test_legal_opinion_handoff_accepted_then_completed(api, suite):
    make_lawyer(api, user="lawyer1", specialties=["contract"])
    data = {"handoff_id": "H-100", "case_no": "HO-1", "target": "legal_opinion", "category": "contract",
            "question": "调解协议是否有效？", "summary": "调解后申请法律意见",
            "parties": [{"name": "张三", "role": "petitioner", "phone": "13800000000"}, "李四"]}
    eid = uuid.uuid4().hex
    assert deliver(suite, data, eid) is True
    assert deliver(suite, data, eid) is False  # the same event applies once
    assert deliver(suite, data) is True        # a re-sent handoff does not create a second request
    acc = events(suite, "lawyers.handoff.accepted", "HO-1")
    assert len(acc) == 1 and acc[0].data["handoff_id"] == "H-100"
    rid = acc[0].data["request_id"]
    req = api("lawyer1").get(f"{BASE}/opinion-requests/{rid}").json()
    assert req["handoff_id"] == "H-100" and req["status"] == "assigned"
    assert [p["name"] for p in req["parties"]] == ["张三", "李四"]
    assert not events(suite, "lawyers.handoff.completed", "HO-1")
    api("lawyer1").post(f"{BASE}/opinion-requests/{rid}/opinion", json=OPINION)
    filed = events(suite, "lawyers.opinion.filed", "HO-1")[0].data
    assert filed["handoff_id"] == "H-100" and filed["request_id"] == rid
    done = events(suite, "lawyers.handoff.completed", "HO-1")
    assert len(done) == 1 and done[0].data == {"handoff_id": "H-100", "case_no": "HO-1", "request_id": rid,
                                               "opinion_id": filed["opinion_id"]}


def test_legal_opinion_handoff_unassigned_is_still_accepted(api, suite):
    deliver(suite, {"id": "H-101", "case_no": "HO-2", "target": "legal_opinion", "question": "q", "category": "tax",
                    "parties": ["王五"]})
    acc = events(suite, "lawyers.handoff.accepted", "HO-2")
    assert acc[0].data["status"] == "unassigned"
    listed = api("coordinator").get(f"{BASE}/opinion-requests", params={"case_no": "HO-2"}).json()["items"]
    assert listed[0]["status"] == "unassigned" and listed[0]["handoff_id"] == "H-101"


def test_invalid_handoff_is_rejected_not_retried(api, suite):
    assert deliver(suite, {"handoff_id": "H-102", "case_no": "HO-3", "target": "legal_opinion"}) is True
    rej = events(suite, "lawyers.handoff.rejected", "HO-3")
    assert rej[0].data["reason_code"] == "invalid_request" and rej[0].data["handoff_id"] == "H-102"
    assert not events(suite, "lawyers.handoff.accepted", "HO-3")


def test_other_targets_are_ignored(suite):
    deliver(suite, {"handoff_id": "H-103", "case_no": "HO-4", "target": "mediation"})
    assert not events(suite, subject="HO-4")


def test_review_studio_handoff_and_second_re_examination(api, suite):
    make_lawyer(api, "studio_lawyer", user="lawyer1")
    make_lawyer(api, "studio_lawyer")
    deliver(suite, {"handoff_id": "H-200", "case_no": "HO-5", "target": "review_studio", "kind": "re_examination",
                    "received_on": "2026-03-02", "parties": ["赵六"]})
    acc = events(suite, "lawyers.handoff.accepted", "HO-5")[0].data
    review = api("coordinator").get(f"{BASE}/reviews/{acc['review_id']}").json()
    assert review["handoff_id"] == "H-200" and review["due_on"] == "2026-04-01" == acc["due_on"]
    deliver(suite, {"handoff_id": "H-201", "case_no": "HO-5", "target": "review_studio", "kind": "re_examination",
                    "received_on": "2026-05-02"})
    rej = events(suite, "lawyers.handoff.rejected", "HO-5")
    assert rej[0].data == {"handoff_id": "H-201", "case_no": "HO-5", "reason": rej[0].data["reason"],
                           "reason_code": "already_re_examined"}
    assert "不再受理" in rej[0].data["reason"]
    if acc["review_id"]:
        api("lawyer1").post(f"{BASE}/reviews/{acc['review_id']}/opinion", json=OPINION)
    done = events(suite, "lawyers.handoff.completed", "HO-5")
    assert len(done) == 1 and done[0].data["handoff_id"] == "H-200"


def test_reception_assist_handoff_accepted_and_completed_at_once(api, suite):
    lw = make_lawyer(api, "public_lawyer")
    deliver(suite, {"handoff_id": "H-300", "case_no": "HO-6", "target": "reception_assist", "leader": "王区长",
                    "start": "2026-12-15T09:00:00+08:00", "end": "2026-12-15T12:00:00+08:00", "topic": "征地"})
    types = [e.type for e in events(suite, subject="HO-6")]
    assert types == ["lawyers.assist.assigned", "lawyers.handoff.accepted", "lawyers.handoff.completed"]
    assert events(suite, "lawyers.handoff.completed", "HO-6")[0].data["lawyer_id"] == lw["id"]
    # nobody free at that time: rejected with the reason
    deliver(suite, {"handoff_id": "H-301", "case_no": "HO-7", "target": "reception_assist", "leader": "李副区长",
                    "start": "2026-12-15T10:00:00+08:00", "end": "2026-12-15T11:00:00+08:00"})
    rej = events(suite, "lawyers.handoff.rejected", "HO-7")
    assert rej[0].data["reason_code"] == "no_lawyer_available"


def test_inbox_endpoint_needs_the_service_role(suite):
    body = {"events": [{"id": uuid.uuid4().hex, "source": "gateway", "type": "handoff.requested",
                        "subject": "HO-8", "time": "2026-11-20T09:00:00+08:00",
                        "data": {"handoff_id": "H-400", "case_no": "HO-8", "target": "legal_opinion",
                                 "question": "q"}}]}
    url = suite.url["lawyers"] + "/internal/events"
    user = httpx.post(url, json=body, headers={"Authorization": f"Bearer {suite.token('coordinator')}"})
    assert user.status_code == 403
    svc = httpx.post(url, json=body, headers={"Authorization": f"Bearer {suite.token('mediation-service')}"})
    assert svc.status_code == 200, svc.text
    assert svc.json() == {"applied": 1, "duplicates": 0, "failed": []}
    assert events(suite, "lawyers.handoff.accepted", "HO-8")
