"""The handoff calls' contract: validation, roles and who may see which handoff."""
from __future__ import annotations

import pytest

from tests.handoff_kit import assist_body, case_no, mediation_body, opinion_body, post_handoff, review_body


def test_requested_handoff_answers_202_and_shows_its_history(suite):
    petition = suite.client("petition-system")
    case = case_no()
    r = post_handoff(petition, case, opinion_body(due_on="2030-01-15", language="zh"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "requested" and body["case_no"] == case and body["target"] == "legal_opinion"
    h = petition.get(f"/api/v1/handoffs/{body['id']}").json()
    assert h["status"] == "requested" and h["reason"] is None
    assert h["details"]["question"] and h["details"]["due_on"] == "2030-01-15" and h["details"]["language"] == "zh"
    assert [s["status"] for s in h["history"]] == ["requested"]
    assert h["requested_at"].endswith("+08:00")


@pytest.mark.parametrize("body, field", [
    ({"target": "arbitration", "category": "x", "summary": "y"}, "target"),
    (mediation_body(parties=[]), "parties"),
    (opinion_body(question=None), "question"),
    (review_body(kind=None), "kind"),
    (review_body(kind="appeal"), "kind"),
    (review_body(received_on="2026-13-01"), "received_on"),
    (assist_body(leader=None), "leader"),
    (assist_body(start="2030-01-01T09:00:00"), "start"),  # naive instant
    (assist_body(start="2030-01-01T12:00:00+08:00", end="2030-01-01T09:00:00+08:00"), "end"),
    (mediation_body(summary=""), "summary"),
    ({"category": "x", "summary": "y"}, "target"),
])
def test_bad_handoffs_are_422_naming_the_field(suite, body, field):
    r = post_handoff(suite.client("coordinator"), case_no(), body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


def test_bad_case_number_is_422(suite):
    r = post_handoff(suite.client("coordinator"), "bad_case!", mediation_body())
    assert r.status_code == 422
    r = post_handoff(suite.client("coordinator"), "x" * 65, mediation_body())
    assert r.status_code == 422


def test_only_the_petition_system_and_coordinators_request_handoffs(suite):
    for who in ("mediator1", "lawyer1", "auditor"):
        r = post_handoff(suite.client(who), case_no(), mediation_body())
        assert r.status_code == 403, (who, r.text)
    assert post_handoff(suite.client(None), case_no(), mediation_body()).status_code == 401


def test_a_machine_client_sees_only_its_own_handoffs(suite):
    mine = post_handoff(suite.client("petition-system"), case_no(), mediation_body()).json()["id"]
    case = case_no()
    theirs = post_handoff(suite.client("coordinator"), case, mediation_body()).json()["id"]
    petition = suite.client("petition-system")
    assert petition.get(f"/api/v1/handoffs/{mine}").status_code == 200
    r = petition.get(f"/api/v1/handoffs/{theirs}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert petition.get(f"/api/v1/cases/{case}/handoffs").json()["items"] == []
    for who in ("coordinator", "auditor"):
        assert suite.client(who).get(f"/api/v1/handoffs/{theirs}").status_code == 200
        assert suite.client(who).get(f"/api/v1/handoffs/{mine}").status_code == 200
    assert suite.client("coordinator").get("/api/v1/handoffs/nope").status_code == 404


def test_idempotency_key_gives_one_handoff(suite):
    petition = suite.client("petition-system")
    case = case_no()
    headers = {"Idempotency-Key": "ho-" + case}
    a = petition.post(f"/api/v1/cases/{case}/handoffs", json=mediation_body(), headers=headers)
    b = petition.post(f"/api/v1/cases/{case}/handoffs", json=mediation_body(), headers=headers)
    assert a.status_code == b.status_code == 202
    assert a.json()["id"] == b.json()["id"]
    assert len(suite.client("coordinator").get(f"/api/v1/cases/{case}/handoffs").json()["items"]) == 1


def test_idempotency_key_survives_a_crash_between_commit_and_stored_answer(suite):
    """The gateway died after the handoff committed but before the key's answer was stored: the key is
    left `in_progress` and goes stale; the retry runs again and must still find the first handoff."""
    from datetime import timedelta

    from sqlalchemy import update

    from services.gateway.idempotency.models import IN_PROGRESS
    from services.gateway.idempotency.models import IdempotencyRecord as Key
    from shared.db import utcnow

    petition = suite.client("petition-system")
    case = case_no()
    headers = {"Idempotency-Key": "crash-" + case}
    first = petition.post(f"/api/v1/cases/{case}/handoffs", json=mediation_body(), headers=headers)
    assert first.status_code == 202
    with suite.db("gateway").session() as s:  # what a crash leaves behind: no stored answer
        s.execute(update(Key).where(Key.key == headers["Idempotency-Key"])
                  .values(state=IN_PROGRESS, status=None, headers=None, body=None,
                          created_at=utcnow() - timedelta(hours=1)))
    again = petition.post(f"/api/v1/cases/{case}/handoffs", json=mediation_body(), headers=headers)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert len(suite.client("coordinator").get(f"/api/v1/cases/{case}/handoffs").json()["items"]) == 1
