"""The console passes each browser's address to the gateway (X-Forwarded-For), so the per-address sign-in
throttle counts people, not the console; the gateway believes the header only from its trusted proxies.

Browsers are plain HTTP clients bound to their own loopback addresses (127.0.0.3, 127.0.0.4, ...), going
through the gateway's `/console` as a real browser does; only the console's 127.0.0.1 is trusted.
"""
from __future__ import annotations

import re

import httpx
import pytest

from services.gateway.seed import DEV_USERS, TEST_USERS

PASSWORDS = {u[0]: u[1] for u in DEV_USERS + TEST_USERS}
FAILURES = 3  # the per-address limit in these tests


@pytest.fixture
def gateway_settings(suite, monkeypatch):
    s = suite.app["gateway"].state.settings
    monkeypatch.setattr(s, "signin_address_max_failures", FAILURES)
    monkeypatch.setattr(s, "signin_backoff_base_seconds", 30.0)
    monkeypatch.setattr(s, "trusted_proxies", "127.0.0.1/32")  # the console (and the gateway's own proxy)
    return s


def browser(suite, address: str) -> httpx.Client:
    return httpx.Client(base_url=suite.url["gateway"] + "/console", timeout=30, follow_redirects=False,
                        transport=httpx.HTTPTransport(local_address=address))


def console_sign_in(b: httpx.Client, username: str, password: str, **headers: str) -> httpx.Response:
    form = b.get("/login")
    assert form.status_code == 200, form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return b.post("/login", headers=headers,
                  data={"username": username, "password": password, "csrf_token": token, "next": ""})


def test_two_browsers_through_the_console_are_throttled_separately(suite, gateway_settings):
    with browser(suite, "127.0.0.3") as a, browser(suite, "127.0.0.4") as b:
        for i in range(FAILURES):  # a new user name each time: only the address counts up
            assert console_sign_in(a, f"nobody{i}", "wrong").status_code == 401
        locked = console_sign_in(a, "coordinator", PASSWORDS["coordinator"])
        assert locked.status_code == 429 and "登录失败次数过多" in locked.text
        # the other browser, behind the same console, is not locked
        ok = console_sign_in(b, "coordinator", PASSWORDS["coordinator"])
        assert ok.status_code == 303, ok.text


def test_the_failed_sign_in_is_audited_with_the_browsers_address(suite, gateway_settings):
    with browser(suite, "127.0.0.5") as a:
        assert console_sign_in(a, "nobody-audit", "wrong").status_code == 401
    r = suite.client("auditor").get("/api/v1/audit/events", params={"action": "auth.sign_in",
                                                                    "actor": "nobody-audit"})
    assert r.status_code == 200, r.text
    assert [e["ip"] for e in r.json()["items"]] == ["127.0.0.5"]


def test_a_forwarded_for_from_an_untrusted_caller_is_ignored(suite, gateway_settings):
    """A caller that is not a trusted proxy cannot pick its address, neither at the gateway directly nor by
    sending the header to the console (the console appends the real peer; the gateway reads from the right)."""
    with browser(suite, "127.0.0.6") as a, browser(suite, "127.0.0.7") as b:
        for i in range(FAILURES):  # every guess claims another address
            assert console_sign_in(a, f"spoof{i}", "wrong", **{"X-Forwarded-For": f"203.0.113.{i}"}
                                   ).status_code == 401
        assert console_sign_in(a, "coordinator", PASSWORDS["coordinator"],
                               **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
        # straight at the gateway's token endpoint from an untrusted address: the header is ignored too
        direct = httpx.Client(base_url=suite.url["gateway"], timeout=30,
                              transport=httpx.HTTPTransport(local_address="127.0.0.7"))
        with direct:
            for i in range(FAILURES):
                r = direct.post("/oauth/token", headers={"X-Forwarded-For": f"192.0.2.{i}"},
                                data={"grant_type": "password", "client_id": "console", "username": f"direct{i}",
                                      "password": "wrong"})
                assert r.status_code == 400, r.text
            # the locked address is 127.0.0.7 whatever it claims, through the console as well
            assert console_sign_in(b, "auditor", PASSWORDS["auditor"],
                                   **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429
        with browser(suite, "127.0.0.8") as c:  # an honest third browser is unaffected
            assert console_sign_in(c, "auditor", PASSWORDS["auditor"]).status_code == 303


def test_services_audit_the_address_the_gateway_resolved(suite, gateway_settings):
    """The gateway's proxy appends the caller as it resolved it: a trusted proxy's (the console's) forwarded
    address, else the peer whatever the header claims; the service records that last entry."""
    token = suite.token("coordinator")
    room = {"name": "地址测试室", "location": "一楼", "capacity": 4, "features": []}

    def create_room(local: str, claimed: str) -> str:
        with httpx.Client(base_url=suite.url["gateway"], timeout=30,
                          transport=httpx.HTTPTransport(local_address=local)) as c:
            r = c.post("/api/v1/mediation/rooms", json={**room, "name": f"{room['name']}{claimed}"},
                       headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": claimed})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def audited_ip(room_id: str) -> list[str]:
        r = suite.client("auditor").get("/api/v1/audit/events", params={"service": "mediation",
                                                                        "object_id": room_id})
        assert r.status_code == 200, r.text
        return [e["ip"] for e in r.json()["items"]]

    assert audited_ip(create_room("127.0.0.1", "198.51.100.20")) == ["198.51.100.20"]  # from the trusted proxy
    assert audited_ip(create_room("127.0.0.9", "198.51.100.21")) == ["127.0.0.9"]  # a spoof from anyone else


def test_the_console_appends_its_peer_and_keeps_the_newest_hops():
    from services.console.gateway_api import forwarded_for

    def scope(peer, *xff: bytes):
        return {"client": (peer, 5555) if peer else None, "headers": [(b"x-forwarded-for", v) for v in xff]}

    assert forwarded_for(scope("127.0.0.3")) == "127.0.0.3"
    assert forwarded_for(scope("127.0.0.1", b"203.0.113.9", b"198.51.100.1, 127.0.0.3")) == \
        "203.0.113.9, 198.51.100.1, 127.0.0.3, 127.0.0.1"
    long = forwarded_for(scope("127.0.0.1", ", ".join(["192.0.2.1"] * 500).encode()))
    assert len(long) <= 1024 and long.endswith("192.0.2.1, 127.0.0.1")
    assert forwarded_for(scope(None)) is None
