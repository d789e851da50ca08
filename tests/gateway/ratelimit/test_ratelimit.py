"""Per-client rate limits: 429 problem+json with Retry-After, in memory and in Redis (shared by replicas)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from services.gateway.ratelimit.limiter import MemoryLimiter, RedisLimiter
from tests.gateway.gateway_edge_kit import client, echo, start_gateway  # noqa: F401 (fixtures)
from tests.problem_kit import problem

REDIS_URL = "redis://127.0.0.1:6379/0"
PATH = "/api/v1/mediation/x"


@pytest.fixture
def prefix():
    p = f"test:ratelimit:{uuid.uuid4().hex}:"
    yield p
    r = redis.Redis.from_url(REDIS_URL)
    for k in r.scan_iter(p + "*"):
        r.delete(k)
    r.close()


def _get(suite, gw, who=None):
    with client(gw.url, suite.token(who) if who else None) as c:
        return c.get(PATH)


def _exhaust_then_refused(suite, gw, limit=3):
    for _ in range(limit):
        assert _get(suite, gw, "coordinator").status_code == 200
    r = _get(suite, gw, "coordinator")
    problem(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 60 // limit
    return r


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_limit_per_client(suite, echo, prefix, backend):
    extra = {"redis_url": REDIS_URL, "rate_limit_key_prefix": prefix} if backend == "redis" else {}
    gw = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=3, **extra)
    try:
        before = sum(echo.calls.values())
        _exhaust_then_refused(suite, gw)
        assert sum(echo.calls.values()) == before + 3  # the refused request was not forwarded
        assert _get(suite, gw, "mediator1").status_code == 200  # another client has its own budget
        assert _get(suite, gw, "petition-system").status_code == 200
        with client(gw.url) as c:
            assert c.get("/healthz").status_code == 200  # health and metrics are never limited
        if backend == "redis":
            keys = {k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(prefix + "*")}
            assert keys == {prefix + "console|coordinator", prefix + "console|mediator1",
                            prefix + "petition-system|petition-system"}
    finally:
        gw.stop()


def test_redis_limit_is_shared_by_replicas(suite, echo, prefix):
    a = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=3, redis_url=REDIS_URL,
                      rate_limit_key_prefix=prefix)
    b = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=3, redis_url=REDIS_URL,
                      rate_limit_key_prefix=prefix)
    try:
        assert _get(suite, a, "coordinator").status_code == 200
        assert _get(suite, b, "coordinator").status_code == 200
        assert _get(suite, a, "coordinator").status_code == 200
        problem(_get(suite, b, "coordinator"), 429, "rate_limited")
    finally:
        a.stop()
        b.stop()


def test_memory_limit_is_per_process(suite, echo):
    a = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=2)
    b = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=2)
    try:
        _exhaust_then_refused(suite, a, limit=2)
        assert _get(suite, b, "coordinator").status_code == 200
    finally:
        a.stop()
        b.stop()


def test_anonymous_callers_limited_by_address(suite, echo):
    gw = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=2)
    try:
        with client(gw.url) as c:
            form = {"grant_type": "client_credentials"}
            auth = ("petition-system", "wrong")
            assert c.post("/oauth/token", data=form, auth=auth).status_code == 401
            assert c.post("/oauth/token", data=form, auth=auth).status_code == 401
            problem(c.post("/oauth/token", data=form, auth=auth), 429, "rate_limited")
    finally:
        gw.stop()


def test_redis_down_lets_requests_through(suite, echo):
    gw = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=1, redis_url="redis://127.0.0.1:1/0")
    try:
        assert [_get(suite, gw, "coordinator").status_code for _ in range(3)] == [200, 200, 200]
    finally:
        gw.stop()


@pytest.mark.parametrize("make", [lambda p: MemoryLimiter(60), lambda p: RedisLimiter(60, REDIS_URL, p)])
def test_burst_then_one_per_interval(make, prefix):
    async def go():
        limiter = make(prefix)
        try:
            results = [await limiter.hit("c") for _ in range(61)]
            assert all(d.allowed for d in results[:60])
            assert results[0].remaining == 59 and results[59].remaining == 0
            refused = results[60]
            assert not refused.allowed and 0.5 < refused.retry_after <= 1.0 and refused.retry_after_seconds == 1
            await asyncio.sleep(1.05)  # one interval (60/60 s) later, exactly one more is allowed
            assert (await limiter.hit("c")).allowed
            assert not (await limiter.hit("c")).allowed
        finally:
            await limiter.close()
    asyncio.run(go())
