"""Tokens: each grant and refusal of /oauth/token, each bad token refused as 401 problem+json at the
gateway and at a service directly, roles, key rotation, and production refusing dev keys and secrets."""
from __future__ import annotations

import asyncio
import base64
import json
import os

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet as JoseKeySet

from shared.testing import free_port
from tests.gateway.gateway_edge_kit import DEV_KEY, bad_tokens, client, fresh_key, start_gateway
from tests.problem_kit import problem

TOKENS = bad_tokens()


def _header(token: str) -> dict:
    h = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))


def _decode(suite, token: str) -> dict:
    jwks = httpx.get(suite.url["gateway"] + "/.well-known/jwks.json").json()
    return jwt.decode(token, JoseKeySet.import_key_set(jwks), algorithms=["RS256"]).claims


# -- POST /oauth/token ---------------------------------------------------------------------------
def test_client_credentials_basic(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={"grant_type": "client_credentials"},
                   auth=("petition-system", "petition-system-dev-secret"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["scope"] == "petition_system"
    assert r.headers["cache-control"] == "no-store"
    c = _decode(suite, body["access_token"])
    assert c["sub"] == "petition-system" and c["client_id"] == "petition-system"
    assert c["roles"] == ["petition_system"]


def test_client_credentials_post(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "petition-system",
        "client_secret": "petition-system-dev-secret"})
    assert r.status_code == 200, r.text
    assert _decode(suite, r.json()["access_token"])["sub"] == "petition-system"


@pytest.mark.parametrize("how", ["basic", "post", "unknown_client"])
def test_bad_client_secret_is_401_invalid_client(suite, how):
    url = suite.url["gateway"] + "/oauth/token"
    if how == "basic":
        r = httpx.post(url, data={"grant_type": "client_credentials"}, auth=("petition-system", "wrong"))
    elif how == "post":
        r = httpx.post(url, data={"grant_type": "client_credentials", "client_id": "petition-system",
                                  "client_secret": "wrong"})
    else:
        r = httpx.post(url, data={"grant_type": "client_credentials"}, auth=("nobody", "x"))
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert "www-authenticate" in r.headers


def test_password_grant_and_token_claims(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data={
        "grant_type": "password", "client_id": "console", "username": "coordinator", "password": "coordinator-dev"})
    assert r.status_code == 200, r.text
    body = r.json()
    token = body["access_token"]
    header = _header(token)
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256"
    jwks = httpx.get(suite.url["gateway"] + "/.well-known/jwks.json").json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k for k in jwks["keys"])  # public halves only
    c = _decode(suite, token)
    assert {"iss", "aud", "sub", "client_id", "exp", "iat", "jti", "roles"} <= set(c)
    assert c["iss"] == "petition-suite-gateway" and c["aud"] == "petition-suite"
    assert c["sub"] == "coordinator" and c["client_id"] == "console" and c["roles"] == ["coordinator"]
    assert c["exp"] - c["iat"] == body["expires_in"]
    again = httpx.post(suite.url["gateway"] + "/oauth/token", data={
        "grant_type": "password", "client_id": "console", "username": "coordinator", "password": "coordinator-dev"})
    assert _decode(suite, again.json()["access_token"])["jti"] != c["jti"]


@pytest.mark.parametrize("form,status,error", [
    ({"grant_type": "password", "client_id": "console", "username": "coordinator", "password": "wrong"},
     400, "invalid_grant"),
    ({"grant_type": "password", "client_id": "console", "username": "nobody", "password": "x"},
     400, "invalid_grant"),
    ({"grant_type": "authorization_code", "code": "x"}, 400, "unsupported_grant_type"),
    ({"client_id": "console"}, 400, "invalid_request"),
    ({"grant_type": "password", "client_id": "console", "username": "coordinator"}, 400, "invalid_request"),
    ({"grant_type": "password", "client_id": "petition-system", "username": "coordinator",
      "password": "coordinator-dev"}, 400, "unauthorized_client"),
])
def test_token_refusals(suite, form, status, error):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", data=form)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error


def test_token_request_must_be_form_encoded(suite):
    r = httpx.post(suite.url["gateway"] + "/oauth/token", json={"grant_type": "client_credentials"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


# -- bad tokens: 401 problem+json at the gateway and at each service ------------------------------
@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_gateway_refuses_bad_token(suite, kind):
    with client(suite.url["gateway"], TOKENS[kind]) as c:
        for path in ("/api/v1/mediation/rooms", "/api/v1/lawyers/lawyers"):
            body = problem(c.get(path), 401)
            assert body["code"] in ("unauthorized", "invalid_token", "token_expired")
        r = c.post("/api/v1/mediation/rooms", json={"name": "x", "capacity": 2})
        problem(r, 401)
        assert r.headers["www-authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("svc", ["mediation", "lawyers"])
@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_service_refuses_bad_token_directly(suite, svc, kind):
    with client(suite.url[svc], TOKENS[kind]) as c:
        problem(c.post("/internal/events", json={"events": []}), 401)
        public = "/api/v1/mediation/rooms" if svc == "mediation" else "/api/v1/lawyers/lawyers"
        problem(c.get(public), 401)


def test_expired_token_says_so(suite):
    with client(suite.url["gateway"], TOKENS["expired"]) as c:
        assert problem(c.get("/api/v1/mediation/rooms"), 401)["code"] == "token_expired"


def test_good_token_is_accepted_everywhere(suite):
    for base in (suite.url["gateway"], suite.url["mediation"]):
        with client(base, suite.token("auditor")) as c:
            assert c.get("/api/v1/mediation/rooms").status_code == 200


# -- roles --------------------------------------------------------------------------------------
@pytest.mark.parametrize("svc", ["mediation", "lawyers"])
@pytest.mark.parametrize("who", ["coordinator", "petition-system", "auditor"])
def test_internal_events_take_only_service_tokens(suite, svc, who):
    with client(suite.url[svc], suite.token(who)) as c:
        problem(c.post("/internal/events", json={"events": []}), 403, "forbidden")
    with client(suite.url[svc], suite.token(f"{svc}-service")) as c:
        r = c.post("/internal/events", json={"events": []})
        assert r.status_code == 200, r.text


def test_write_without_role_is_403(suite):
    with suite.client("auditor") as c:
        problem(c.post("/api/v1/mediation/rooms", json={"name": "一号调解室", "capacity": 6}), 403, "forbidden")
    with suite.client("coordinator") as c:
        assert c.post("/api/v1/mediation/rooms", json={"name": "一号调解室", "capacity": 6}).status_code == 201


# -- key rotation -------------------------------------------------------------------------------
def test_key_rotation_two_keys_published_and_both_verify(suite, tmp_path):
    from services.gateway.settings import DEV_SIGNING_KEY
    from services.mediation.main import create_app as mediation_app
    from shared.auth import TokenSigner
    from shared.testing import ServerThread

    new = fresh_key()
    new_pem = tmp_path / "new.pem"
    new_pem.write_bytes(new.as_pem(private=True))
    med_port = free_port()
    internal_port = free_port()
    gw = start_gateway(suite, signing_keys=f"{new_pem},{DEV_SIGNING_KEY}",
                       mediation_url=f"http://127.0.0.1:{med_port}", internal_port=internal_port)
    med = None
    try:
        jwks = httpx.get(gw.url + "/.well-known/jwks.json").json()
        assert {k["kid"] for k in jwks["keys"]} == {new.thumbprint(), DEV_KEY.thumbprint()}
        # A mediation service that trusts this gateway's JWKS (and that this gateway forwards to).
        med = ServerThread(mediation_app(database_url=suite.db_urls["mediation"], suite_env="test",
                                         jobs_enabled=False, gateway_url=gw.url), port=med_port).start()
        r = httpx.post(f"http://127.0.0.1:{internal_port}/internal/oauth/token",
                       data={"grant_type": "client_credentials"},
                       auth=("mediation-service", "mediation-service-dev-secret"))
        new_token = r.json()["access_token"]
        assert _header(new_token)["kid"] == new.thumbprint()  # the first key signs
        old_token = TokenSigner([DEV_SIGNING_KEY.read_text()], "petition-suite-gateway", "petition-suite").issue(
            "coordinator", "console", ["coordinator"])[0]
        person = httpx.post(gw.url + "/oauth/token", data={
            "grant_type": "password", "client_id": "console", "username": "auditor", "password": "auditor-dev"})
        new_person = person.json()["access_token"]
        with client(med.url, new_token) as c:
            assert c.post("/internal/events", json={"events": []}).status_code == 200
        for token in (new_person, old_token):
            with client(med.url, token) as c:  # straight to the service
                assert c.get("/api/v1/mediation/rooms").status_code == 200
            with client(gw.url, token) as c:  # through the rotated gateway
                assert c.get("/api/v1/mediation/rooms").status_code == 200
    finally:
        if med:
            med.stop()
        gw.stop()


# -- production refuses dev keys and dev secrets -------------------------------------------------
def _run_lifespan(app) -> None:
    async def go():
        async with app.router.lifespan_context(app):
            pass
    asyncio.run(go())


def test_prod_refuses_the_dev_signing_key(tmp_path):
    from services.gateway.main import create_app

    app = create_app(suite_env="prod", database_url=f"sqlite:///{tmp_path / 'g.db'}", jobs_enabled=False)
    with pytest.raises(RuntimeError, match="signing key"):
        _run_lifespan(app)


def test_prod_refuses_dev_secrets(tmp_path):
    from services.gateway.main import create_app
    from services.lawyers.main import create_app as lawyers_app
    from services.mediation.main import create_app as mediation_app

    key = tmp_path / "prod.pem"
    key.write_bytes(fresh_key().as_pem(private=True))
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(RuntimeError, match="development secrets"):
        _run_lifespan(create_app(suite_env="prod", database_url=url, jobs_enabled=False, signing_keys=str(key),
                                 service_client_secret="gateway-service-dev-secret"))
    for factory in (mediation_app, lawyers_app):  # their default machine secrets are the dev ones
        with pytest.raises(RuntimeError, match="development secrets"):
            _run_lifespan(factory(suite_env="prod", database_url=url, jobs_enabled=False))


def test_prod_starts_with_its_own_key_and_secrets(tmp_path):
    from services.gateway.main import create_app
    from shared import migrate

    key = tmp_path / "prod.pem"
    key.write_bytes(fresh_key().as_pem(private=True))
    url = f"sqlite:///{tmp_path / 'g.db'}"
    migrate.upgrade("gateway", url)
    from cryptography.fernet import Fernet

    _run_lifespan(create_app(suite_env="prod", database_url=url, jobs_enabled=False, signing_keys=str(key),
                             webhook_sealing_keys=Fernet.generate_key().decode(), cursor_secret="a-real-cursor-secret",
                             handoff_pii_keys="h1:" + base64.b64encode(os.urandom(32)).decode()))
