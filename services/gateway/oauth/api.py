"""`POST /oauth/token` (RFC 6749) and `GET /.well-known/jwks.json`."""
from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.db import DbSession
from services.gateway.oauth.service import OAuthError, client_credentials, password_grant

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
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
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


@router.post("/oauth/token")
async def token(request: Request, session: DbSession):
    """Issue an access token. Form-encoded per RFC 6749; errors per §5.2."""
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
            body = await to_thread.run_sync(client_credentials, session, signer, cid, secret)
        elif grant == "password":
            body = await to_thread.run_sync(password_grant, session, signer, str(form.get("client_id") or ""),
                                            str(form.get("username") or ""), str(form.get("password") or ""))
        elif not grant:
            raise OAuthError("invalid_request", "grant_type is required.")
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported.")
    except OAuthError as e:
        return _error(e)
    return JSONResponse(body, headers=NO_STORE)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request):
    return JSONResponse(request.app.state.signer.jwks(), headers={"Cache-Control": "public, max-age=300"})
