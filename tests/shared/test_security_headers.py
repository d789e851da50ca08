"""Security headers on every answer of a service (success, error, unknown route, crash): nosniff,
no referrer, no framing; HSTS only in production; `Cache-Control: no-store` on /api/ and /oauth/token.
A header the answer already has is kept, not doubled."""
from __future__ import annotations

import logging

import pytest
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from shared.app import create_service_app
from shared.errors import NotFound
from shared.settings import SuiteSettings

router = APIRouter()


@router.get("/api/v1/things")
def things() -> JSONResponse:
    return JSONResponse({"items": []},
                        headers={"Cache-Control": "public, max-age=600", "Referrer-Policy": "same-origin"})


@router.get("/api/v1/missing")
def missing() -> dict:
    raise NotFound("No such thing.")


@router.get("/api/v1/boom")
def boom() -> dict:
    raise RuntimeError("internals")


def make_client(tmp_path, env: str) -> TestClient:
    settings = SuiteSettings(service_name="probe", suite_env=env, jobs_enabled=False,
                             database_url=f"sqlite:///{tmp_path / 'probe.db'}")
    # No lifespan (prod would refuse the dev secrets): these routes need nothing started.
    return TestClient(create_service_app(settings, title="probe", routers=[router]), raise_server_exceptions=False)


def check(r, *, no_store: bool, hsts: bool, referrer: str = "no-referrer") -> None:
    h = r.headers
    assert h.get_list("x-content-type-options") == ["nosniff"] and h.get_list("referrer-policy") == [referrer]
    assert h.get_list("x-frame-options") == ["DENY"]
    assert ("strict-transport-security" in h) is hsts
    if hsts:
        assert h["strict-transport-security"] == "max-age=31536000"
    if no_store:
        assert h.get_list("cache-control") == ["no-store"]
    else:
        assert "no-store" not in h.get("cache-control", "")
    assert "content-security-policy" not in h
    assert h["x-request-id"]


@pytest.mark.parametrize("env,hsts", [("dev", False), ("test", False), ("prod", True)])
def test_headers_on_every_answer(tmp_path, env, hsts, caplog):
    c = make_client(tmp_path, env)
    # The answer's own policy is kept (e.g. the console's); its cache header is not, on /api/.
    check(c.get("/api/v1/things"), no_store=True, hsts=hsts, referrer="same-origin")
    check(c.get("/api/v1/missing"), no_store=True, hsts=hsts)
    check(c.get("/api/v1/nowhere"), no_store=True, hsts=hsts)
    check(c.post("/api/v1/things"), no_store=True, hsts=hsts)
    check(c.get("/healthz"), no_store=False, hsts=hsts)
    with caplog.at_level(logging.CRITICAL, logger="suite.errors"):
        r = c.get("/api/v1/boom")
    assert r.status_code == 500
    check(r, no_store=True, hsts=hsts)
