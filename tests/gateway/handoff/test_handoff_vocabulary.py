"""Handoffs speak the shared vocabulary: categories by code, label or synonym; unknown words kept as
`other` with a warning; a category or nature naming an administrative dispute is rejected by mediation."""
from __future__ import annotations

import json

import sqlalchemy as sa

from shared import migrate
from shared.db import make_engine
from tests.handoff_kit import case_no, handoff, mediation_body, opinion_body, post_handoff


def test_chinese_category_is_stored_as_its_code(suite):
    c = suite.client("coordinator")
    case = case_no()
    r = post_handoff(c, case, mediation_body(category="婚姻家庭"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["category"], body["category_label"], body["warnings"]) == ("civil_affairs", "民政", [])
    suite.drain()
    h = handoff(c, body["id"])
    assert h["status"] == "accepted" and h["category"] == "civil_affairs" and h["category_label"] == "民政"
    intake = c.get(f"/api/v1/mediation/cases/{case}").json()["intake"]
    assert intake["category"] == "civil_affairs" and intake["category_label"] == "民政"


def test_unknown_category_is_other_with_a_warning(suite):
    c = suite.client("coordinator")
    case = case_no()
    r = post_handoff(c, case, mediation_body(category="相邻关系纠纷"))
    assert r.status_code == 202
    body = r.json()
    assert body["category"] == "other" and body["category_text"] == "相邻关系纠纷" and body["category_label"] == "其他"
    assert [w["code"] for w in body["warnings"]] == ["unknown_category"]
    suite.drain()
    h = handoff(c, body["id"])
    assert h["status"] == "accepted" and h["category_text"] == "相邻关系纠纷" and h["warnings"]
    intake = c.get(f"/api/v1/mediation/cases/{case}").json()["intake"]
    assert intake["category"] == "other" and intake["category_text"] == "相邻关系纠纷"


def test_an_administrative_dispute_is_rejected_in_chinese_as_in_english(suite):
    c = suite.client("coordinator")
    for words in ({"category": "行政争议"}, {"category": "administrative"}, {"category": "行政纠纷"},
                  {"category": "城乡建设", "nature": "行政案件"}):
        r = post_handoff(c, case_no(), mediation_body(**words))
        assert r.status_code == 202, r.text
        suite.drain()
        h = handoff(c, r.json()["id"])
        assert h["status"] == "rejected" and h["reason_code"] == "administrative_dispute", (words, h)
        assert h["details"]["nature"] == h["nature"] == "administrative" and h["nature_label"] == "行政争议"
    civil = post_handoff(c, case_no(), mediation_body(category="城乡建设", nature="民事纠纷"))
    suite.drain()
    assert handoff(c, civil.json()["id"])["status"] == "accepted"


def test_a_legal_opinion_in_chinese_reaches_the_labour_lawyer(suite):
    c = suite.client("coordinator")
    lw = c.post("/api/v1/lawyers/lawyers", json={
        "name": "劳动律师", "kind": "retained_counsel", "license_no": "31010200000000001", "firm": "明理",
        "specialties": ["labour"], "languages": ["zh"],
        "contract": {"start": "2026-01-01", "end": "2027-12-31", "annual_hours": 100}})
    assert lw.status_code == 201, lw.text
    case = case_no()
    r = post_handoff(c, case, opinion_body(category="劳动争议"))
    assert r.status_code == 202 and r.json()["category"] == "labour_social_security"
    suite.drain()
    assert handoff(c, r.json()["id"])["status"] == "accepted"
    req = c.get("/api/v1/lawyers/opinion-requests", params={"case_no": case}).json()["items"][0]
    assert req["status"] == "assigned" and req["assignee_id"] == lw.json()["id"]
    assert req["category"] == "labour_social_security" and req["category_label"] == "劳动和社会保障"


def test_migrations_turn_stored_categories_into_codes(tmp_path):
    gw = f"sqlite:///{tmp_path / 'gateway.db'}"
    migrate.upgrade("gateway", gw, "gateway_audit_0040")
    engine = make_engine(gw, pool_size=1)
    with engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO handoff (id, case_no, target, status, category, summary, parties, details, created_by,"
            " client_id, requested_at, expires_at, updated_at) VALUES (:id, 'C-1', 'mediation', 'requested', :cat,"
            " 's', '[]', '{}', 'x', '', '2026-01-01 00:00:00', '2026-01-02 00:00:00', '2026-01-01 00:00:00')"),
            [{"id": "H1", "cat": "劳动争议"}, {"id": "H2", "cat": "行政争议"}, {"id": "H3", "cat": "health"}])
    engine.dispose()
    migrate.upgrade("gateway", gw)
    engine = make_engine(gw, pool_size=1)
    with engine.connect() as c:
        rows = {i: (cat, json.loads(d)) for i, cat,
                d in c.execute(sa.text("SELECT id, category, details FROM handoff"))}
    engine.dispose()
    assert rows["H1"] == ("labour_social_security", {})
    assert rows["H2"] == ("other", {"category_text": "行政争议", "nature": "administrative"})
    assert rows["H3"] == ("health", {})

    med = f"sqlite:///{tmp_path / 'mediation.db'}"
    migrate.upgrade("mediation", med, "mediation_audit_0020")
    engine = make_engine(med, pool_size=1)
    with engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO case_intake (id, case_no, status, category, summary, parties, received_at)"
            " VALUES (:id, 'C-1', 'pending', :cat, '', '[]', '2026-01-01 00:00:00')"),
            [{"id": "I1", "cat": "欠薪"}, {"id": "I2", "cat": "neighbour_dispute"}, {"id": "I3", "cat": ""}])
    engine.dispose()
    migrate.upgrade("mediation", med)
    engine = make_engine(med, pool_size=1)
    with engine.connect() as c:
        rows = {i: (cat, t) for i, cat, t in c.execute(sa.text("SELECT id, category, category_text FROM case_intake"))}
    engine.dispose()
    assert rows == {"I1": ("labour_social_security", None), "I2": ("other", "neighbour_dispute"), "I3": ("", None)}
