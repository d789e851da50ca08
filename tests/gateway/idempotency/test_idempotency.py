"""Idempotency-Key on POST: the first answer replayed, reuse refused, in-progress refused, per client,
5xx released, keys kept 24 h and expired by the job, race-safe."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from services.gateway.idempotency.jobs import expire_idempotency_keys
from services.gateway.idempotency.models import IdempotencyRecord
from services.gateway.idempotency.service import fingerprint
from shared.db import utcnow
from tests.gateway.gateway_edge_kit import client, echo, gw  # noqa: F401 (fixtures)
from tests.problem_kit import problem

CREATED = "/api/v1/mediation/created"


def _post(suite, gw, who, path, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    with client(gw.url, suite.token(who)) as c:
        return c.post(path, json=body, headers=headers)


def _rows(suite) -> list[IdempotencyRecord]:
    with suite.db("gateway").session() as s:
        return list(s.exec(select(IdempotencyRecord)))


def test_same_key_same_body_replays_the_first_answer(suite, gw, echo):
    before = echo.count(CREATED)
    first = _post(suite, gw, "coordinator", CREATED, {"a": 1}, "key-1")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = _post(suite, gw, "coordinator", CREATED, {"a": 1}, "key-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # each exchange has its own id
    assert echo.count(CREATED) == before + 1  # done once


def test_without_a_key_every_post_runs(suite, gw, echo):
    before = echo.count(CREATED)
    _post(suite, gw, "coordinator", CREATED, {"a": 1})
    _post(suite, gw, "coordinator", CREATED, {"a": 1})
    assert echo.count(CREATED) == before + 2 and _rows(suite) == []


def test_same_key_other_body_or_path_is_422(suite, gw, echo):
    _post(suite, gw, "coordinator", CREATED, {"a": 1}, "key-2")
    before = echo.count(CREATED)
    problem(_post(suite, gw, "coordinator", CREATED, {"a": 2}, "key-2"), 422, "idempotency_key_reused")
    problem(_post(suite, gw, "coordinator", "/api/v1/mediation/other", {"a": 1}, "key-2"), 422,
               "idempotency_key_reused")
    assert echo.count(CREATED) == before


def test_while_running_is_409_then_replayed(suite, gw, echo):
    path = "/api/v1/mediation/slow?seconds=0.6"
    results = {}
    t = threading.Thread(target=lambda: results.setdefault("first", _post(suite, gw, "coordinator", path, {}, "k3")))
    before = echo.count("/api/v1/mediation/slow")
    t.start()
    deadline = time.time() + 5
    while echo.count("/api/v1/mediation/slow") == before and time.time() < deadline:
        time.sleep(0.01)
    r = _post(suite, gw, "coordinator", path, {}, "k3")
    problem(r, 409, "idempotency_in_progress")
    assert r.headers["retry-after"]
    t.join()
    assert results["first"].status_code == 201
    replay = _post(suite, gw, "coordinator", path, {}, "k3")
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert echo.count("/api/v1/mediation/slow") == before + 1


def test_keys_are_per_client(suite, gw, echo):
    before = echo.count(CREATED)
    answers = [_post(suite, gw, who, CREATED, {"a": 1}, "shared-key")
               for who in ("coordinator", "mediator1", "petition-system")]
    assert all(a.status_code == 201 and "idempotent-replayed" not in a.headers for a in answers)
    assert echo.count(CREATED) == before + 3
    assert {r.scope for r in _rows(suite)} == {"console|coordinator", "console|mediator1",
                                               "petition-system|petition-system"}


def test_server_error_releases_the_key(suite, gw, echo):
    path = "/api/v1/mediation/fail"
    before = echo.count(path)
    problem(_post(suite, gw, "coordinator", path, {}, "k5"), 500)
    problem(_post(suite, gw, "coordinator", path, {}, "k5"), 500)
    assert echo.count(path) == before + 2 and _rows(suite) == []


def test_upstream_unreachable_releases_the_key(suite, gw):
    problem(_post(suite, gw, "coordinator", "/api/v1/lawyers/lawyers", {}, "k5b"), 503)
    assert _rows(suite) == []


def test_client_errors_are_kept_and_replayed(suite, gw, echo):
    path = "/api/v1/mediation/conflict"
    before = echo.count(path)
    first = _post(suite, gw, "coordinator", path, {}, "k6")
    again = _post(suite, gw, "coordinator", path, {}, "k6")
    problem(again, 409, "slot_conflict")
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert echo.count(path) == before + 1


def test_kept_24_hours_then_expired_by_the_job(suite, gw, echo):
    _post(suite, gw, "coordinator", CREATED, {"a": 1}, "k7")
    (row,) = _rows(suite)
    assert row.state == "done" and row.status == 201
    assert row.expires_at - row.created_at >= timedelta(hours=24)
    assert row.fingerprint == fingerprint("POST", CREATED, b"", b'{"a":1}')
    with suite.db("gateway").session() as s:
        s.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert expire_idempotency_keys(suite.app["gateway"]) == 1
    assert _rows(suite) == []
    before = echo.count(CREATED)
    r = _post(suite, gw, "coordinator", CREATED, {"a": 1}, "k7")
    assert "idempotent-replayed" not in r.headers and echo.count(CREATED) == before + 1


def test_expired_key_not_yet_deleted_counts_as_new(suite, gw, echo):
    _post(suite, gw, "coordinator", CREATED, {"a": 1}, "k8")
    with suite.db("gateway").session() as s:
        s.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = echo.count(CREATED)
    r = _post(suite, gw, "coordinator", CREATED, {"a": 2}, "k8")  # even another body: the old key is gone
    assert r.status_code == 201 and echo.count(CREATED) == before + 1


def test_abandoned_in_progress_key_is_taken_over(suite, gw, echo):
    now = utcnow()
    with suite.db("gateway").session() as s:
        s.add(IdempotencyRecord(scope="console|coordinator", key="k9", method="POST", path=CREATED,
                                fingerprint=fingerprint("POST", CREATED, b"", b'{"a":1}'), state="in_progress",
                                created_at=now - timedelta(hours=1), expires_at=now + timedelta(hours=23)))
    r = _post(suite, gw, "coordinator", CREATED, {"a": 1}, "k9")
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert _rows(suite)[0].state == "done"


def test_concurrent_same_key_runs_once(suite, gw, echo):
    path = "/api/v1/mediation/slow?seconds=0.3"
    before = echo.count("/api/v1/mediation/slow")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _post(suite, gw, "coordinator", path, {"x": 1}, "race"), range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert echo.count("/api/v1/mediation/slow") == before + 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert sum(1 for a in answers if a.status_code == 201 and "idempotent-replayed" not in a.headers) == 1


@pytest.mark.parametrize("key", ["x" * 256, "with space", "ümlaut"])
def test_malformed_key_is_400(suite, gw, key):
    with client(gw.url, suite.token("coordinator")) as c:
        r = c.post(CREATED, json={}, headers={"Idempotency-Key": key.encode("utf-8")})
    problem(r, 400, "invalid_idempotency_key")


def test_real_service_post_through_the_gateway(suite):
    with suite.client("coordinator") as c:
        body = {"name": "三号调解室", "capacity": 8}
        a = c.post("/api/v1/mediation/rooms", json=body, headers={"Idempotency-Key": "room-1"})
        b = c.post("/api/v1/mediation/rooms", json=body, headers={"Idempotency-Key": "room-1"})
        assert a.status_code == b.status_code == 201 and a.json() == b.json()
        assert b.headers["idempotent-replayed"] == "true"
        names = [r["name"] for r in c.get("/api/v1/mediation/rooms").json()["items"]]
        assert names.count("三号调解室") == 1


def test_gateway_own_post_routes(suite):
    with suite.client("petition-system") as c:
        body = {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}
        a = c.post("/api/v1/webhooks", json=body, headers={"Idempotency-Key": "wh-1"})
        b = c.post("/api/v1/webhooks", json=body, headers={"Idempotency-Key": "wh-1"})
        assert a.status_code == 201, a.text
        assert b.status_code == 201 and b.json() == a.json() and b.headers["idempotent-replayed"] == "true"
        assert len(c.get("/api/v1/webhooks").json()["items"]) == 1
        problem(c.post("/api/v1/webhooks", json={**body, "event_types": ["handoff.accepted"]},
                          headers={"Idempotency-Key": "wh-1"}), 422, "idempotency_key_reused")


def test_token_endpoint_ignores_the_key(suite):
    with client(suite.url["gateway"]) as c:
        form = {"grant_type": "client_credentials"}
        auth = ("petition-system", "petition-system-dev-secret")
        a = c.post("/oauth/token", data=form, auth=auth, headers={"Idempotency-Key": "t"})
        b = c.post("/oauth/token", data=form, auth=auth, headers={"Idempotency-Key": "t"})
    assert a.json()["access_token"] != b.json()["access_token"]
