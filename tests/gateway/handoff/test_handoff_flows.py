"""Every handoff path, end to end through the real services, on the hub and on NATS."""
from __future__ import annotations

from tests.handoff_kit import (
    assist_body,
    case_no,
    handoff,
    mediation_body,
    opinion_body,
    post_handoff,
    review_body,
    timeline_types,
)


def statuses(h: dict) -> list[str]:
    return [s["status"] for s in h["history"]]


def test_mediation_handoff_is_accepted_then_completed_by_a_concluded_session(bus):
    petition = bus.client("petition-system")
    case = case_no()
    r = post_handoff(petition, case, mediation_body())
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "requested"
    hid = r.json()["id"]
    assert handoff(petition, hid)["status"] == "requested"

    bus.drain()
    h = handoff(petition, hid)
    assert h["status"] == "accepted"
    assert statuses(h) == ["requested", "accepted"]
    assert h["history"][1]["actor"] == "mediation"

    # The target's work ends: mediation reports completion, the gateway follows.
    from shared.events import emit
    with bus.db("mediation").session() as s:
        emit(s, source="mediation", type="mediation.handoff.completed", subject=case,
             data={"handoff_id": hid, "case_no": case, "outcome": "agreement"})
    bus.drain()
    h = handoff(petition, hid)
    assert h["status"] == "completed"
    assert statuses(h) == ["requested", "accepted", "completed"]
    types = timeline_types(bus.client("coordinator"), case)
    assert types.index("handoff.requested") < types.index("mediation.handoff.accepted") \
        < types.index("handoff.accepted") < types.index("handoff.completed")


def test_mediation_rejects_a_matter_in_litigation_with_the_reason(bus):
    petition = bus.client("petition-system")
    case = case_no()
    hid = post_handoff(petition, case, mediation_body(in_litigation=True)).json()["id"]
    bus.drain()
    h = handoff(petition, hid)
    assert h["status"] == "rejected"
    assert h["reason_code"] == "in_litigation"
    assert "诉" in h["reason"]
    assert h["history"][-1]["reason_code"] == "in_litigation"
    assert "handoff.rejected" in timeline_types(bus.client("auditor"), case)


def test_mediation_rejects_an_administrative_dispute_and_a_refusing_party(bus):
    petition = bus.client("petition-system")
    a = post_handoff(petition, case_no(), mediation_body(category="administrative_dispute")).json()["id"]
    parties = [{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent",
                                                      "refused_mediation": True}]
    b = post_handoff(petition, case_no(), mediation_body(parties=parties)).json()["id"]
    bus.drain()
    assert handoff(petition, a)["reason_code"] == "administrative_dispute"
    assert handoff(petition, b)["reason_code"] == "party_refused"


def test_legal_opinion_review_and_assist_handoffs_reach_the_lawyers(bus):
    """With no lawyer on file: the opinion request and the review are taken (the request waits
    unassigned), the reception assist is refused with its reason."""
    coord = bus.client("coordinator")
    ids = {}
    for name, body in (("opinion", opinion_body()), ("review", review_body()), ("assist", assist_body())):
        r = post_handoff(coord, case_no(), body)
        assert r.status_code == 202, r.text
        ids[name] = r.json()["id"]
    bus.drain()
    got = {name: handoff(coord, hid) for name, hid in ids.items()}
    assert {name: h["status"] for name, h in got.items()} == \
        {"opinion": "accepted", "review": "accepted", "assist": "rejected"}
    for name, h in got.items():
        assert h["history"][1]["actor"] == "lawyers", (name, h)
    assert got["assist"]["reason_code"] == "no_lawyer_available"
    assert got["assist"]["reason"]


def test_a_reception_assist_is_completed_once_a_public_lawyer_is_assigned(bus):
    coord = bus.client("coordinator")
    lawyer = {"name": "周律师", "kind": "public_lawyer", "license_no": "14401201510000001", "firm": "明理律师事务所",
              "specialties": ["labour"], "languages": ["zh"],
              "qualification": {"certificate_no": "A2015001", "legal_work_since": "2015-07-01"}}
    r = bus.direct("lawyers", "coordinator").post("/api/v1/lawyers/lawyers", json=lawyer)
    assert r.status_code == 201, r.text
    hid = post_handoff(coord, case_no(), assist_body()).json()["id"]
    bus.drain()
    h = handoff(coord, hid)
    assert statuses(h) == ["requested", "accepted", "completed"], h
    assert h["history"][1]["actor"] == "lawyers"


def test_a_handoff_nobody_accepts_expires_after_one_working_day(bus):
    from datetime import timedelta

    from services.gateway.handoff.jobs import expire_handoffs
    from shared.db import utcnow

    coord = bus.client("coordinator")
    case = case_no()
    hid = post_handoff(coord, case, mediation_body()).json()["id"]  # not drained: nobody has answered
    h = handoff(coord, hid)
    assert h["expires_at"] > h["requested_at"]
    app = bus.app["gateway"]
    assert expire_handoffs(app, now=utcnow() + timedelta(hours=1)) == 0
    assert expire_handoffs(app, now=utcnow() + timedelta(days=12)) == 1
    h = handoff(coord, hid)
    assert h["status"] == "expired"
    assert h["reason_code"] == "not_accepted_in_time"
    # The late acceptance changes nothing but is kept in the history.
    bus.drain()
    h = handoff(coord, hid)
    assert h["status"] == "expired"
    assert "ignored" in (h["history"][-1]["note"] or "")
    assert timeline_types(coord, case).count("handoff.expired") == 1


def test_a_session_that_requests_a_legal_opinion_becomes_a_legal_opinion_handoff(bus):
    from shared.events import emit

    case = case_no()
    with bus.db("mediation").session() as s:
        emit(s, source="mediation", type="mediation.legal_opinion.requested", subject=case,
             data={"case_no": case, "session_id": "sess-" + case, "question": "协议条款是否合法？",
                   "parties": ["张三", "李四"], "category": "contract"})
    bus.drain()
    coord = bus.client("coordinator")
    items = coord.get(f"/api/v1/cases/{case}/handoffs").json()["items"]
    assert len(items) == 1
    h = items[0]
    assert h["target"] == "legal_opinion"
    assert h["details"]["question"] == "协议条款是否合法？"
    assert h["status"] == "accepted"  # no lawyer on file: the opinion request is taken and waits unassigned
    assert h["history"][0]["actor"] == "mediation"


def test_an_opinion_recommending_mediation_becomes_a_mediation_handoff(bus):
    from shared.events import emit

    case = case_no()
    with bus.db("lawyers").session() as s:
        emit(s, source="lawyers", type="lawyers.opinion.filed", subject=case,
             data={"request_id": "req-" + case, "opinion_id": "op-" + case, "case_no": case,
                   "summary": "宜先行调解", "recommended_channel": "mediation", "legality": "partly_lawful",
                   "parties": ["张三", "李四"], "category": "neighbour_dispute"})
        emit(s, source="lawyers", type="lawyers.opinion.filed", subject=case,  # an amendment: no second handoff
             data={"request_id": "req-" + case, "opinion_id": "op2-" + case, "case_no": case,
                   "summary": "宜先行调解（修订）", "recommended_channel": "mediation", "legality": "partly_lawful"})
    bus.drain()
    coord = bus.client("coordinator")
    items = coord.get(f"/api/v1/cases/{case}/handoffs").json()["items"]
    assert [h["target"] for h in items] == ["mediation"]
    assert items[0]["status"] == "accepted"  # mediation took it
    # The opinion reached the mediation case file too (the mediation service attaches it).
    assert "lawyers.opinion.filed" in timeline_types(coord, case)
