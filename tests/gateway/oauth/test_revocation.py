"""Issue 13 item 8: disabling a user revokes their tokens within a minute, at the gateway and at each
service (`python -m services.gateway.cli disable-user NAME`; shared/revocation.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from shared.settings import REPO_ROOT
from tests.gateway.gateway_edge_kit import client

PASSWORD = "a-long-test-password"


def _user(suite, roles=("coordinator",)) -> str:
    from services.gateway.oauth.service import create_user

    name = "rv" + uuid.uuid4().hex[:10]
    with suite.db("gateway").session() as s:
        create_user(s, name, PASSWORD, list(roles), "吊销测试")
    return name


def _token(suite, name: str) -> httpx.Response:
    return httpx.post(suite.url["gateway"] + "/oauth/token", data={
        "grant_type": "password", "client_id": "console", "username": name, "password": PASSWORD})


def _cli(suite, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GATEWAY_DATABASE_URL": suite.db_urls["gateway"], "SUITE_ENV": "test"}
    return subprocess.run([sys.executable, "-m", "services.gateway.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def _poll_all(suite) -> None:
    """What each process's poller does every REVOCATION_POLL_SECONDS (≤ 30 s), done now."""
    for svc in ("gateway", "mediation", "lawyers"):
        assert suite.servers[svc].call(suite.app[svc].state.revocation_poller.poll()) is True, svc


def _reads(suite, token: str) -> list[int]:
    with client(suite.url["gateway"], token) as gw, client(suite.url["mediation"], token) as med, \
            client(suite.url["lawyers"], token) as law:
        return [gw.get("/api/v1/mediation/rooms").status_code,  # the edge, then mediation
                gw.get("/api/v1/events/dead-letters").status_code,  # the gateway's own route
                med.get("/api/v1/mediation/rooms").status_code,  # straight to each service
                law.get("/api/v1/lawyers/lawyers").status_code]


def test_a_disabled_users_token_is_refused_everywhere(suite):
    name = _user(suite)
    r = _token(suite, name)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert _reads(suite, token) == [200, 200, 200, 200]
    done = _cli(suite, "disable-user", name)
    assert done.returncode == 0, done.stderr
    _poll_all(suite)
    assert _reads(suite, token) == [401, 401, 401, 401]
    with client(suite.url["gateway"], token) as gw:
        body = gw.get("/api/v1/mediation/rooms").json()
        assert body["code"] == "token_revoked"
    assert _token(suite, name).status_code == 400  # no new token either
    # enabled again: a new token works, the old one stays refused
    assert _cli(suite, "enable-user", name).returncode == 0
    time.sleep(1.1)  # a new token's iat after the revocation instant (whole seconds)
    fresh = _token(suite, name)
    assert fresh.status_code == 200
    assert _reads(suite, fresh.json()["access_token"]) == [200, 200, 200, 200]
    assert _reads(suite, token)[0] == 401


def test_the_pollers_run_by_themselves_within_the_bound(suite, monkeypatch):
    """Every process refreshes its list on its own every REVOCATION_POLL_SECONDS (10 s by default, ≤ 30)."""
    for svc in ("gateway", "mediation", "lawyers"):
        poller = suite.app[svc].state.revocation_poller
        assert poller._task is not None and not poller._task.done(), svc
        assert poller.interval <= 30
        monkeypatch.setattr(poller, "interval", 0.2)
        suite.servers[svc].call(poller.stop())  # restarted at once with the short interval
        suite.servers[svc].loop.call_soon_threadsafe(poller.start)
    name = _user(suite)
    token = _token(suite, name).json()["access_token"]
    assert _reads(suite, token) == [200, 200, 200, 200]
    assert _cli(suite, "disable-user", name).returncode == 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _reads(suite, token) != [401, 401, 401, 401]:
        time.sleep(0.2)
    assert _reads(suite, token) == [401, 401, 401, 401]


def test_services_fetch_the_list_only_from_the_internal_listener(suite):
    token = suite.app["gateway"].state.hub.service_token()
    r = httpx.get(suite.internal_url + "/internal/revocations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "revoked" in r.json()
    r = httpx.get(suite.url["gateway"] + "/internal/revocations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404
    r = httpx.get(suite.internal_url + "/internal/revocations",
                  headers={"Authorization": f"Bearer {suite.token('coordinator')}"})
    assert r.status_code == 403


def test_cli_refuses_an_unknown_account(suite):
    done = _cli(suite, "disable-user", "no-such-user-" + uuid.uuid4().hex[:6])
    assert done.returncode == 2 and "no such account" in done.stderr


@pytest.mark.parametrize("iat_offset, refused", [(-5, True), (0, True), (5, False)])
def test_revocation_compares_the_tokens_issue_time(iat_offset, refused):
    from shared.auth import Principal
    from shared.errors import Unauthorized
    from shared.revocation import Revocations

    rv = Revocations()
    rv.add("zhang", 1000.0)
    p = Principal(sub="zhang", client_id="console", roles=frozenset({"coordinator"}),
                  claims={"iat": 1000 + iat_offset})
    if refused:
        with pytest.raises(Unauthorized):
            rv.check(p)
    else:
        rv.check(p)


def test_a_kept_room_answer_is_refused_to_a_disabled_users_token(suite):
    """The room answer kept in mediation (services/mediation/room/shortcut.py) still checks revocation."""
    coordinator = client(suite.url["gateway"], suite.token("coordinator"))
    with coordinator:
        room = coordinator.post("/api/v1/mediation/rooms", json={"name": "吊销测试室", "capacity": 4}).json()
    name = _user(suite, roles=("auditor",))
    token = _token(suite, name).json()["access_token"]
    url = f"/api/v1/mediation/rooms/{room['id']}"
    with client(suite.url["mediation"], token) as med:
        assert med.get(url).status_code == 200
        assert suite.app["mediation"].state.room_answers.get(room["id"]) is not None  # now kept
        assert med.get(url).status_code == 200
        assert _cli(suite, "disable-user", name).returncode == 0
        _poll_all(suite)
        refused = med.get(url)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
