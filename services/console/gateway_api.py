"""The console's one road to data: the public API through the gateway, with the person's own token.

One `httpx.AsyncClient` per process. Every call asks for Chinese problem
details (`Accept-Language: zh-CN`). A problem answer becomes `ApiError` (the
pages show its Chinese detail and per-field errors); a gateway that cannot be
reached becomes `ApiUnavailable` (the pages say so, never a traceback).

Every call carries the browser's address on (`X-Forwarded-For`: the chain the
browser's request came with plus the address that sent it to the console), so
the gateway's per-address sign-in throttle and audit see people, not the
console; the gateway believes the header only from GATEWAY_TRUSTED_PROXIES.
"""
from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import orjson

log = logging.getLogger("console.api")


class ApiError(Exception):
    """A 4xx/5xx problem+json answer from the API."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code: str = problem.get("code") or ""
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"请求失败 ({self.status})")

    def field_errors(self) -> dict[str, str]:
        """`{field: message}` from a 422's `errors` (the last path element names the field)."""
        out: dict[str, str] = {}
        for e in self.problem.get("errors") or []:
            name = e.get("field") or ""
            loc = e.get("loc")
            if not name and isinstance(loc, list) and loc:
                name = str(loc[-1])
            name = str(name).split(".")[-1]
            if name and name not in out:
                out[name] = str(e.get("message") or e.get("msg") or "格式不正确")
        return out


class ApiUnavailable(Exception):
    """The gateway (or a service behind it) cannot be reached just now."""


class SignInThrottled(Exception):
    """Too many failed sign-ins for this user name or address: the gateway asks to wait."""

    def __init__(self, retry_after: str) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


class SignInRequired(Exception):
    """The person's token was refused (expired, revoked): they must sign in again."""


def forwarded_for(scope) -> str | None:
    """`X-Forwarded-For` for a call made on behalf of this request (转发客户端地址): the chain it came with
    (from the gateway's proxy, or whoever sent it), then the peer that sent it to us, as any proxy appends."""
    chain = [hop.strip() for k, v in scope.get("headers") or () if k == b"x-forwarded-for"
             for hop in v.decode("latin-1").split(",") if hop.strip()]
    client = scope.get("client")
    if client:
        chain.append(client[0])
    while len(chain) > 1 and sum(len(h) + 2 for h in chain) > 1024:
        chain.pop(0)  # a bounded header; the gateway reads it from the right, so the oldest hops go first
    return ", ".join(chain) or None


def with_forwarded(headers: dict[str, str], forwarded: str | None) -> dict[str, str]:
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return headers


class GatewayApi:
    def __init__(self, base_url: str, timeout: float, client_id: str = "console") -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                      headers={"Accept-Language": "zh-CN", "Accept": "application/json"},
                                      # idle connections dropped before the gateway's own keep-alive (5 s)
                                      limits=httpx.Limits(max_connections=100, max_keepalive_connections=20,
                                                          keepalive_expiry=2.0))

    async def close(self) -> None:
        await self.http.aclose()

    async def sign_in(self, username: str, password: str, forwarded: str | None = None) -> dict[str, Any] | None:
        """The token answer for a person, or None for a wrong user name or password. `forwarded`: the
        browser's `X-Forwarded-For` chain (`forwarded_for(request.scope)`)."""
        try:
            r = await self.http.post("/oauth/token", data={"grant_type": "password", "client_id": self.client_id,
                                                           "username": username, "password": password},
                                     headers=with_forwarded({}, forwarded))
        except httpx.HTTPError as e:
            log.warning("gateway unreachable at sign-in", extra={"error": type(e).__name__})
            raise ApiUnavailable() from e
        if r.status_code == 429:
            raise SignInThrottled(r.headers.get("Retry-After") or "60")
        if r.status_code in (400, 401):
            return None
        if r.status_code != 200:
            raise ApiUnavailable()
        return r.json()

    async def request(self, token: str, method: str, path: str, *, params: dict | None = None,
                      json: Any = None, forwarded: str | None = None) -> Any:
        """Call `/api/v1{path}`; the decoded JSON answer (None for an empty body)."""
        if params:
            params = {k: v for k, v in params.items() if v not in (None, "")}
        try:
            r = await self.http.request(method, "/api/v1" + path, params=params, json=json,
                                        headers=with_forwarded({"Authorization": f"Bearer {token}"}, forwarded))
        except httpx.HTTPError as e:
            log.warning("gateway unreachable", extra={"path": path, "error": type(e).__name__})
            raise ApiUnavailable() from e
        if r.status_code == 401:
            raise SignInRequired()
        if r.status_code >= 500 and r.status_code in (502, 503, 504):
            raise ApiUnavailable()
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                problem = {"detail": f"请求失败 ({r.status_code})"}
            raise ApiError(r.status_code, problem if isinstance(problem, dict) else {})
        if not r.content:
            return None
        if r.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
            return orjson.loads(r.content)
        return r.content

    async def get(self, token: str, path: str, *, forwarded: str | None = None, **params: Any) -> Any:
        return await self.request(token, "GET", path, params=params, forwarded=forwarded)

    async def post(self, token: str, path: str, body: Any = None, forwarded: str | None = None) -> Any:
        return await self.request(token, "POST", path, json=body if body is not None else {}, forwarded=forwarded)

    async def put(self, token: str, path: str, body: Any = None, forwarded: str | None = None) -> Any:
        return await self.request(token, "PUT", path, json=body if body is not None else {}, forwarded=forwarded)

    async def get_all(self, token: str, path: str, *, cap: int = 1000, forwarded: str | None = None,
                      **params: Any) -> list[dict]:
        """Every item of a paginated list (following `next_cursor`), at most `cap`."""
        items: list[dict] = []
        cursor = None
        while True:
            page = await self.get(token, path, limit=200, cursor=cursor, forwarded=forwarded, **params)
            items.extend(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor or len(items) >= cap:
                return items[:cap]


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a token the gateway just issued to us (read, not verified: it came straight from it)."""
    try:
        payload = token.split(".")[1]
        return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
