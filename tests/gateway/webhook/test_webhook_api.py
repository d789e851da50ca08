"""Subscriptions: registration, validation, roles, who sees what, rotation, deletion."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

import httpx

from shared.db import utcnow


def _machine_client(suite, client_id: str) -> httpx.Client:
    """Another petition-system style machine client (token signed by the gateway's own key)."""
    token, _ = suite.app["gateway"].state.signer.issue(client_id, client_id, ["petition_system"])
    c = httpx.Client(base_url=suite.url["gateway"], headers={"Authorization": f"Bearer {token}"}, timeout=30)
    suite._clients.append(c)
    return c


def test_register_answers_secret_once(suite, receiver):
    c = suite.client("petition-system")
    r = c.post("/api/v1/webhooks", json={"url": receiver.url + "/hook", "event_types": ["handoff.*", "*",
                                                                                       "handoff.*"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 32
    assert body["url"] == receiver.url + "/hook"
    assert body["event_types"] == ["handoff.*", "*"]
    assert body["status"] == "active" and body["owner"] == "petition-system"
    assert datetime.fromisoformat(body["created_at"]).utcoffset() == timedelta(hours=8)
    got = c.get(f"/api/v1/webhooks/{body['id']}")
    assert got.status_code == 200 and "secret" not in got.json()
    assert got.json()["id"] == body["id"]
    listed = c.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed["items"]] == [body["id"]] and "secret" not in listed["items"][0]


def test_bad_input_is_422(suite, receiver):
    c = suite.client("petition-system")
    for payload in [
        {"url": receiver.url, "event_types": []},
        {"url": receiver.url, "event_types": ["Handoff.Accepted"]},
        {"url": receiver.url, "event_types": ["handoff.*.x"]},
        {"url": receiver.url, "event_types": [""]},
        {"url": receiver.url, "event_types": "*"},
        {"event_types": ["*"]},
        {"url": "", "event_types": ["*"]},
    ]:
        r = c.post("/api/v1/webhooks", json=payload)
        assert r.status_code == 422, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_private_address_refused_at_registration(suite):
    c = suite.client("petition-system")
    for url in ["http://10.0.0.1/hook", "http://192.168.1.1/hook", "https://169.254.169.254/latest",
                "http://[::1]:8080/", "http://[::ffff:192.168.1.1]/", "http://127.0.0.2/", "http://0.0.0.0/",
                "http://[fe80::1]/", "ftp://petition.example.cn/hook", "http://user:pw@petition.example.cn/"]:
        r = c.post("/api/v1/webhooks", json={"url": url, "event_types": ["*"]})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["code"] == "webhook_url_refused"
        assert r.json()["errors"][0]["field"] == "url"
    assert c.get("/api/v1/webhooks").json()["items"] == []


def test_roles(suite, receiver):
    payload = {"url": receiver.url + "/hook", "event_types": ["*"]}
    assert suite.client(None).post("/api/v1/webhooks", json=payload).status_code == 401
    for who in ("mediator1", "lawyer1", "auditor"):
        assert suite.client(who).post("/api/v1/webhooks", json=payload).status_code == 403, who
    for who in ("mediator1", "lawyer1"):
        assert suite.client(who).get("/api/v1/webhooks").status_code == 403, who
    wid = suite.client("coordinator").post("/api/v1/webhooks", json=payload).json()["id"]
    assert suite.client("auditor").get(f"/api/v1/webhooks/{wid}").status_code == 200
    assert suite.client("auditor").delete(f"/api/v1/webhooks/{wid}").status_code == 403
    assert suite.client("auditor").post(f"/api/v1/webhooks/{wid}/rotate-secret").status_code == 403


def test_machine_client_sees_only_its_own(suite, receiver):
    payload = {"url": receiver.url + "/hook", "event_types": ["*"]}
    ours = suite.client("petition-system").post("/api/v1/webhooks", json=payload).json()["id"]
    county = _machine_client(suite, "county-petition-system")
    theirs = county.post("/api/v1/webhooks", json=payload).json()["id"]
    by_coordinator = suite.client("coordinator").post("/api/v1/webhooks", json=payload).json()["id"]

    mine = suite.client("petition-system")
    assert [w["id"] for w in mine.get("/api/v1/webhooks").json()["items"]] == [ours]
    assert [w["id"] for w in county.get("/api/v1/webhooks").json()["items"]] == [theirs]
    for other in (theirs, by_coordinator):
        assert mine.get(f"/api/v1/webhooks/{other}").status_code == 404
        assert mine.get(f"/api/v1/webhooks/{other}/deliveries").status_code == 404
        assert mine.post(f"/api/v1/webhooks/{other}/rotate-secret").status_code == 404
        assert mine.post(f"/api/v1/webhooks/{other}/deliveries/x/redeliver").status_code == 404
        assert mine.delete(f"/api/v1/webhooks/{other}").status_code == 404
    assert county.get(f"/api/v1/webhooks/{ours}").status_code == 404
    # The coordinator (and the auditor) oversee every subscription.
    for who in ("coordinator", "auditor"):
        ids = {w["id"] for w in suite.client(who).get("/api/v1/webhooks").json()["items"]}
        assert ids == {ours, theirs, by_coordinator}
    assert suite.client("petition-system").get(f"/api/v1/webhooks/{ours}").status_code == 200


def test_list_pages(suite, receiver):
    c = suite.client("petition-system")
    ids = [c.post("/api/v1/webhooks", json={"url": receiver.url + f"/h{i}", "event_types": ["*"]}).json()["id"]
           for i in range(3)]
    first = c.get("/api/v1/webhooks", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = c.get("/api/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    assert [w["id"] for w in first["items"] + second["items"]] == ids
    assert c.get("/api/v1/webhooks", params={"cursor": "garbage!"}).status_code == 422


def test_rotate_keeps_old_secret_for_grace_period(suite, receiver):
    c = suite.client("petition-system")
    created = c.post("/api/v1/webhooks", json={"url": receiver.url + "/hook", "event_types": ["*"]}).json()
    r = c.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert abs((expires - utcnow()) - timedelta(hours=24)) < timedelta(minutes=1)


def test_delete(suite, receiver, hooks):
    c = suite.client("petition-system")
    wid = c.post("/api/v1/webhooks", json={"url": receiver.url + "/hook", "event_types": ["*"]}).json()["id"]
    ev = hooks.event()
    assert hooks.enqueue(ev) == 1
    assert c.delete(f"/api/v1/webhooks/{wid}").status_code == 204
    assert c.get(f"/api/v1/webhooks/{wid}").status_code == 404
    assert c.delete(f"/api/v1/webhooks/{wid}").status_code == 404
    assert c.get("/api/v1/webhooks").json()["items"] == []
    assert hooks.delivery(ev.id).status == "cancelled"
    assert hooks.deliver() == 0 and receiver.hits() == []
    assert hooks.enqueue(hooks.event()) == 0


def test_secret_is_sealed_at_rest_and_still_signs(suite, receiver):
    """The database holds only the sealed secret; the answer and the signatures use the real one."""
    from services.gateway.webhook.models import WebhookEndpoint
    from services.gateway.webhook.sealing import PREFIX

    c = suite.client("petition-system")
    body = c.post("/api/v1/webhooks", json={"url": receiver.url + "/hook", "event_types": ["*"]}).json()
    rotated = c.post(f"/api/v1/webhooks/{body['id']}/rotate-secret").json()
    with suite.db("gateway").session() as s:
        row = s.get(WebhookEndpoint, body["id"])
        stored = [row.secret, row.previous_secret]
    assert all(x.startswith(PREFIX) for x in stored)
    assert body["secret"] not in "".join(stored) and rotated["secret"] not in "".join(stored)
    from services.gateway.webhook.service import signing_secrets

    settings = suite.app["gateway"].state.settings
    assert signing_secrets(row, settings, utcnow()) == [rotated["secret"], body["secret"]]


def test_prod_refuses_the_dev_sealing_key():
    import pytest

    from services.gateway.settings import GatewaySettings
    from services.gateway.webhook.sealing import DEV_SEALING_KEY

    real_key = "q0Tq3ZP6bx0J9QcWg2cS9m2b8f7X4e1YtW6u3rA5s0E="
    with pytest.raises(RuntimeError, match="sealing key"):
        GatewaySettings(suite_env="prod", database_url="sqlite://", webhook_sealing_keys=DEV_SEALING_KEY,
                        signing_keys=__file__).refuse_dev_secrets()
    with pytest.raises(ValueError, match="malformed Fernet key"):
        GatewaySettings(database_url="sqlite://", webhook_sealing_keys="not-a-key")
    GatewaySettings(database_url="sqlite://", webhook_sealing_keys=real_key)
