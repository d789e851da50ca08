"""Deliveries to a real receiver on 127.0.0.1: signatures, retries, refusals, the delivery log.

Signatures are checked with the `standardwebhooks` package (the reference verifier)
and with an independent HMAC computation. Its timestamp tolerance is 5 minutes:
a message more than 5 minutes old (or ahead) is rejected.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import update
from standardwebhooks import Webhook, WebhookVerificationError

from services.gateway.webhook.models import WebhookEndpoint
from services.gateway.webhook.signing import sign
from shared.db import utcnow
from tests.webhook_receiver import Reply

TOLERANCE = 300  # seconds, the standardwebhooks verifier's window


def hmac_ok(secret: str, headers: dict, body: bytes) -> bool:
    """Independent verification: any `v1,` signature equal to HMAC-SHA256 of "{id}.{ts}.{body}"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig.split(",", 1)[1], want)
               for sig in headers["webhook-signature"].split(" ") if sig.startswith("v1,"))


def deliveries(suite, wid: str, who: str = "petition-system") -> list[dict]:
    r = suite.client(who).get(f"/api/v1/webhooks/{wid}/deliveries")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_delivery_is_a_signed_cloudevent(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook", ["handoff.*"])
    ev = hooks.event("handoff.accepted", subject="XF-2026-0042")
    assert hooks.enqueue(ev) == 1
    assert hooks.enqueue(ev) == 0  # once per (webhook, event)
    assert hooks.enqueue(hooks.event("mediation.session.scheduled")) == 0  # not subscribed
    assert hooks.deliver() == 1

    [got] = receiver.hits("/hook")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"] == ev.id
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 30
    assert got.headers["webhook-signature"].startswith("v1,") and " " not in got.headers["webhook-signature"]
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload == ev.wire()
    assert payload["subject"] == "XF-2026-0042" and payload["type"] == "handoff.accepted"
    assert {"id", "type", "source", "time", "subject", "data"} <= payload.keys()
    assert payload["data"]["说明"] == "已受理"
    assert hmac_ok(hook["secret"], got.headers, got.body)

    [d] = deliveries(suite, hook["id"])
    assert d["status"] == "succeeded" and d["event_id"] == ev.id and d["attempt_count"] == 1
    assert d["attempts"][0]["status_code"] == 204 and d["attempts"][0]["outcome"] == "succeeded"
    assert d["completed_at"] and d["next_attempt_at"] is None
    assert hooks.deliver() == 0 and len(receiver.hits()) == 1


def test_tampered_body_fails_verification(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook")
    hooks.enqueue(hooks.event(case="XF-1"))
    hooks.deliver()
    [got] = receiver.hits()
    tampered = got.body.replace(b"XF-1", b"XF-2")
    assert tampered != got.body
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(hook["secret"]).verify(tampered, got.headers)
    assert not hmac_ok(hook["secret"], got.headers, tampered)
    other = dict(got.headers, **{"webhook-id": "another-id"})
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(got.body, other)
    with pytest.raises(WebhookVerificationError):  # a wrong secret
        Webhook("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(got.body, got.headers)


def test_stale_timestamp_is_rejected(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook")
    hooks.enqueue(hooks.event())
    hooks.deliver()
    [got] = receiver.hits()
    Webhook(hook["secret"]).verify(got.body, got.headers)  # fresh: accepted
    # The same message correctly signed for a moment older than the tolerance is refused.
    old = int(time.time()) - TOLERANCE - 60
    stale = dict(got.headers, **{"webhook-timestamp": str(old),
                                 "webhook-signature": sign(hook["secret"], got.headers["webhook-id"], old, got.body)})
    assert hmac_ok(hook["secret"], stale, got.body)  # the signature itself is valid...
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(hook["secret"]).verify(got.body, stale)  # ...but the verifier refuses the replay
    # Replaying the captured signature under a fresh timestamp fails the signature check.
    replay = dict(got.headers, **{"webhook-timestamp": str(int(time.time()) + 1)})
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(got.body, replay)


def test_fails_nine_times_then_succeeds_on_the_tenth(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/flaky")
    receiver.script("/flaky", *[Reply(500)] * 9)  # then 204
    ev = hooks.event()
    hooks.enqueue(ev)
    schedule = hooks.settings.webhook_retry_delays()
    waited = []
    for attempt in range(1, 11):
        before = utcnow()
        assert hooks.deliver() == 1, attempt
        d = hooks.delivery(ev.id)
        assert d.attempts == attempt
        if attempt < 10:
            assert d.status == "pending" and d.last_status_code == 500
            wait = (d.next_attempt_at - before).total_seconds()
            assert schedule[attempt] * 0.9 - 1 <= wait <= schedule[attempt] * 1.1 + 1, (attempt, wait)
            waited.append(wait)
            assert hooks.deliver() == 0  # not yet due
            hooks.make_due()
    d = hooks.delivery(ev.id)
    assert d.status == "succeeded" and d.last_status_code == 204
    assert sum(waited) >= 24 * 3600  # the retries spanned more than a day of schedule
    hits = receiver.hits("/flaky")
    assert len(hits) == 10 and {h.headers["webhook-id"] for h in hits} == {ev.id}  # stable across retries
    for h in hits:
        Webhook(hook["secret"]).verify(h.body, h.headers)
    assert len({h.body for h in hits}) == 1  # the same body every time
    log = deliveries(suite, hook["id"])[0]["attempts"]
    assert [a["status_code"] for a in log] == [500] * 9 + [204]
    assert [a["number"] for a in log] == list(range(1, 11))
    assert [a["outcome"] for a in log] == ["retrying"] * 9 + ["succeeded"]
    assert all(a["error"] == "HTTP 500" for a in log[:9])


def test_after_the_last_attempt_the_delivery_fails(suite, receiver, hooks, monkeypatch):
    monkeypatch.setattr(hooks.settings, "webhook_retry_schedule", "0,5,300")
    hook = hooks.register(receiver.url + "/down")
    receiver.script("/down", *[Reply(503)] * 5)
    ev = hooks.event()
    hooks.enqueue(ev)
    for _ in range(3):
        assert hooks.deliver() == 1
        hooks.make_due()
    d = hooks.delivery(ev.id)
    assert d.status == "failed" and d.attempts == 3 and d.next_attempt_at is None
    assert hooks.deliver() == 0 and len(receiver.hits()) == 3
    assert deliveries(suite, hook["id"])[0]["attempts"][-1]["outcome"] == "failed"
    assert hooks.endpoint(hook["id"]).status == "active"  # failures alone never disable


def test_410_disables_the_endpoint(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/gone")
    receiver.script("/gone", Reply(410))
    first, second = hooks.event(), hooks.event("handoff.completed")
    hooks.enqueue(first)
    assert hooks.deliver() == 1
    assert hooks.enqueue(second) == 0  # a disabled endpoint gets nothing new
    ep = suite.client("petition-system").get(f"/api/v1/webhooks/{hook['id']}").json()
    assert ep["status"] == "disabled" and "410" in ep["disabled_reason"] and ep["disabled_at"]
    assert hooks.delivery(first.id).status == "failed"
    assert hooks.deliver() == 0 and len(receiver.hits()) == 1
    r = suite.client("petition-system").post(f"/api/v1/webhooks/{hook['id']}/deliveries/"
                                             f"{hooks.delivery(first.id).id}/redeliver")
    assert r.status_code == 409 and r.json()["code"] == "webhook_disabled"


def test_410_cancels_what_was_still_queued(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/gone")
    receiver.script("/gone", Reply(410))
    a, b = hooks.event(), hooks.event()
    hooks.enqueue(a)
    hooks.deliver()
    # A delivery that slipped in while the endpoint was still active is cancelled when claimed.
    with hooks.db.session() as s:
        s.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == hook["id"]).values(status="active"))
    hooks.enqueue(b)
    with hooks.db.session() as s:
        s.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == hook["id"]).values(status="disabled"))
    assert hooks.deliver() == 0
    assert hooks.delivery(b.id).status == "cancelled" and len(receiver.hits()) == 1


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_is_honoured(suite, receiver, hooks, form):
    hooks.register(receiver.url + "/busy")
    value = "3600" if form == "seconds" else format_datetime(datetime.now(UTC) + timedelta(hours=1),
                                                            usegmt=True)
    receiver.script("/busy", Reply(503, {"Retry-After": value}), Reply(429, {"Retry-After": "1"}))
    ev = hooks.event()
    hooks.enqueue(ev)
    before = utcnow()
    hooks.deliver()
    d = hooks.delivery(ev.id)
    wait = (d.next_attempt_at - before).total_seconds()
    assert 3590 <= wait <= 3610, wait  # instead of the schedule's 5 s
    assert d.last_status_code == 503 and d.status == "pending"
    assert hooks.deliver() == 0
    hooks.make_due()
    before = utcnow()
    hooks.deliver()
    wait = (hooks.delivery(ev.id).next_attempt_at - before).total_seconds()
    assert 300 * 0.9 - 1 <= wait <= 300 * 1.1 + 1  # a shorter Retry-After never hastens the schedule
    hooks.make_due()
    hooks.deliver()
    assert hooks.delivery(ev.id).status == "succeeded"


def test_redirect_is_not_followed(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/moved")
    receiver.script("/moved", Reply(302, {"Location": receiver.url + "/elsewhere"}),
                    Reply(307, {"Location": "/elsewhere"}))
    ev = hooks.event()
    hooks.enqueue(ev)
    hooks.deliver()
    hooks.make_due()
    hooks.deliver()
    assert receiver.hits("/elsewhere") == [] and len(receiver.hits("/moved")) == 2
    log = deliveries(suite, hook["id"])[0]
    assert log["status"] == "pending"
    assert [a["status_code"] for a in log["attempts"]] == [302, 307]
    assert all("redirect not followed" in a["error"] and a["outcome"] == "retrying" for a in log["attempts"])


def test_host_resolving_to_loopback_is_refused_without_connecting(suite, receiver, hooks, monkeypatch):
    # Only 127.0.0.1 on another port is allowed here, not `localhost` on this one (127.0.0.1 when resolved).
    port = receiver.url.rsplit(":", 1)[1]
    hook = hooks.register(f"http://localhost:{port}/hook")  # registered while allowed, then withdrawn:
    monkeypatch.setattr(hooks.settings, "webhook_allowed_hosts",
                        "127.0.0.1:9,localhost:9")  # a name: checked again when delivering
    ev = hooks.event()
    hooks.enqueue(ev)
    assert hooks.deliver() == 1
    assert receiver.hits() == []  # no connection was made
    [d] = deliveries(suite, hook["id"])
    assert d["status"] == "pending" and d["attempts"][0]["status_code"] is None
    assert "refused" in d["attempts"][0]["error"] and "127.0.0.1" in d["attempts"][0]["error"]
    assert "loopback" in d["attempts"][0]["error"]
    # Once the name is allowed with its port, the same delivery goes through.
    monkeypatch.setattr(hooks.settings, "webhook_allowed_hosts", f"127.0.0.1:9,localhost:{port}")
    hooks.make_due()
    hooks.deliver()
    assert len(receiver.hits()) == 1 and hooks.delivery(ev.id).status == "succeeded"


def test_private_literal_is_refused_at_delivery_too(suite, receiver, hooks, monkeypatch):
    # Registered while allowed, then the allowance is withdrawn: delivery refuses without connecting.
    monkeypatch.setattr(hooks.settings, "webhook_allowed_hosts", "127.0.0.1:9,localhost:9,10.0.0.1:9")
    hook = hooks.register("http://10.0.0.1:9/hook")
    monkeypatch.setattr(hooks.settings, "webhook_allowed_hosts", "127.0.0.1:9,localhost:9")
    hooks.enqueue(hooks.event())
    assert hooks.deliver() == 1
    [d] = deliveries(suite, hook["id"])
    assert "refused" in d["attempts"][0]["error"] and "10.0.0.1" in d["attempts"][0]["error"]


def test_timeout_and_connection_errors_are_retried(suite, receiver, hooks, monkeypatch):
    monkeypatch.setattr(hooks.settings, "webhook_timeout_seconds", 0.5)
    slow = hooks.register(receiver.url + "/slow")
    receiver.script("/slow", Reply(204, delay=2.0))
    with socket.socket() as sock:  # a loopback port with nobody listening
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    monkeypatch.setattr(hooks.settings, "webhook_allowed_hosts",  # that port allowed explicitly
                        f"{hooks.settings.webhook_allowed_hosts},127.0.0.1:{closed_port}")
    dead = hooks.register(f"http://127.0.0.1:{closed_port}/hook")
    hooks.enqueue(hooks.event())
    t0 = time.monotonic()
    assert hooks.deliver() == 2
    assert time.monotonic() - t0 < 2.0
    [s] = deliveries(suite, slow["id"])
    [d] = deliveries(suite, dead["id"])
    assert s["status"] == "pending" and "timed out" in s["attempts"][0]["error"]
    assert d["status"] == "pending" and "connection failed" in d["attempts"][0]["error"]
    assert s["attempts"][0]["status_code"] is None and d["attempts"][0]["status_code"] is None


def test_rotation_sends_two_signatures_until_the_old_secret_expires(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook")
    old = hook["secret"]
    new = suite.client("petition-system").post(f"/api/v1/webhooks/{hook['id']}/rotate-secret").json()["secret"]
    hooks.enqueue(hooks.event())
    hooks.deliver()
    [got] = receiver.hits()
    sigs = got.headers["webhook-signature"].split(" ")
    assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs)
    for secret in (old, new):  # a receiver on either secret accepts
        Webhook(secret).verify(got.body, got.headers)
        assert hmac_ok(secret, got.headers, got.body)
    # After the grace period only the new secret signs.
    with hooks.db.session() as s:
        s.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == hook["id"])
                  .values(previous_secret_expires_at=utcnow() - timedelta(seconds=1)))
    hooks.enqueue(hooks.event())
    hooks.deliver()
    latest = receiver.hits()[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(latest.body, latest.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(latest.body, latest.headers)


def test_manual_redelivery(suite, receiver, hooks, monkeypatch):
    monkeypatch.setattr(hooks.settings, "webhook_retry_schedule", "0,5")
    hook = hooks.register(receiver.url + "/hook")
    c = suite.client("petition-system")
    ok, bad = hooks.event(), hooks.event()
    hooks.enqueue(ok)
    hooks.deliver()
    d = hooks.delivery(ok.id)
    assert d.status == "succeeded"
    r = c.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{d.id}/redeliver")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert hooks.deliver() == 1
    hits = receiver.hits()
    assert len(hits) == 2 and hits[0].headers["webhook-id"] == hits[1].headers["webhook-id"] == ok.id
    detail = c.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{d.id}").json()
    assert detail["status"] == "succeeded" and [a["manual"] for a in detail["attempts"]] == [False, True]

    # A failed delivery redelivered gets one more attempt.
    receiver.script("/hook", Reply(500), Reply(500), Reply(500))
    hooks.enqueue(bad)
    hooks.deliver()
    hooks.make_due()
    hooks.deliver()
    failed = hooks.delivery(bad.id)
    assert failed.status == "failed" and failed.attempts == 2
    assert c.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failed.id}/redeliver").status_code == 202
    hooks.deliver()
    assert hooks.delivery(bad.id).status == "failed" and hooks.delivery(bad.id).attempts == 3
    assert c.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failed.id}/redeliver").status_code == 202
    hooks.deliver()
    assert hooks.delivery(bad.id).status == "succeeded" and hooks.delivery(bad.id).attempts == 4
    assert c.post(f"/api/v1/webhooks/{hook['id']}/deliveries/nope/redeliver").status_code == 404
    assert suite.client("auditor").post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{failed.id}/redeliver").status_code == 403


def test_delivery_log_lists_newest_first_and_filters(suite, receiver, hooks):
    hook = hooks.register(receiver.url + "/hook", ["mediation.session.*"])
    receiver.script("/hook", Reply(500))
    events = [hooks.event("mediation.session.scheduled", subject=f"XF-{i}") for i in range(3)]
    for ev in events:
        hooks.enqueue(ev)
        time.sleep(0.01)
    hooks.deliver()
    c = suite.client("petition-system")
    items = c.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert [d["event_id"] for d in items] == [e.id for e in reversed(events)]
    assert sorted(d["status"] for d in items) == ["pending", "succeeded", "succeeded"]
    pending = c.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"status": "pending"}).json()["items"]
    assert len(pending) == 1 and pending[0]["last_status_code"] == 500 and pending[0]["next_attempt_at"]
    page = c.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"limit": 2}).json()
    rest = c.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                 params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [d["id"] for d in page["items"] + rest["items"]] == [d["id"] for d in items]
    assert c.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"status": "nonsense"}).status_code == 422
    assert json.loads(receiver.hits()[0].body)["subject"].startswith("XF-")
