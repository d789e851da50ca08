"""What the contract run (test_openapi_contract.py) found, kept as regressions.

U+0000 in input was a 500 on PostgreSQL (which cannot store it): now a 422 naming the field on every
service, through the gateway, with nothing written. A report month outside 1900–2200 was a 500.
"""
from __future__ import annotations

import pytest


def refused(r, field: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == [field]


def test_room_with_nul_in_a_list_is_refused_and_not_stored(suite):
    c = suite.client("coordinator")
    room = {"name": "调解室", "location": "一楼", "capacity": 8, "features": ["video", "d\u0000x"]}
    refused(c.post("/api/v1/mediation/rooms", json=room), "features.1")
    assert c.get("/api/v1/mediation/rooms").json()["items"] == []
    room["features"] = ["video"]
    assert c.post("/api/v1/mediation/rooms", json=room).status_code == 201


@pytest.mark.parametrize("path, query, field", [
    ("/api/v1/lawyers/conflict-check", "party=%C2%8B&party=d%00x", "query.party"),
    ("/api/v1/mediation/sessions", "party=a%00", "query.party"),
    ("/api/v1/audit/events", "actor=x%00", "query.actor"),
])
def test_nul_in_the_query_is_refused(suite, path, query, field):
    who = "auditor" if "audit" in path else "coordinator"
    refused(suite.client(who).get(f"{path}?{query}"), field)


def test_nul_in_a_key_or_nested_value_is_refused(suite):
    c = suite.client("coordinator")
    body = {"case_no": "C-1", "question": "是否应当支付拖欠工资？", "category": "labour",
            "parties": [{"name": "张\u0000三", "role": "petitioner"}]}
    refused(c.post("/api/v1/lawyers/opinion-requests", json=body), "parties.0.name")
    body["parties"] = [{"name": "张三", "role": "petitioner", "x\u0000": 1}]
    refused(c.post("/api/v1/lawyers/opinion-requests", json=body), "parties.0.x\u0000")
    assert c.get("/api/v1/lawyers/opinion-requests").json()["items"] == []


def test_gateway_own_route_refuses_nul(suite):
    r = suite.client("petition-system").post("/api/v1/cases/C-9/handoffs", json={
        "target": "legal_opinion", "category": "labour", "summary": "拖欠\u0000工资", "question": "?",
        "parties": [{"name": "张三", "role": "petitioner"}]})
    refused(r, "summary")


def test_an_escaped_backslash_is_not_a_nul(suite):
    c = suite.client("coordinator")
    room = {"name": "调解室 \\u0000", "location": "一楼", "capacity": 8, "features": []}
    r = c.post("/api/v1/mediation/rooms", json=room)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "调解室 \\u0000"


@pytest.mark.parametrize("path", ["/api/v1/mediation/reports/monthly", "/api/v1/lawyers/reports/monthly",
                                  "/api/v1/lawyers/reports/monthly.csv"])
@pytest.mark.parametrize("month, ok", [("0001-01", False), ("9999-12", False), ("2026-13", False),
                                       ("1900-01", True), ("2026-11", True)])
def test_report_month_out_of_range_is_422(suite, path, month, ok):
    """Found by the contract run: `month=0001-01` was a 500 (OverflowError turning the month into instants)."""
    r = suite.client("coordinator").get(path, params={"month": month})
    if ok:
        assert r.status_code == 200, r.text
    else:
        refused(r, "query.month")


@pytest.mark.parametrize("path", ["/api/v1/handoffs/h%00", "/api/v1/mediation/rooms/r%00",
                                  "/api/v1/lawyers/lawyers/x%00/hours"])
def test_nul_in_the_path_names_nothing(suite, path):
    r = suite.client("coordinator").get(path)
    assert r.status_code == 404, r.text
    assert r.json()["code"] == "not_found"
