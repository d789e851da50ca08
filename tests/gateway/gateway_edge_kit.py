"""Helpers for the gateway edge tests: an echo service, broken upstreams, extra gateways, forged tokens."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections import Counter

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.settings import DEV_KEY_DIR
from shared.testing import ServerThread, free_port

DEV_PEM = (DEV_KEY_DIR / "dev-signing-key.pem").read_text()
DEV_KEY = RSAKey.import_key(DEV_PEM)
ISSUER, AUDIENCE = "petition-suite-gateway", "petition-suite"


# -- an echo service standing in for mediation / lawyers --------------------------------------
class Echo:
    """Counts calls per path and answers with what it received."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.app = Starlette(routes=[
            Route("/api/v1/{svc}/slow", self.slow, methods=["GET", "POST"]),
            Route("/api/v1/{svc}/fail", self.fail, methods=["POST"]),
            Route("/api/v1/{svc}/conflict", self.conflict, methods=["POST"]),
            Route("/api/v1/{svc}/created", self.created, methods=["POST"]),
            Route("/api/v1/{svc}/{rest:path}", self.echo,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            Route("/internal/{rest:path}", self.echo, methods=["GET", "POST"]),
        ])
        self.server = ServerThread(self.app)
        self.url = self.server.url

    def count(self, path: str) -> int:
        return self.calls[path]

    async def echo(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        body = await request.body()
        return JSONResponse({
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode("latin-1"),
            "query": request.scope["query_string"].decode("latin-1"),
            "body": body.decode("utf-8", "replace"),
            "client_port": request.scope["client"][1],
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
        }, headers={"X-Upstream": "echo", "Set-Cookie": "upstream=1; Path=/"})

    async def slow(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        await asyncio.sleep(float(request.query_params.get("seconds", "5")))
        return JSONResponse({"slept": True}, status_code=201 if request.method == "POST" else 200)

    async def fail(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        return JSONResponse({"type": "about:blank", "title": "Internal error", "status": 500,
                             "code": "internal_error", "detail": "boom"}, status_code=500,
                            media_type="application/problem+json")

    async def conflict(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        return JSONResponse({"type": "urn:x", "title": "Conflict", "status": 409, "code": "slot_conflict",
                             "detail": "taken", "conflicts": [{"resource": "room", "id": "r1"}]},
                            status_code=409, media_type="application/problem+json")

    async def created(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        n = self.calls[request.url.path]
        return JSONResponse({"n": n, "body": (await request.body()).decode()}, status_code=201,
                            headers={"Location": f"/things/{n}"})


# -- upstreams that misbehave ---------------------------------------------------------------------
class BrokenServer:
    """A TCP server that reads a request, then closes (`close`) or answers garbage (`garbage`)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            try:
                conn.settimeout(2)
                conn.recv(65536)
                if self.mode == "garbage":
                    conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def stop(self) -> None:
        self._stop = True
        self.sock.close()


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


# -- extra gateways on the suite's gateway database ------------------------------------------------
def start_gateway(suite, **overrides) -> ServerThread:
    from services.gateway.main import create_app

    settings = {"database_url": suite.db_urls["gateway"], "suite_env": "test", "jobs_enabled": False,
                "mediation_url": suite.url["mediation"], "lawyers_url": suite.url["lawyers"],
                "gateway_url": suite.url["gateway"], "internal_port": 0}  # no internal listener unless asked
    settings.update(overrides)
    return ServerThread(create_app(**settings)).start()


def client(base: str, token: str | None = None, **headers) -> httpx.Client:
    h = dict(headers)
    if token:
        h["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=base, headers=h, timeout=30)


READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def echo():
    e = Echo()
    e.server.start()
    yield e
    e.server.stop()


@pytest.fixture(scope="module")
def gw(suite, echo):
    """A gateway whose mediation is the echo service and whose lawyers service is down."""
    g = start_gateway(suite, mediation_url=echo.url, lawyers_url=closed_port_url(), proxy_read_timeout=READ_TIMEOUT)
    yield g
    g.stop()


# -- forged and foreign tokens --------------------------------------------------------------------
def claims(**over) -> dict:
    now = int(time.time())
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "coordinator", "client_id": "console", "iat": now,
         "exp": now + 600, "jti": uuid.uuid4().hex, "roles": ["coordinator"]}
    c.update(over)
    return c


def sign(c: dict, key: RSAKey = DEV_KEY, kid: str | None = None, typ: str = "at+jwt") -> str:
    return jwt.encode({"alg": "RS256", "typ": typ, "kid": kid or key.thumbprint()}, c, key)


def fresh_key() -> RSAKey:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return RSAKey.import_key(pem)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict, c: dict) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(c).encode())


def bad_tokens() -> dict[str, str | None]:
    """Every token a service must refuse, by name (None: no Authorization header at all)."""
    dev_kid = DEV_KEY.thumbprint()
    public_pem = DEV_KEY.as_pem(private=False)
    hs_input = _compact({"alg": "HS256", "typ": "at+jwt", "kid": dev_kid}, claims())
    hs_sig = _b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest())
    good = sign(claims())
    head, _payload, sig = good.split(".")
    other = fresh_key()
    return {
        "no_token": None,
        "garbage": "not-a-jwt",
        "bad_signature": sign(claims(), key=other, kid=dev_kid),
        "tampered_payload": head + "." + _b64(json.dumps(claims(roles=["coordinator", "service"])).encode())
        + "." + sig,
        "alg_none": _compact({"alg": "none", "typ": "at+jwt", "kid": dev_kid}, claims()) + ".",
        "hs256_with_public_key": hs_input + "." + hs_sig,
        "wrong_aud": sign(claims(aud="someone-else")),
        "wrong_iss": sign(claims(iss="https://evil.example")),
        "expired": sign(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        "unknown_kid": sign(claims(), key=other, kid="k-" + uuid.uuid4().hex),
        "wrong_typ": sign(claims(), typ="JWT"),
    }


def raw_request(base: str, method: str, target: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """Send `target` exactly as written (no client-side normalisation); returns status, headers, body."""
    host, port = base.split("//", 1)[1].split(":")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *hdr_lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in hdr_lines:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(status_line.split()[1]), hdrs, body
