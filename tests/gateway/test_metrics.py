"""`/metrics` on the gateway and the services: proxied calls labelled by the service's route template (never
the raw path), per-upstream latency, rate-limit refusals, database pool use and job durations; each family
appears and moves when its thing happens."""
from __future__ import annotations

import threading
import time
import uuid

import httpx

from shared.jobs import Job, start_scheduler
from tests.gateway.gateway_edge_kit import client, echo, start_gateway  # noqa: F401 (fixtures)
from tests.metrics_kit import scrape


def _room(suite) -> dict:
    r = suite.client("coordinator").post("/api/v1/mediation/rooms", json={
        "name": f"调解室-{uuid.uuid4().hex[:6]}", "location": "一楼", "capacity": 4, "features": []})
    assert r.status_code == 201, r.text
    return r.json()


def test_proxied_calls_are_labelled_by_the_services_route_template_not_the_raw_path(suite):
    rooms = [_room(suite) for _ in range(3)]
    gw = suite.client("coordinator")
    before = scrape(suite.url["gateway"])
    template = "/api/v1/mediation/rooms/{room_id}"
    for room in rooms:
        r = gw.get(f"/api/v1/mediation/rooms/{room['id']}")
        assert r.status_code == 200
        assert "x-suite-route" not in r.headers  # the service's label header never reaches the caller
    after = scrape(suite.url["gateway"])
    moved = after.value("http_requests_total", service="gateway", route=template, method="GET", status="200") \
        - before.value("http_requests_total", service="gateway", route=template, method="GET", status="200")
    assert moved == 3
    routes = after.labels("http_requests_total", "route")
    assert not any(room["id"] in route for route in routes for room in rooms), routes  # no cardinality blow-up
    # A path no route matches keeps the prefix's catch-all label.
    assert gw.get("/api/v1/mediation/no-such-thing/1").status_code == 404
    assert scrape(suite.url["gateway"]).value("http_requests_total", route="/api/v1/mediation/{path}",
                                              status="404") >= 1
    # The service labels its own requests the same way.
    assert scrape(suite.url["mediation"]).value("http_requests_total", service="mediation", route=template) >= 3
    # The console's pages too (its own JSON logs, request ids and /metrics: services/console/main.py).
    assert suite.client(None).get("/console/login").status_code == 200
    assert scrape(suite.url["gateway"]).value("http_requests_total", route="/console/login", status="200") >= 1
    assert scrape(suite.url["console"]).value("http_requests_total", service="console", route="/console/login") >= 1


def test_upstream_latency_is_recorded_per_upstream_and_outcome(suite):
    before = scrape(suite.url["gateway"])
    for _ in range(2):
        assert suite.client("coordinator").get("/api/v1/lawyers/lawyers").status_code in (200, 404)
    after = scrape(suite.url["gateway"])
    key = {"upstream": "lawyers", "outcome": "answered"}
    assert after.value("upstream_request_duration_seconds_count", **key) \
        - before.value("upstream_request_duration_seconds_count", **key) == 2
    assert after.value("upstream_request_duration_seconds_sum", **key) \
        > before.value("upstream_request_duration_seconds_sum", **key)


def test_an_unreachable_upstream_is_timed_under_its_failure(suite):
    from tests.gateway.gateway_edge_kit import closed_port_url

    gw = start_gateway(suite, mediation_url=closed_port_url())
    try:
        with client(gw.url, suite.token("coordinator")) as c:
            assert c.get("/api/v1/mediation/rooms").status_code == 503
        assert scrape(gw.url).value("upstream_request_duration_seconds_count", upstream="mediation",
                                    outcome="service_unavailable") == 1
    finally:
        gw.stop()


def test_rate_limit_refusals_are_counted(suite, echo):
    gw = start_gateway(suite, mediation_url=echo.url, rate_limit_per_minute=2)
    try:
        assert scrape(gw.url).value("rate_limit_refusals_total", limit="edge") == 0
        with client(gw.url, suite.token("coordinator")) as c:
            statuses = [c.get("/api/v1/mediation/x").status_code for _ in range(4)]
        assert statuses == [200, 200, 429, 429]
        assert scrape(gw.url).value("rate_limit_refusals_total", service="gateway", limit="edge") == 2
    finally:
        gw.stop()


def test_sign_in_throttle_refusals_are_counted(suite, monkeypatch):
    settings = suite.app["gateway"].state.settings
    monkeypatch.setattr(settings, "signin_backoff_base_seconds", 30.0)
    before = scrape(suite.url["gateway"]).value("rate_limit_refusals_total", limit="sign_in")
    url = suite.url["gateway"]
    who = f"nobody-{uuid.uuid4().hex[:8]}"
    for _ in range(settings.signin_user_max_failures + 1):
        r = httpx.post(url + "/oauth/token", timeout=30, data={
            "grant_type": "password", "client_id": "console", "username": who, "password": "wrong"})
    assert r.status_code == 429
    assert scrape(url).value("rate_limit_refusals_total", limit="sign_in") == before + 1


def test_db_pool_use_shows_connections_checked_out(suite):
    db = suite.db("lawyers")
    idle = scrape(suite.url["lawyers"])
    size = idle.value("db_pool_size", service="lawyers")
    assert size == suite.app["lawyers"].state.settings.db_pool_size
    assert idle.value("db_pool_limit", service="lawyers") > size
    base = idle.value("db_pool_checked_out", service="lawyers")
    held = [db.engine.connect() for _ in range(2)]
    try:
        assert scrape(suite.url["lawyers"]).value("db_pool_checked_out", service="lawyers") == base + 2
    finally:
        for c in held:
            c.close()
    assert scrape(suite.url["lawyers"]).value("db_pool_checked_out", service="lawyers") == base


def test_scheduled_jobs_are_timed_with_their_outcome(suite):
    app = suite.app["mediation"]
    ran = threading.Event()

    def work(_app) -> None:
        time.sleep(0.02)
        ran.set()

    def broken(_app) -> None:
        raise RuntimeError("job fails")

    name = f"probe-{uuid.uuid4().hex[:6]}"
    scheduler = suite.servers["mediation"].call(_start(app, [Job(name, work, 0.05), Job(name + "-x", broken, 0.05)]))
    try:
        assert ran.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = scrape(suite.url["mediation"])
            if m.value("job_duration_seconds_count", job=name + "-x", outcome="error") >= 1 and \
                    m.value("job_duration_seconds_count", job=name, outcome="ok") >= 1:
                break
            time.sleep(0.05)
    finally:
        suite.servers["mediation"].call(_stop(scheduler))
    assert m.value("job_duration_seconds_count", service="mediation", job=name, outcome="ok") >= 1
    assert m.value("job_duration_seconds_sum", job=name, outcome="ok") >= 0.02
    assert m.value("job_duration_seconds_count", job=name + "-x", outcome="error") >= 1


async def _start(app, jobs):
    return start_scheduler(app, jobs)


async def _stop(scheduler):
    scheduler.shutdown(wait=False)
