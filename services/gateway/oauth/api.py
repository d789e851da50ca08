"""`POST /oauth/token` (RFC 6749) and `GET /.well-known/jwks.json`."""
from __future__ import annotations

import base64
import binascii
from functools import partial
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.gateway.oauth.docs import TOKEN_OPENAPI, TOKEN_RESPONSES
from services.gateway.oauth.service import OAuthError, client_credentials, password_grant
from services.gateway.oauth.throttle import HashBusy, HashGate, SignInThrottle, keys_for
from services.gateway.ratelimit.clientip import client_ip, parse_trusted
from shared import audit
from shared.db import DbSession
from shared.errors import problem

router = APIRouter(tags=["oauth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _basic(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
    cid, sep, secret = raw.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
    return unquote(cid), unquote(secret)


def _error(e: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if e.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="petition-suite"'
    return JSONResponse({"error": e.error, "error_description": e.description}, status_code=e.status,
                        headers=headers)


@router.post("/oauth/token", responses=TOKEN_RESPONSES, openapi_extra=TOKEN_OPENAPI)
async def token(request: Request, session: DbSession):
    """Issue an access token. Form-encoded per RFC 6749; errors per §5.2. Never a `service` token: the
    suite's services get theirs from `POST /internal/oauth/token` on the internal listener."""
    return await _token(request, session, allow_service=False)


@router.post("/internal/oauth/token", tags=["internal"], include_in_schema=False)
async def internal_token(request: Request, session: DbSession):
    """The token endpoint of the internal listener (the only place a `service` token is issued)."""
    return await _token(request, session, allow_service=True)


async def _token(request: Request, session: DbSession, *, allow_service: bool):
    form = None  # audit: who tried to sign in
    try:
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            raise OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded.")
        form = await request.form()
        grant = form.get("grant_type")
        from anyio import to_thread
        signer = request.app.state.signer
        if grant == "client_credentials":
            basic = _basic(request)
            if basic and form.get("client_secret"):
                raise OAuthError("invalid_request", "Use one client authentication method, not two.")
            cid, secret = basic or (str(form.get("client_id") or ""), str(form.get("client_secret") or ""))
            async with hash_gate(request.app):  # at most N secret hashes at once (throttle.py)
                body = await to_thread.run_sync(partial(client_credentials, allow_service=allow_service),
                                                session, signer, cid, secret)
        elif grant == "password":
            username = str(form.get("username") or "")
            throttle, keys = sign_in_throttle(request.app), keys_for(username, request_ip(request))
            wait = throttle.retry_after(keys)
            if wait:  # locked after repeated failures: no hashing, the right password too (throttle.py)
                return _throttled(request, wait)
            try:
                async with hash_gate(request.app):
                    body = await to_thread.run_sync(password_grant, session, signer,
                                                    str(form.get("client_id") or ""), username,
                                                    str(form.get("password") or ""))
            except OAuthError as e:
                if e.error == "invalid_grant":
                    throttle.failed(keys)
                raise
            throttle.succeeded(keys[0])
        elif not grant:
            raise OAuthError("invalid_request", "grant_type is required.")
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported.")
    except OAuthError as e:
        _record_sign_in(request, session, form, None, e)
        return _error(e)
    except HashBusy:
        return problem(503, "sign_in_busy", "Service unavailable",
                       "Too many sign-ins are being checked right now; retry in a moment.", request=request,
                       headers={**NO_STORE, "Retry-After": "1"}, detail_zh="当前登录请求过多，请稍后重试。",
                       error="temporarily_unavailable")
    _record_sign_in(request, session, form, body, None)
    return JSONResponse(body, headers=NO_STORE)


def sign_in_throttle(app) -> SignInThrottle:
    t = getattr(app.state, "sign_in_throttle", None)
    if t is None:
        t = app.state.sign_in_throttle = SignInThrottle(app.state.settings)
    return t


def hash_gate(app) -> HashGate:
    g = getattr(app.state, "hash_gate", None)
    if g is None:
        s = app.state.settings
        g = app.state.hash_gate = HashGate(s.password_hash_concurrency, s.password_hash_wait_seconds)
    return g


def request_ip(request: Request) -> str:
    """The caller's address: X-Forwarded-For only from GATEWAY_TRUSTED_PROXIES (ratelimit/clientip.py)."""
    return client_ip(request.scope, parse_trusted(request.app.state.settings.trusted_proxies))


def _throttled(request: Request, wait: int):
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.refused("sign_in")  # rate_limit_refusals_total{limit="sign_in"}
    return problem(429, "too_many_sign_in_failures", "Too many requests",
                   f"Too many failed sign-ins for this user name or address; retry in {wait} s.", request=request,
                   headers={**NO_STORE, "Retry-After": str(wait)},
                   detail_zh=f"登录失败次数过多，请 {wait} 秒后重试。", error="too_many_attempts", retry_after=wait)


def _record_sign_in(request: Request, session, form, body: dict | None, error: OAuthError | None) -> None:
    """Audit: a sign-in or a failed one (actor: the user name or client id given), in this transaction."""
    grant = str(form.get("grant_type") or "")[:40] if form is not None else ""
    client_id = str(form.get("client_id") or "") if form is not None else ""
    if grant == "password":
        actor, object_type = str(form.get("username") or ""), "user"
    else:
        try:
            basic = _basic(request)
        except OAuthError:
            basic = None
        actor = client_id = basic[0] if basic else client_id
        object_type = "client"
    detail = {"grant_type": grant}
    if error is not None:
        detail["error"] = error.error
    roles = (body or {}).get("scope", "").split()
    audit.record(session, "auth.sign_in", request=request, actor=actor[:200], roles=roles, client_id=client_id[:200],
                 object_type=object_type, object_id=actor[:200], outcome="failure" if error else "success",
                 detail=detail)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request):
    return JSONResponse(request.app.state.signer.jwks(), headers={"Cache-Control": "public, max-age=300"})
