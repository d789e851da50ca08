"""Bad input is a 422 (or 400) problem+json naming the field, never a 500: cursors that were not issued by
the list they are sent to (malformed, of the wrong shape, tampered, from another list), dates and instants
outside 1900–2200, and the event feed's `after`. Signed cursors stay valid on another replica."""
from __future__ import annotations

import base64
import json

import pytest

from shared.testing import ServerThread
from tests.problem_kit import problem


def b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def field_named(body: dict, name: str) -> None:
    fields = [e["field"] for e in body.get("errors", [])]
    assert any(f.split(".")[-1] == name for f in fields), body


def assert_422(r, name: str) -> dict:
    body = problem(r, 422, "validation_error")
    field_named(body, name)
    return body


# -- cursors ---------------------------------------------------------------------------------------
LISTS = [  # (client, path) of every paginated list
    ("gateway", "/api/v1/webhooks"), ("gateway", "/api/v1/events/dead-letters"),
    ("gateway", "/api/v1/cases/C-1/handoffs"),
    ("gateway", "/api/v1/mediation/rooms"), ("gateway", "/api/v1/mediation/mediators"),
    ("gateway", "/api/v1/mediation/sessions"), ("gateway", "/api/v1/mediation/cases"),
    ("gateway", "/api/v1/lawyers/lawyers"), ("gateway", "/api/v1/lawyers/reviews"),
    ("gateway", "/api/v1/lawyers/opinion-requests"), ("gateway", "/api/v1/lawyers/opinions"),
    ("mediation", "/api/v1/mediation/sessions"), ("lawyers", "/api/v1/lawyers/opinions"),
]
BAD_CURSORS = ["MQ", b64(1), b64("x"), b64([1, 2]), b64(["not-a-time", "x"]), b64({"a": 1}), b64([None]),
               b64([]), "%%%", "a.b", "....", "x" * 2000, b64(["2026-01-01T00:00:00+00:00", "z"]) + ".AAAA"]


def client_for(suite, where: str):
    return suite.client("coordinator") if where == "gateway" else suite.direct(where, "coordinator")


@pytest.mark.parametrize("where,path", LISTS)
def test_bad_cursors_are_422(suite, where, path):
    c = client_for(suite, where)
    for cursor in BAD_CURSORS:
        body = assert_422(c.get(path, params={"cursor": cursor}), "cursor")
        assert body["errors"][0]["field"] == "cursor"


def test_webhook_deliveries_cursor(suite):
    c = suite.client("coordinator")
    hook = c.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["*"]})
    assert hook.status_code == 201, hook.text
    assert_422(c.get(f"/api/v1/webhooks/{hook.json()['id']}/deliveries", params={"cursor": b64([1])}), "cursor")


def rooms(suite, n: int) -> None:
    for i in range(n):
        r = suite.client("coordinator").post("/api/v1/mediation/rooms", json={"name": f"房间{i}", "capacity": 4})
        assert r.status_code == 201, r.text


def test_issued_cursor_pages_on_but_not_once_tampered_or_on_another_list(suite):
    rooms(suite, 3)
    c = suite.client("coordinator")
    first = c.get("/api/v1/mediation/rooms", params={"limit": 2}).json()
    cursor = first["next_cursor"]
    second = c.get("/api/v1/mediation/rooms", params={"limit": 2, "cursor": cursor})
    assert second.status_code == 200 and len(second.json()["items"]) == 1
    payload, sig = cursor.split(".")
    forged = b64(["房间0", "zzz"]) + "." + sig
    flipped = payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    for bad in (forged, flipped, payload, cursor + "x"):
        assert_422(c.get("/api/v1/mediation/rooms", params={"cursor": bad}), "cursor")
    # The same kind of key on another list: refused (its sort key means something else there).
    assert_422(c.get("/api/v1/mediation/mediators", params={"cursor": cursor}), "cursor")
    assert_422(c.get("/api/v1/mediation/sessions", params={"cursor": cursor}), "cursor")


def test_cursor_is_valid_on_another_replica(suite):
    """Cursors are signed with the suite-wide CURSOR_SECRET, not a per-process key: a second mediation
    process (a replica, or the same service after a restart) continues the list."""
    from services.mediation.main import create_app

    rooms(suite, 3)
    cursor = suite.direct("mediation").get("/api/v1/mediation/rooms", params={"limit": 2}).json()["next_cursor"]
    replica = ServerThread(create_app(database_url=suite.db_urls["mediation"], suite_env="test", jobs_enabled=False,
                                      gateway_url=suite.url["gateway"])).start()
    try:
        c = suite._client(replica.url, "coordinator")
        r = c.get("/api/v1/mediation/rooms", params={"limit": 2, "cursor": cursor})
        assert r.status_code == 200 and [x["name"] for x in r.json()["items"]] == ["房间2"], r.text
    finally:
        replica.stop()


def test_cursor_refusal_in_chinese(suite):
    r = suite.client("coordinator").get("/api/v1/lawyers/opinions", params={"cursor": "MQ"},
                                        headers={"Accept-Language": "zh-CN"})
    body = assert_422(r, "cursor")
    assert body["errors"][0]["message"] == "游标无效" and "游标" in body["detail"]
    assert "message_zh" not in body["errors"][0]


# -- the event feed's own cursor -------------------------------------------------------------------------
@pytest.mark.parametrize("after", ["²", "١٢", "-1", "1e3", "x", "9" * 40])
def test_event_feed_after_is_checked(suite, after):
    assert_422(suite.client("coordinator").get("/api/v1/events", params={"after": after}), "after")


# -- dates out of range ---------------------------------------------------------------------------
DATE_LISTS = [
    ("/api/v1/mediation/sessions", {}),
    ("/api/v1/mediation/availability", {"duration_minutes": 60}),
    ("/api/v1/lawyers/duty-shifts", {}),
    ("/api/v1/lawyers/reception-days", {}),
    ("/api/v1/lawyers/reception-assists", {}),
]
FAR = [("0001-01-01", "0001-01-02", "from"), ("9999-12-30", "9999-12-31", "from"),
       ("2026-01-01", "9999-12-31", "to"), ("1899-12-31", "2026-01-01", "from"), ("2026-01-01", "2201-01-01", "to")]


@pytest.mark.parametrize("path,extra", DATE_LISTS)
@pytest.mark.parametrize("start,end,bad", FAR)
def test_far_dates_on_lists_are_422(suite, path, extra, start, end, bad):
    for c in (suite.client("coordinator"), suite.direct(path.split("/")[3], "coordinator")):
        assert_422(c.get(path, params={"from": start, "to": end, **extra}), bad)


def test_far_dates_alone(suite):
    c = suite.client("coordinator")
    assert_422(c.get("/api/v1/mediation/sessions", params={"to": "9999-12-31"}), "to")
    assert_422(c.get("/api/v1/mediation/sessions", params={"from": "0001-01-01"}), "from")
    assert c.get("/api/v1/mediation/sessions", params={"from": "1900-01-01", "to": "2200-12-31"}).status_code == 200


def test_far_dates_in_paths_and_bodies(suite):
    c = suite.client("coordinator")
    assert_422(c.get("/api/v1/calendar/days/9999-12-31"), "day")
    assert_422(c.put("/api/v1/calendar/days/0001-01-01", json={"kind": "holiday"}), "day")
    assert_422(c.post("/api/v1/lawyers/opinion-requests", json={
        "case_no": "C-far", "question": "?", "due_on": "9999-12-31"}), "due_on")
    assert_422(c.post("/api/v1/lawyers/duty-shifts/generate", json={"from": "9999-12-01", "to": "9999-12-31"}),
               "from")
    assert_422(c.post("/api/v1/mediation/sessions", json={
        "case_no": "C-far", "room_id": "r", "mediator_ids": ["m"], "start": "0001-01-01T09:00:00+08:00",
        "end": "0001-01-01T10:00:00+08:00", "parties": [{"name": "甲", "role": "petitioner"}]}), "start")
    assert_422(c.post("/api/v1/cases/C-far/handoffs", json={
        "target": "legal_opinion", "category": "labour", "summary": "s", "question": "?", "due_on": "9999-12-31"}),
        "due_on")


def test_far_date_message_in_chinese(suite):
    r = suite.client("coordinator").get("/api/v1/lawyers/duty-shifts",
                                        params={"from": "0001-01-01", "to": "2026-01-01"},
                                        headers={"Accept-Language": "zh-CN"})
    body = assert_422(r, "from")
    assert body["errors"][0]["message"] == "日期须在 1900–2200 年之间", body
