"""Issue 13 item 2 (brief item 3): object-level rules on the gateway's own reads of a case — the timeline
and the handoffs answer a mediator or a lawyer only for cases they work on (asked of the owning service
through `/internal/cases/{case_no}/participants`); phones and ID numbers are masked in every answer;
handoff `parties` take only documented fields."""
from __future__ import annotations

import random

import httpx
import pytest

from tests.handoff_kit import case_no, mediation_body, opinion_body, post_handoff
from tests.mediation.mediation_kit import Api, at, working_day

PHONE, ID_NUMBER = "13812341234", "440106199001011234"
PARTIES = [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER},
           {"name": "李四", "role": "respondent", "phone": "13998765432"}]


def _mediator_session(suite, case: str, who: str = "mediator1", status: str | None = None) -> dict:
    api = Api(suite)
    room = api.room()
    mediator = api.mediator(user=who)
    d = working_day(3)
    s = api.book(room, [mediator], at(d, "09:00"), at(d, "10:00"), case_no=case)
    if status == "cancelled":
        r = api().post(f"/api/v1/mediation/sessions/{s['id']}/cancel", json={"reason": "当事人申请撤回"})
        assert r.status_code == 200, r.text
    return s


def _handoff(suite, case: str) -> str:
    r = post_handoff(suite.client("petition-system"), case, mediation_body(parties=PARTIES))
    assert r.status_code == 202, r.text
    suite.drain()
    return r.json()["id"]


def _reads(suite, who: str, case: str, hid: str) -> list[int]:
    c = suite.client(who)
    return [c.get(f"/api/v1/cases/{case}/timeline").status_code,
            c.get(f"/api/v1/handoffs/{hid}").status_code,
            c.get(f"/api/v1/cases/{case}/handoffs").status_code]


def test_a_mediator_reads_only_cases_they_mediate(suite):
    case = case_no()
    hid = _handoff(suite, case)
    assert _reads(suite, "mediator1", case, hid) == [404, 404, 404]  # not (yet) working on it
    _mediator_session(suite, case, "mediator1")
    suite.forget_gateway_memory()  # the participants cache (10 s) forgotten
    assert _reads(suite, "mediator1", case, hid) == [200, 200, 200]
    assert _reads(suite, "mediator2", case, hid) == [404, 404, 404]  # another mediator
    assert _reads(suite, "lawyer1", case, hid) == [404, 404, 404]


def test_a_cancelled_session_gives_no_access(suite):
    case = case_no()
    hid = _handoff(suite, case)
    _mediator_session(suite, case, "mediator2", status="cancelled")
    assert _reads(suite, "mediator2", case, hid) == [404, 404, 404]


def test_a_lawyer_reads_only_cases_they_work_on(suite):
    case = case_no()
    r = post_handoff(suite.client("petition-system"), case, opinion_body(parties=PARTIES))
    assert r.status_code == 202, r.text
    hid = r.json()["id"]
    suite.drain()
    lawyers = suite.client("coordinator")
    body = {"name": "律师甲", "kind": "retained_counsel", "license_no": str(random.randrange(10**16, 10**17)),
            "firm": "明理律师事务所",
            "specialties": ["labour"], "languages": ["zh"], "user": "lawyer1",
            "contract": {"start": "2026-01-01", "end": "2030-12-31", "annual_hours": 100}}
    r = lawyers.post("/api/v1/lawyers/lawyers", json=body)
    if r.status_code == 422 and "login" in r.text:  # the roster names the login field `user`
        body["user"] = body.pop("login")
        r = lawyers.post("/api/v1/lawyers/lawyers", json=body)
    assert r.status_code == 201, r.text
    assert _reads(suite, "lawyer1", case, hid) == [404, 404, 404]
    req = lawyers.post("/api/v1/lawyers/opinion-requests", json={
        "case_no": case, "question": "是否应当支付拖欠工资？", "category": "labour",
        "parties": [{"name": "张三", "role": "petitioner"}]})
    assert req.status_code == 201, req.text
    assert req.json()["assignee_id"] == r.json()["id"], req.json()
    suite.forget_gateway_memory()
    assert _reads(suite, "lawyer1", case, hid) == [200, 200, 200]
    assert _reads(suite, "lawyer2", case, hid) == [404, 404, 404]
    assert _reads(suite, "mediator1", case, hid) == [404, 404, 404]


@pytest.mark.parametrize("who", ["coordinator", "auditor"])
def test_coordinators_and_auditors_see_every_case(suite, who):
    case = case_no()
    hid = _handoff(suite, case)
    assert _reads(suite, who, case, hid) == [200, 200, 200]


def test_the_petition_system_sees_every_timeline_and_its_own_handoffs(suite):
    case = case_no()
    hid = _handoff(suite, case)
    assert _reads(suite, "petition-system", case, hid) == [200, 200, 200]


def test_phones_and_id_numbers_are_masked_in_handoffs_and_the_timeline(suite):
    case = case_no()
    hid = _handoff(suite, case)
    for who in ("coordinator", "auditor", "petition-system"):
        c = suite.client(who)
        h = c.get(f"/api/v1/handoffs/{hid}")
        listed = c.get(f"/api/v1/cases/{case}/handoffs")
        timeline = c.get(f"/api/v1/cases/{case}/timeline")
        for r in (h, listed, timeline):
            assert r.status_code == 200, r.text
            assert PHONE not in r.text and ID_NUMBER not in r.text and "13998765432" not in r.text, (who, r.text)
        parties = h.json()["parties"]
        assert parties[0]["phone"] == "138****1234" and parties[0]["id_number"] == "440***********1234"
        assert parties[1]["phone"] == "139****5432"
        requested = [e for e in timeline.json()["events"] if e["type"] == "handoff.requested"]
        assert requested, timeline.json()
        for e in requested:
            for p in e["data"].get("parties") or []:
                if isinstance(p, dict) and p.get("phone"):
                    assert "****" in p["phone"]
    feed = suite.client("coordinator").get("/api/v1/events", params={"subject": case})
    assert feed.status_code == 200 and PHONE not in feed.text and ID_NUMBER not in feed.text


@pytest.mark.parametrize("party", [
    {"name": "张三", "address": "广州市天河区某路1号"},
    {"name": "张三", "email": "z@example.com"},
    {"name": "张三", "id_card": ID_NUMBER},
    {"name": "张三", "id_number": "44010619900101123!"},
])
def test_handoff_parties_take_only_documented_fields(suite, party):
    r = post_handoff(suite.client("petition-system"), case_no(), mediation_body(parties=[party]))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_documented_party_fields_are_accepted(suite):
    parties = [{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_NUMBER},
               {"name": "李四", "role": "respondent", "refused_mediation": False}, "王五"]
    r = post_handoff(suite.client("petition-system"), case_no(), mediation_body(parties=parties))
    assert r.status_code == 202, r.text


def test_participants_endpoints_are_internal(suite):
    """The services answer the gateway's question only with a service token; never through the gateway."""
    case = case_no()
    _mediator_session(suite, case, "mediator1")
    token = suite.app["gateway"].state.hub.service_token()
    r = httpx.get(f"{suite.url['mediation']}/internal/cases/{case}/participants",
                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["users"] == ["mediator1"]
    r = httpx.get(f"{suite.url['lawyers']}/internal/cases/{case}/participants",
                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["users"] == []
    for svc in ("mediation", "lawyers"):
        r = httpx.get(f"{suite.url[svc]}/internal/cases/{case}/participants",
                      headers={"Authorization": f"Bearer {suite.token('mediator1')}"})
        assert r.status_code == 403
    r = suite.client("mediator1").get(f"/api/v1/mediation/internal/cases/{case}/participants")
    assert r.status_code == 404


def test_an_owning_service_that_does_not_answer_gives_503_not_access(suite, monkeypatch):
    case = case_no()
    hid = _handoff(suite, case)
    settings = suite.app["gateway"].state.settings
    monkeypatch.setattr(settings, "mediation_url", "http://127.0.0.1:9")  # nothing listens
    suite.forget_gateway_memory()
    r = suite.client("mediator1").get(f"/api/v1/cases/{case}/timeline")
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "participants_unavailable"
    assert suite.client("coordinator").get(f"/api/v1/handoffs/{hid}").status_code == 200
