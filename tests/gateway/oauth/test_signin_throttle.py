"""Issue 13 item 6: password sign-in throttled per user name and per address with a growing backoff,
X-Forwarded-For believed only from GATEWAY_TRUSTED_PROXIES, and a bound on concurrent password hashing
so that a flood of guesses does not slow unrelated requests."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from services.gateway.ratelimit.clientip import client_ip, parse_trusted
from tests.gateway.gateway_edge_kit import client, echo, start_gateway  # noqa: F401 (fixtures)


def _sign_in(url: str, username: str, password: str, **headers) -> httpx.Response:
    return httpx.post(url + "/oauth/token", headers=headers, timeout=30, data={
        "grant_type": "password", "client_id": "console", "username": username, "password": password})


@pytest.fixture
def settings(suite, monkeypatch):
    s = suite.app["gateway"].state.settings
    monkeypatch.setattr(s, "signin_backoff_base_seconds", 1.0)
    return s


def test_failures_lock_the_user_name_with_a_growing_retry_after(suite, settings):
    url = suite.url["gateway"]
    for _ in range(settings.signin_user_max_failures - 1):
        assert _sign_in(url, "mediator1", "wrong").status_code == 400
    r = _sign_in(url, "mediator1", "wrong")  # the 5th failure locks for 1 s
    assert r.status_code == 400
    r = _sign_in(url, "mediator1", "mediator1-dev")  # even the right password waits
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "too_many_sign_in_failures" and r.headers["retry-after"] == "1"
    time.sleep(1.1)
    assert _sign_in(url, "mediator1", "wrong").status_code == 400  # the 6th: locked for 2 s
    r = _sign_in(url, "mediator1", "wrong")
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    time.sleep(2.1)
    assert _sign_in(url, "mediator1", "wrong").status_code == 400  # the 7th: 4 s
    r = _sign_in(url, "mediator1", "mediator1-dev")
    assert r.status_code == 429 and int(r.headers["retry-after"]) in (3, 4)
    # another user name from the same address is not locked by these
    assert _sign_in(url, "lawyer1", "lawyer1-dev").status_code == 200


def test_a_success_clears_the_count(suite, settings):
    url = suite.url["gateway"]
    for _ in range(settings.signin_user_max_failures - 1):
        assert _sign_in(url, "lawyer2", "wrong").status_code == 400
    assert _sign_in(url, "lawyer2", "lawyer2-dev").status_code == 200
    for _ in range(settings.signin_user_max_failures - 1):
        assert _sign_in(url, "lawyer2", "wrong").status_code == 400
    assert _sign_in(url, "lawyer2", "lawyer2-dev").status_code == 200


def test_failures_lock_the_address_and_forwarded_for_does_not_escape(suite, settings, monkeypatch):
    monkeypatch.setattr(settings, "signin_address_max_failures", 6)
    url = suite.url["gateway"]
    for i in range(6):  # a different user name each time, a new forwarded address each time
        r = _sign_in(url, f"nobody{i}", "wrong", **{"X-Forwarded-For": f"203.0.113.{i}"})
        assert r.status_code == 400
    r = _sign_in(url, "coordinator", "coordinator-dev", **{"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 429, r.text


def test_forwarded_for_is_believed_from_a_trusted_proxy(suite, settings, monkeypatch):
    monkeypatch.setattr(settings, "signin_address_max_failures", 3)
    monkeypatch.setattr(settings, "trusted_proxies", "127.0.0.0/8")
    url = suite.url["gateway"]
    for i in range(3):
        assert _sign_in(url, f"nobody{i}", "wrong", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 400
    assert _sign_in(url, "auditor", "auditor-dev", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    # another client behind the same proxy is not locked
    assert _sign_in(url, "auditor", "auditor-dev", **{"X-Forwarded-For": "203.0.113.10"}).status_code == 200


def test_client_ip_rules():
    trusted = parse_trusted("10.0.0.0/8, 127.0.0.1")

    def scope(peer, xff=None):
        return {"client": (peer, 5555), "headers": [(b"x-forwarded-for", xff.encode())] if xff else []}

    assert client_ip(scope("198.51.100.1", "1.2.3.4"), trusted) == "198.51.100.1"  # untrusted peer
    assert client_ip(scope("127.0.0.1", "1.2.3.4"), ()) == "127.0.0.1"  # nothing trusted (the default)
    assert client_ip(scope("127.0.0.1", "1.2.3.4"), trusted) == "1.2.3.4"
    assert client_ip(scope("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5"), trusted) == "1.2.3.4"  # spoofed left part
    assert client_ip(scope("127.0.0.1", "not-an-ip"), trusted) == "127.0.0.1"
    with pytest.raises(ValueError):
        parse_trusted("10.0.0.0/33")


def test_parallel_guesses_are_bounded_and_do_not_slow_unrelated_requests(suite, echo, monkeypatch):
    gw = start_gateway(suite, mediation_url=echo.url, password_hash_concurrency=2, password_hash_wait_seconds=0.5,
                       signin_address_max_failures=1000)
    try:
        with client(gw.url, suite.token("coordinator")) as c:
            assert c.get("/api/v1/mediation/x").status_code == 200

            def guess(i):
                return _sign_in(gw.url, f"guess{i}", "wrong").status_code

            latencies = []
            with ThreadPoolExecutor(60) as pool:
                futures = [pool.submit(guess, i) for i in range(60)]
                time.sleep(0.2)
                for _ in range(5):
                    t0 = time.monotonic()
                    assert c.get("/api/v1/mediation/x").status_code == 200
                    latencies.append(time.monotonic() - t0)
                statuses = [f.result() for f in futures]
        assert set(statuses) <= {400, 503}, statuses
        assert statuses.count(503) > 0  # the excess waited briefly, then 503
        assert max(latencies) < 1.5, latencies
        busy = _sign_in(gw.url, "x", "y")
        assert busy.status_code in (400, 503)
    finally:
        gw.stop()


def test_the_503_is_a_problem_with_retry_after(suite, monkeypatch):
    gate = suite.app["gateway"].state
    from services.gateway.oauth.throttle import HashGate
    monkeypatch.setattr(gate, "hash_gate", HashGate(1, 0.0), raising=False)
    import asyncio
    srv = suite.servers["gateway"]
    srv.call(gate.hash_gate.__aenter__())  # the only slot taken
    try:
        r = _sign_in(suite.url["gateway"], "coordinator", "coordinator-dev")
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "1" and r.json()["code"] == "sign_in_busy"
    finally:
        srv.call(gate.hash_gate.__aexit__(None, None, None))
    assert asyncio
