"""Malformed and forged tokens are a 401 problem+json everywhere, never a 500 and never accepted:
headers with `kid`/`typ`/`alg` of the wrong JSON type, `alg: none`, HS256 keyed with the public key,
wrong iss/aud/kid/typ, expired, `nbf` in the future, and claims of the wrong type. Checked at the
gateway (proxied and its own routes) and at each service's own port."""
from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from shared.auth import CLOCK_SKEW
from tests.gateway.gateway_edge_kit import DEV_KEY, DEV_PEM, _b64, _compact, bad_tokens, claims
from tests.problem_kit import problem

PRIVATE = serialization.load_pem_private_key(DEV_PEM.encode(), None)
KID = DEV_KEY.thumbprint()


def rs256(header: dict, payload) -> str:
    """Sign anything with the real dev key, bypassing joserfc's own header checks (as a forger's tool would)."""
    signing_input = _b64(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": KID, **header}).encode()) + "." \
        + _b64(json.dumps(payload).encode())
    return signing_input + "." + _b64(PRIVATE.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))


def no_alg(header: dict) -> str:
    return _compact(header, claims()) + "." + _b64(b"x" * 256)


def forged() -> dict[str, str]:
    now = int(time.time())
    known = {k: v for k, v in bad_tokens().items() if v is not None}  # alg none, HS256 + public key, wrong iss/aud/...
    return known | {
        "kid_list": rs256({"kid": [KID]}, claims()),
        "kid_number": rs256({"kid": 7}, claims()),
        "kid_object": rs256({"kid": {"id": KID}}, claims()),
        "kid_missing": no_alg({"alg": "RS256", "typ": "at+jwt"}),
        "typ_number": rs256({"typ": 1}, claims()),
        "typ_list": rs256({"typ": ["at+jwt"]}, claims()),
        "alg_missing": no_alg({"typ": "at+jwt", "kid": KID}),
        "alg_number": no_alg({"alg": 256, "typ": "at+jwt", "kid": KID}),
        "alg_list": no_alg({"alg": ["RS256"], "typ": "at+jwt", "kid": KID}),
        "alg_none_upper": no_alg({"alg": "None", "typ": "at+jwt", "kid": KID}),
        "header_not_object": _b64(b"[1,2]") + "." + _b64(json.dumps(claims()).encode()) + ".c2ln",
        "header_not_json": _b64(b"\xff\xfe") + "." + _b64(json.dumps(claims()).encode()) + ".c2ln",
        "payload_not_object": rs256({}, ["coordinator"]),
        "nbf_future": rs256({}, claims(nbf=now + CLOCK_SKEW + 600)),
        "nbf_string": rs256({}, claims(nbf="now")),
        "exp_string": rs256({}, claims(exp="never")),
        "exp_huge": rs256({}, claims(exp=10 ** 400)),
        "exp_missing": rs256({}, {k: v for k, v in claims().items() if k != "exp"}),
        "iat_object": rs256({}, claims(iat={"t": now})),
        "roles_objects": rs256({}, claims(roles=[{"role": "coordinator"}, ["service"]])),
        "sub_object": rs256({}, claims(sub={"id": "coordinator"})),
        "name_list": rs256({}, claims(name=["张三"])),
        "aud_object": rs256({}, claims(aud={"aud": "petition-suite"})),
        "iss_list": rs256({}, claims(iss=["petition-suite-gateway"])),
        "three_dots": "a.b.c.d",
        "non_ascii": "令牌.令牌.令牌",
    }


# Only the kinds are fixed at collection: each test signs its tokens anew, so a slow run never turns a
# forgery into a merely expired token (claims() expire 10 minutes after they are made).
KINDS = sorted(forged())
SERVICE_PATHS = {"mediation": "/api/v1/mediation/rooms", "lawyers": "/api/v1/lawyers/lawyers"}


def check_401(r) -> dict:
    body = problem(r, 401)
    assert body["code"] in ("unauthorized", "invalid_token", "token_expired"), body
    assert r.headers["www-authenticate"].lower().startswith("bearer")
    return body


@pytest.mark.parametrize("kind", KINDS)
def test_gateway_refuses(suite, kind):
    c = suite.client(None)
    auth = {"Authorization": f"Bearer {forged()[kind]}".encode()}  # bytes: the non-ASCII token goes out as UTF-8
    for path in (*SERVICE_PATHS.values(), "/api/v1/events", "/api/v1/webhooks"):
        check_401(c.get(path, headers=auth))


@pytest.mark.parametrize("svc", sorted(SERVICE_PATHS))
@pytest.mark.parametrize("kind", KINDS)
def test_service_refuses_on_its_own_port(suite, svc, kind):
    c = suite.direct(svc, None)
    auth = {"Authorization": f"Bearer {forged()[kind]}".encode()}
    check_401(c.get(SERVICE_PATHS[svc], headers=auth))
    check_401(c.post("/internal/events", json={"events": []}, headers=auth))


def test_nbf_within_the_clock_skew_is_accepted_and_past_nbf_too(suite):
    now = int(time.time())
    for nbf in (now + CLOCK_SKEW - 10, now - 60):
        token = rs256({}, claims(nbf=nbf))
        assert suite.client(None).get("/api/v1/mediation/rooms", headers={"Authorization": f"Bearer {token}"}
                                      ).status_code == 200
        assert suite.direct("lawyers", None).get("/api/v1/lawyers/lawyers",
                                                 headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_future_nbf_says_why(suite):
    body = check_401(suite.direct("mediation", None).get(
        "/api/v1/mediation/rooms", headers={"Authorization": f"Bearer {forged()['nbf_future']}"}))
    assert body["code"] == "invalid_token" and "nbf" in body["detail"]


def test_refusal_in_chinese(suite):
    headers = {"Authorization": f"Bearer {forged()['kid_list']}", "Accept-Language": "zh-CN"}
    for c in (suite.client(None), suite.direct("mediation", None)):
        r = c.get("/api/v1/mediation/rooms", headers=headers)
        body = check_401(r)
        assert body["detail"] == "访问令牌无效，请重新登录。" and r.headers["content-language"] == "zh-CN"
    body = check_401(suite.client(None).get("/api/v1/lawyers/lawyers", headers={"Accept-Language": "zh-CN"}))
    assert "令牌" in body["detail"]
