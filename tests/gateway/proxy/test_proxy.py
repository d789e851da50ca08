"""The proxy hop: requests forwarded unchanged with one long-lived client, answers passed back,
upstream failures as 502/503/504 problem+json within the timeouts, internal paths refused."""
from __future__ import annotations

import json
import time

import pytest

from tests.gateway.gateway_edge_kit import READ_TIMEOUT, BrokenServer, client, echo, gw, raw_request, start_gateway  # noqa: F401 (fixtures)
from tests.problem_kit import problem


@pytest.fixture(scope="module")
def gw_broken(suite):
    """A gateway whose mediation closes connections unanswered and whose lawyers answers garbage."""
    closing, garbage = BrokenServer("close"), BrokenServer("garbage")
    g = start_gateway(suite, mediation_url=closing.url, lawyers_url=garbage.url, proxy_read_timeout=READ_TIMEOUT)
    yield g
    g.stop()
    closing.stop()
    garbage.stop()


def _hdr(pairs: list, name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method_forwarded_unchanged(suite, gw, method):
    token = suite.token("coordinator")
    body = json.dumps({"名称": "调解室", "n": 1}, ensure_ascii=False).encode() if method != "GET" else b""
    with client(gw.url, token) as c:
        r = c.request(method, "/api/v1/mediation/rooms/r1/closures?limit=5&q=%E4%B8%AD&empty=", content=body,
                      headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                               "X-Custom": "kept", "X-Request-ID": f"rid-{method}"})
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["method"] == method
    assert seen["path"] == "/api/v1/mediation/rooms/r1/closures"
    assert seen["query"] == "limit=5&q=%E4%B8%AD&empty="
    assert seen["body"].encode() == body
    h = seen["headers"]
    assert _hdr(h, "authorization") == [f"Bearer {token}"]
    assert _hdr(h, "content-type") == ["application/json; charset=utf-8"]
    assert _hdr(h, "accept") == ["application/json"]
    assert _hdr(h, "x-custom") == ["kept"]
    assert _hdr(h, "x-request-id") == [f"rid-{method}"]
    assert _hdr(h, "x-forwarded-for") == ["127.0.0.1"]
    assert not _hdr(h, "user-agent") or _hdr(h, "user-agent") == [c.headers["user-agent"]]
    # the answer comes back with the service's headers, once each
    assert r.headers["x-upstream"] == "echo"
    assert r.headers["set-cookie"].startswith("upstream=1")
    assert r.headers["x-request-id"] == f"rid-{method}"
    assert len(r.headers.get_list("date")) == 1 and len(r.headers.get_list("server")) <= 1


def test_raw_path_forwarded_as_received(suite, gw):
    status, _, body = raw_request(gw.url, "GET", "/api/v1/mediation/cases/A-1%20B?x=%2F",
                                  {"Authorization": f"Bearer {suite.token('auditor')}"})
    assert status == 200
    seen = json.loads(body)
    assert seen["raw_path"] == "/api/v1/mediation/cases/A-1%20B" and seen["query"] == "x=%2F"


def test_hop_by_hop_headers_not_forwarded(suite, gw):
    with client(gw.url, suite.token("coordinator")) as c:
        r = c.get("/api/v1/mediation/x", headers={"Connection": "keep-alive, X-Hop", "X-Hop": "secret",
                                                   "Proxy-Authorization": "Basic eDp5"})
    names = {k for k, _ in r.json()["headers"]}
    assert "x-hop" not in names and "proxy-authorization" not in names


def test_request_id_assigned_and_passed_on(suite, gw):
    with client(gw.url, suite.token("coordinator")) as c:
        r = c.get("/api/v1/mediation/x")
    rid = r.headers["x-request-id"]
    assert rid and _hdr(r.json()["headers"], "x-request-id") == [rid]


def test_request_id_reaches_the_real_service(suite):
    with suite.client("coordinator") as c:
        r = c.get("/api/v1/mediation/rooms", headers={"X-Request-ID": "trace-me-123"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "trace-me-123"
        r = c.get("/api/v1/lawyers/lawyers")
        assert r.status_code == 200 and r.headers["x-request-id"]


def test_one_long_lived_client(suite, gw):
    with client(gw.url, suite.token("coordinator")) as c:
        ports = {c.get("/api/v1/mediation/x").json()["client_port"] for _ in range(5)}
    assert len(ports) == 1  # the same kept-alive upstream connection every time


def test_service_problem_passes_through(suite, gw):
    with client(gw.url, suite.token("coordinator")) as c:
        r = c.post("/api/v1/mediation/conflict", json={})
    body = problem(r, 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "room", "id": "r1"}]


def test_real_service_answers_unchanged(suite):
    with suite.client("coordinator") as c:
        r = c.post("/api/v1/mediation/rooms", json={"name": "二号调解室", "capacity": 4, "features": ["录音"]})
        assert r.status_code == 201, r.text
        direct = suite.direct("mediation", "coordinator").get(f"/api/v1/mediation/rooms/{r.json()['id']}")
        via = c.get(f"/api/v1/mediation/rooms/{r.json()['id']}")
        assert via.status_code == direct.status_code == 200 and via.content == direct.content
        problem(c.post("/api/v1/mediation/rooms", json={"name": ""}), 422, "validation_error")
        problem(c.get("/api/v1/mediation/rooms/nope"), 404)


# -- upstream failures ---------------------------------------------------------------------------
def test_service_down_is_503(suite, gw):
    with client(gw.url, suite.token("coordinator")) as c:
        t = time.monotonic()
        problem(c.get("/api/v1/lawyers/lawyers"), 503, "service_unavailable")
        problem(c.post("/api/v1/lawyers/lawyers", json={}), 503, "service_unavailable")
    assert time.monotonic() - t < 3


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_slow_service_is_504_within_the_read_timeout(suite, gw, method):
    with client(gw.url, suite.token("coordinator")) as c:
        t = time.monotonic()
        problem(c.request(method, "/api/v1/mediation/slow?seconds=5"), 504, "gateway_timeout")
    assert READ_TIMEOUT <= time.monotonic() - t < READ_TIMEOUT + 1.5


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_connection_closed_is_502(suite, gw_broken, method):
    with client(gw_broken.url, suite.token("coordinator")) as c:
        t = time.monotonic()
        problem(c.request(method, "/api/v1/mediation/rooms"), 502, "bad_gateway")
        problem(c.request(method, "/api/v1/lawyers/lawyers"), 502, "bad_gateway")  # garbage answer
    assert time.monotonic() - t < 3


def test_no_token_nothing_forwarded(suite, gw, echo):
    before = sum(echo.calls.values())
    with client(gw.url, None) as c:
        problem(c.get("/api/v1/mediation/x"), 401, "unauthorized")
    with client(gw.url, "garbage") as c:
        problem(c.post("/api/v1/mediation/x", json={}), 401)
    assert sum(echo.calls.values()) == before


# -- internal paths, whatever the spelling -------------------------------------------------------
REFUSED = [
    "/api/v1/mediation/internal/events",
    "/api/v1/mediation/Internal/events",
    "/api/v1/mediation/rooms/internal",
    "/api/v1/lawyers/internal/events",
    "/api/v1/mediation/../../../internal/events",
    "/api/v1/mediation/rooms/../../../../internal/events",
    "/api/v1/mediation/./internal/events",
    "/api/v1/mediation/..",
    "/api/v1/mediation/%2e%2e/%2e%2e/%2e%2e/internal/events",
    "/api/v1/mediation/%2E%2E/%2E%2E/%2E%2E/rooms",
    "/api/v1/mediation/..%2f..%2f..%2finternal%2fevents",
    "/api/v1/mediation/..%2F..%2F..%2Finternal%2Fevents",
    "/api/v1/mediation/rooms%2F..%2F..%2F..%2F..%2Finternal%2Fevents",
    "/api/v1/mediation/%252e%252e/%252e%252e/internal",
    "/api/v1/mediation//internal/events",
    "/api/v1/mediation/rooms//x",
    "//api/v1/mediation/rooms",
    "/api/v1/mediation\\..\\..\\..\\internal\\events",
    "/api/v1/mediation/rooms%5c..%5c..%5cinternal",
    "/api/v1/mediation/rooms%00",
]


@pytest.mark.parametrize("target", REFUSED)
def test_internal_paths_refused_whatever_the_spelling(suite, gw, echo, target):
    before = sum(echo.calls.values())
    for who in ("coordinator", "mediation-service"):
        status, headers, body = raw_request(gw.url, "GET", target, {"Authorization": f"Bearer {suite.token(who)}"})
        assert status == 404, (target, status, body)
        assert headers["content-type"].startswith("application/problem+json")
        assert json.loads(body)["code"] == "not_found"
    assert sum(echo.calls.values()) == before  # nothing reached the service


def test_clean_paths_still_pass(suite, gw):
    status, _, body = raw_request(gw.url, "GET", "/api/v1/mediation/rooms/r-1/closures",
                                  {"Authorization": f"Bearer {suite.token('coordinator')}"})
    assert status == 200 and json.loads(body)["path"] == "/api/v1/mediation/rooms/r-1/closures"


def test_real_gateway_refuses_internal_path(suite):
    with suite.client("mediation-service") as c:
        problem(c.post("/api/v1/mediation/internal/events", json={"events": []}), 404, "not_found")
