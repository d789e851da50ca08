"""The gateway's edge (网关入口): one pure-ASGI layer in front of every route.

In order, for each HTTP request (after the request id is assigned):
1. refuse paths aimed at internal routes, whatever their spelling -> 404;
2. verify the bearer token itself (cached until the token expires); on the
   proxied prefixes a missing or bad token is a 401 and nothing is forwarded;
3. the per-client rate limit -> 429 with Retry-After;
4. `Idempotency-Key` on POST (every POST but `/oauth/token`);
5. forward `/api/v1/mediation/...` and `/api/v1/lawyers/...` to the service,
   everything else goes on to the gateway's own routes.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager

from starlette.middleware import Middleware

from services.gateway.idempotency.service import KEY_HEADER, Idempotency, IdempotencyStore
from services.gateway.internal_listener import is_internal_path, on_internal_listener
from services.gateway.proxy.forwarder import Forwarder, make_forwarder
from services.gateway.proxy.guard import TOKENLESS, ProxyRoute, refusal, target_service
from services.gateway.ratelimit.clientip import client_ip, parse_trusted
from services.gateway.ratelimit.limiter import make_limiter
from services.gateway.webhook.sealing import box
from shared.asgi import bearer_token, header, send_problem
from shared.auth import CLOCK_SKEW, Principal, TokenVerifier
from shared.errors import Unauthorized

NOT_LIMITED = ("/healthz", "/readyz", "/metrics", "/.well-known/", "/internal/")


ROUTES = {"mediation": ProxyRoute("/api/v1/mediation/{path}"), "lawyers": ProxyRoute("/api/v1/lawyers/{path}"),
          "console": ProxyRoute("/console/{path}")}


class TokenCache:
    """Verified tokens by their text, until they expire: the signature is checked once per token."""

    def __init__(self, verifier: TokenVerifier, size: int) -> None:
        self.verifier = verifier
        self.size = size
        self._seen: dict[str, Principal] = {}

    async def principal(self, token: str) -> Principal:
        p = self._seen.get(token)
        if p is not None:
            if p.claims.get("exp", 0) + CLOCK_SKEW >= time.time():
                return self.verifier.check_revoked(p)  # a disabled user's token: 401 (shared/revocation.py)
            self._seen.pop(token, None)
        p = await self.verifier.verify(token)
        if self.size > 0:
            if len(self._seen) >= self.size:
                self._seen.clear()
            self._seen[token] = p
        return p

    def clear(self) -> None:
        self._seen.clear()


class Edge:
    """The edge's per-process state: the proxy client, the limiter, idempotency, the token cache."""

    def __init__(self, settings, db, verifier: TokenVerifier, metrics=None, tracing=None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.forwarder: Forwarder = make_forwarder(settings, metrics=metrics, tracing=tracing)
        self.limiter = make_limiter(settings)
        self.idempotency = Idempotency(IdempotencyStore(db, settings.idempotency_ttl_hours,
                                                        settings.idempotency_lock_seconds),
                                       settings.proxy_max_body_bytes,
                                       sealer=box(settings.webhook_sealing_keys))  # idempotency/redact.py
        self.tokens = TokenCache(verifier, settings.token_cache_size)

    async def start(self) -> None:
        await self.forwarder.start()

    async def close(self) -> None:
        await self.forwarder.close()
        if self.limiter is not None:
            await self.limiter.close()

    def reset(self) -> None:
        if self.limiter is not None:
            self.limiter.reset()
        self.tokens.clear()


class GatewayEdge:
    """Pure ASGI middleware; the per-process `Edge` lives in `app.state.edge` (built at startup)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        edge: Edge = scope["app"].state.edge
        path: str = scope["path"]
        service = target_service(path)
        # the caller's address, forwarded headers believed only from GATEWAY_TRUSTED_PROXIES
        # (ratelimit/clientip.py): for the per-address limits and the gateway's own audit records
        ip = client_ip(scope, parse_trusted(edge.settings.trusted_proxies))
        scope.setdefault("state", {})["client_ip"] = ip
        if refusal(scope, service) or (is_internal_path(path) and not on_internal_listener(scope)):
            # `/internal/...` is served only on the internal listener (internal_listener.py)
            scope.setdefault("state", {})["audit_refused"] = True  # audit: a proxied call refused (404)
            await send_problem(scope, send, 404, "not_found", "Not found",
                               f"No resource at {scope['method']} {path}.", detail_zh="未找到该资源。")
            return

        principal = None
        if (service is not None and service not in TOKENLESS) or path.startswith("/api/"):
            token = bearer_token(scope)
            if token is None:
                if service is not None:
                    await send_problem(scope, send, 401, "unauthorized", "Authentication required",
                                       "A bearer access token is required.", headers={"WWW-Authenticate": "Bearer"},
                                       detail_zh="需要 Bearer 访问令牌，请先登录。")
                    return
            else:
                try:
                    principal = await edge.tokens.principal(token)
                except Unauthorized as e:
                    if service is not None:
                        await send_problem(scope, send, e.status, e.code, e.title, e.detail, headers=e.headers,
                                           detail_zh=e.detail_zh)
                        return
                    # the gateway's own routes answer for themselves (some need no token)
                else:
                    scope.setdefault("state", {})["principal"] = principal

        if edge.limiter is not None and not path.startswith(NOT_LIMITED):
            if principal is not None:
                who = f"{principal.client_id}|{principal.sub}"
            else:
                who = "ip|" + ip
            decision = await edge.limiter.hit(who)
            if not decision.allowed:
                if edge.metrics is not None:
                    edge.metrics.refused("edge")
                await send_problem(scope, send, 429, "rate_limited", "Too many requests",
                                   f"At most {edge.limiter.limit} requests per minute per client; retry in "
                                   f"{decision.retry_after_seconds} s.",
                                   headers={"Retry-After": str(decision.retry_after_seconds)},
                                   detail_zh=f"请求过于频繁：每个客户端每分钟最多 {edge.limiter.limit} 次，"
                                             f"请 {decision.retry_after_seconds} 秒后重试。")
                return

        if service is not None:
            scope["route"] = ROUTES[service]
            forwarder = edge.forwarder

            async def downstream(scope, receive, send) -> None:
                await forwarder(service, scope, receive, send)
        else:
            downstream = self.app

        if principal is not None and scope["method"] == "POST" and path != "/oauth/token":
            raw_key = header(scope, KEY_HEADER)
            if raw_key is not None:
                await edge.idempotency(scope, receive, send, principal, raw_key, downstream)
                return
        await downstream(scope, receive, send)


def install_edge(app, settings) -> None:
    """Add the edge inside the request-id middleware and build its state at startup."""
    app.user_middleware.append(Middleware(GatewayEdge))  # innermost user middleware: request id is set first
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            edge = Edge(settings, a.state.db, a.state.verifier, metrics=getattr(a.state, "metrics", None),
                        tracing=getattr(a.state, "tracing", None))
            await edge.start()
            a.state.edge = edge
            try:
                yield state
            finally:
                await edge.close()

    app.router.lifespan_context = lifespan
