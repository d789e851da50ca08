"""Issue 13 item 1: the gateway's `/internal/...` (the event hub, the services' token endpoint) only on the
internal listener (GATEWAY_INTERNAL_PORT), and no `service` token from the public `/oauth/token`."""
from __future__ import annotations

import uuid

import httpx
import pytest
from sqlmodel import select

from shared.db import utcnow
from shared.events.envelope import CloudEvent
from tests.problem_kit import problem

SERVICE_CREDS = ("mediation-service", "mediation-service-dev-secret")


def _event(source: str = "mediation") -> dict:
    return CloudEvent(id=uuid.uuid4().hex, source=source, type="mediation.probe.touched", subject="probe-1",
                      time=utcnow(), data={}).wire()


def _service_token(suite) -> str:
    signer = suite.app["gateway"].state.signer
    return signer.issue("mediation-service", "mediation-service", ["service"])[0]


@pytest.mark.parametrize("path", ["/internal/events", "/INTERNAL/events", "/Internal/events", "/internal",
                                  "/internal/oauth/token", "/internal/cases/C1/participants"])
def test_public_port_answers_404_for_internal_paths_even_with_a_service_token(suite, path):
    auth = {"Authorization": f"Bearer {_service_token(suite)}"}
    for method in ("GET", "POST"):
        r = httpx.request(method, suite.url["gateway"] + path, headers=auth, json={"events": [_event()]})
        problem(r, 404, "not_found")


def test_a_forged_event_sent_to_the_public_port_is_not_stored(suite):
    from services.gateway.hub.models import HubEvent

    ev = _event()
    r = httpx.post(suite.url["gateway"] + "/internal/events", json={"events": [ev]},
                   headers={"Authorization": f"Bearer {_service_token(suite)}"})
    assert r.status_code == 404
    with suite.db("gateway").session() as s:
        assert s.exec(select(HubEvent).where(HubEvent.id == ev["id"])).first() is None


def test_internal_listener_takes_the_services_events(suite):
    r = httpx.post(suite.internal_url + "/internal/events", json={"events": [_event()]},
                   headers={"Authorization": f"Bearer {_service_token(suite)}"})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 1


def test_internal_listener_still_wants_a_service_token(suite):
    r = httpx.post(suite.internal_url + "/internal/events", json={"events": []})
    assert r.status_code == 401
    r = httpx.post(suite.internal_url + "/internal/events", json={"events": []},
                   headers={"Authorization": f"Bearer {suite.token('coordinator')}"})
    assert r.status_code == 403


def test_public_token_endpoint_never_issues_a_service_token(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "client_credentials"},
                   auth=SERVICE_CREDS)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "unauthorized_client"
    assert "access_token" not in r.json()
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": SERVICE_CREDS[0], "client_secret": SERVICE_CREDS[1]})
    assert r.status_code == 400 and "access_token" not in r.json()
    # other machine clients are unchanged
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "client_credentials"},
                   auth=("petition-system", "petition-system-dev-secret"))
    assert r.status_code == 200


def test_internal_token_endpoint_issues_the_service_token(suite):
    r = httpx.post(suite.internal_url + "/internal/oauth/token", data={"grant_type": "client_credentials"},
                   auth=SERVICE_CREDS)
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "service"
    r = httpx.post(suite.internal_url + "/internal/oauth/token", data={"grant_type": "client_credentials"},
                   auth=("mediation-service", "wrong"))
    assert r.status_code == 401


def test_services_publish_and_get_tokens_at_the_internal_url(suite):
    for svc in ("mediation", "lawyers"):
        publisher = suite.app[svc].state.relay.publisher
        assert publisher.url == suite.internal_url + "/internal/events"
        assert publisher.tokens.url == suite.internal_url + "/internal/oauth/token"
    # a real publish through the relay works end to end
    from services.gateway.hub.models import HubEvent
    from shared.events.outbox import emit

    with suite.db("mediation").session() as s:
        ev = emit(s, "mediation", "mediation.probe.touched", "probe-relay", {})
    suite.drain()
    with suite.db("gateway").session() as s:
        assert s.exec(select(HubEvent).where(HubEvent.id == ev.id)).first() is not None


def test_runner_wires_the_internal_listener(monkeypatch):
    from devtools.runner import SuiteProcesses

    monkeypatch.delenv("GATEWAY_INTERNAL_PORT", raising=False)
    db = {"gateway": "sqlite:///g.db", "mediation": "sqlite:///m.db", "lawyers": "sqlite:///l.db"}
    s = SuiteProcesses.from_env(db)
    assert s.internal_port == 8010
    for svc in ("gateway", "mediation", "lawyers"):
        env = s.service_env(svc)
        assert env["GATEWAY_INTERNAL_URL"] == "http://127.0.0.1:8010"
        assert env["GATEWAY_INTERNAL_PORT"] == "8010"
    monkeypatch.setenv("GATEWAY_INTERNAL_PORT", "18010")
    assert SuiteProcesses.from_env(db).service_env("mediation")["GATEWAY_INTERNAL_URL"] == "http://127.0.0.1:18010"
    bench = SuiteProcesses(db, ports={"gateway": 18000, "mediation": 18001, "lawyers": 18002})
    assert bench.internal_port not in (8010, 18000, 18001, 18002)  # a free port of its own


# -- item 2: an event's source is the service whose token delivered it ------------------------------
def _token_for(suite, client: str) -> str:
    return suite.app["gateway"].state.signer.issue(client, client, ["service"])[0]


@pytest.mark.parametrize("client, source", [("mediation-service", "lawyers"), ("lawyers-service", "mediation"),
                                            ("lawyers-service", "gateway"), ("mediation-service", "petition")])
def test_an_event_whose_source_is_another_service_is_refused_and_not_stored(suite, client, source):
    from services.gateway.hub.models import HubEvent

    forged = CloudEvent(id=uuid.uuid4().hex, source=source, type=f"{source}.opinion.filed", subject="C-forged",
                        time=utcnow(), data={"opinion_id": "x"}).wire()
    own = _event(client.removesuffix("-service"))
    r = httpx.post(suite.internal_url + "/internal/events", json={"events": [own, forged]},
                   headers={"Authorization": f"Bearer {_token_for(suite, client)}"})
    problem(r, 403, "event_source_mismatch")
    with suite.db("gateway").session() as s:  # nothing of the delivery stored
        assert s.exec(select(HubEvent).where(HubEvent.id.in_([own["id"], forged["id"]]))).first() is None


def test_each_service_publishes_its_own_source(suite):
    for client in ("mediation-service", "lawyers-service"):
        r = httpx.post(suite.internal_url + "/internal/events",
                       json={"events": [_event(client.removesuffix("-service"))]},
                       headers={"Authorization": f"Bearer {_token_for(suite, client)}"})
        assert r.status_code == 200, r.text


def test_a_refused_source_is_audited(suite):
    try:
        from shared.audit.models import audit_event  # noqa: F401
    except ImportError:
        pytest.skip("no audit trail in this tree")
    import sqlalchemy as sa

    forged = _event("lawyers")
    r = httpx.post(suite.internal_url + "/internal/events", json={"events": [forged]},
                   headers={"Authorization": f"Bearer {_token_for(suite, 'mediation-service')}"})
    assert r.status_code == 403
    with suite.db("gateway").session() as s:
        rows = s.execute(sa.text("SELECT action, outcome, object_id, detail FROM audit_event "
                                 "WHERE action = 'hub.event.source_refused'")).all()
    assert any(row.object_id == forged["id"] and row.outcome == "failure" for row in rows), rows
