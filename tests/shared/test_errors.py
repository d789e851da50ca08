"""Every error path answers RFC 9457 problem+json with a stable code; no traceback leaks."""
from __future__ import annotations

import logging

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.app import create_service_app
from shared.errors import Conflict
from shared.settings import SuiteSettings
from shared.timeutil import Instant
from tests.problem_kit import problem


class Thing(BaseModel):
    name: str = Field(min_length=1)
    count: int = Field(ge=1)
    at: Instant


router = APIRouter()


@router.post("/things", status_code=201)
def create_thing(body: Thing) -> dict:
    return body.model_dump(mode="json")


@router.post("/things/conflict")
def conflict() -> dict:
    raise Conflict("That slot is taken.", code="slot_conflict", conflicts=[{"resource": "room", "id": "r1"}])


@router.get("/boom")
def boom() -> dict:
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture()
def client(tmp_path):
    settings = SuiteSettings(service_name="probe", suite_env="test", jobs_enabled=False,
                             database_url=f"sqlite:///{tmp_path / 'probe.db'}")
    app = create_service_app(settings, title="probe", routers=[router])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_bad_json_is_400_problem(client):
    r = client.post("/things", content=b'{"name": "x", ', headers={"content-type": "application/json"})
    problem(r, 400, "invalid_json")


def test_bad_fields_are_listed(client):
    r = client.post("/things", json={"name": "", "count": 0, "at": "2026-12-01T09:30:00"})
    body = problem(r, 422, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"name", "count", "at"}


def test_naive_datetime_rejected_aware_answered_in_shanghai(client):
    r = client.post("/things", json={"name": "会议", "count": 1, "at": "2026-12-01T01:30:00Z"})
    assert r.status_code == 201
    assert r.json()["at"] == "2026-12-01T09:30:00+08:00"
    assert r.json()["name"] == "会议"


def test_unknown_route_and_wrong_method(client):
    problem(client.get("/nope"), 404, "not_found")
    problem(client.get("/things"), 405, "method_not_allowed")


def test_domain_error_carries_code_and_extras(client):
    body = problem(client.post("/things/conflict"), 409, "slot_conflict")
    assert body["conflicts"] == [{"resource": "room", "id": "r1"}]


def test_unexpected_error_is_500_without_traceback(client, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.get("/boom", headers={"X-Request-ID": "req-123"})
    body = problem(r, 500, "internal_error")
    assert "hunter2" not in r.text and "Traceback" not in r.text
    assert r.headers["x-request-id"] == "req-123"
    assert any(getattr(rec, "request_id", None) == "req-123" for rec in caplog.records)
    assert body["detail"]


def test_request_id_echoed_or_created(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc"}).headers["x-request-id"] == "abc"
    assert len(client.get("/healthz").headers["x-request-id"]) >= 16


def test_metrics_and_readiness(client):
    client.get("/healthz")
    text = client.get("/metrics").text
    assert "http_requests_total" in text and 'route="/healthz"' in text
    assert client.get("/readyz").json()["checks"]["database"] is True


def test_missing_token_is_401_problem(suite):
    r = suite.direct("mediation", None).post("/internal/events", json={"events": []})
    problem(r, 401, "unauthorized")


# -- one transaction per write: nothing half-written -----------------------------------------
from datetime import date as _date  # noqa: E402

from sqlalchemy import select  # noqa: E402

from shared.calendar import CalendarOverride  # noqa: E402
from shared.db import DbSession  # noqa: E402

write_router = APIRouter()


@write_router.post("/days/{day}")
def write_then_fail(day: _date, session: DbSession, fail: bool = False) -> dict:
    session.add(CalendarOverride(day=day, kind="holiday", name="x"))
    session.flush()
    if fail:
        raise Conflict("second step refused", code="refused")
    return {"ok": True}


@pytest.fixture()
def write_client(tmp_path):
    from shared import migrate

    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade("mediation", url)
    settings = SuiteSettings(service_name="probe", suite_env="test", jobs_enabled=False, database_url=url)
    app = create_service_app(settings, title="probe", routers=[write_router])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, app


def test_failed_request_writes_nothing(write_client):
    c, app = write_client
    problem(c.post("/days/2030-01-01?fail=true"), 409, "refused")
    assert c.post("/days/2030-01-02").status_code == 200
    # the same primary key again: a clean 409, not a 500
    problem(c.post("/days/2030-01-02"), 409, "write_conflict")
    with app.state.db.session() as s:
        days = s.execute(select(CalendarOverride.day)).scalars().all()
    assert days == [_date(2030, 1, 2)]


def test_readiness_reports_transport(suite):
    body = suite.direct("lawyers", None).get("/readyz").json()
    assert body["checks"] == {"database": True, "event_transport": True}
