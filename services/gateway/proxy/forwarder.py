"""Forwarding a request to a service with ONE long-lived HTTP client per process (转发).

The request goes out unchanged: method, raw path and query, body and every
end-to-end header (Authorization, Content-Type, Accept, ...), with the
gateway's request id as `X-Request-ID` and `X-Forwarded-*` added. The answer
comes back unchanged (status, body, headers minus hop-by-hop and the service's
`X-Suite-Route`, the route template it matched, which labels the call in the
gateway's metrics instead of the raw path). Failures are
problem+json: 503 `service_unavailable` when the service cannot be reached,
504 `gateway_timeout` when it is too slow, 502 `bad_gateway` when its answer is
broken. Nothing waits longer than the connect and read timeouts. Each call is
timed (`upstream_request_duration_seconds`) and, while tracing is on, is a CLIENT
span whose `traceparent` the service receives (shared/tracing.py).

Two clients are available (setting `proxy_client`), chosen by measurement (see
docs/benchmarks.md): aiohttp (default) and httpx.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from services.gateway.proxy.guard import PREFIXES, ProxyRoute
from shared.asgi import BodyTooLarge, ClientGone, read_body, send_problem
from shared.observability import ROUTE_HEADER
from shared.tracing import current_traceparent

log = logging.getLogger("gateway.proxy")

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself.
_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                  "te", "trailer", "transfer-encoding", "upgrade"})
_REQUEST_DROP = _HOP | {"host", "content-length", "x-request-id", "x-forwarded-for", "x-forwarded-proto",
                        "x-forwarded-host", "expect"}
_TRACE_HEADERS = frozenset({"traceparent", "tracestate"})  # replaced by the gateway's own span, when it has one
MAX_ROUTE_LABELS = 1000  # distinct route templates kept per process (metrics cardinality bound)
_PREFIX_OF = {svc: prefix for prefix, svc in PREFIXES}
_RESPONSE_DROP = _HOP | {"date", "server"}  # the gateway's own server adds these
_BYTES_RESPONSE_DROP = frozenset(h.encode() for h in _RESPONSE_DROP)
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# Methods that may be sent again when a kept-alive connection turned out to be closed.
_RETRYABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READS = frozenset({"GET", "HEAD", "OPTIONS"})  # everything else goes to a service's writer, if it has one


class UpstreamFailure(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        self.status, self.code, self.title, self.detail = status, code, title, detail
        super().__init__(detail)


def unavailable(service: str) -> UpstreamFailure:
    return UpstreamFailure(503, "service_unavailable", "Service unavailable",
                           f"The {service} service cannot be reached; try again shortly.")


def timed_out(service: str, seconds: float) -> UpstreamFailure:
    return UpstreamFailure(504, "gateway_timeout", "Gateway timeout",
                           f"The {service} service did not answer within {seconds:g} s.")


def bad_answer(service: str) -> UpstreamFailure:
    return UpstreamFailure(502, "bad_gateway", "Bad gateway",
                           f"The {service} service gave no valid answer.")


def outgoing_headers(scope, request_id: str, traceparent: str | None = None) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    host = ""
    forwarded_for = ""
    drop_extra: set[str] = set()
    for k, v in scope["headers"]:
        name = k.decode("latin-1").lower()
        if name == "connection":  # headers named in Connection are hop-by-hop too
            drop_extra.update(t.strip().lower() for t in v.decode("latin-1").split(","))
    for k, v in scope["headers"]:
        name = k.decode("latin-1").lower()
        if name in _REQUEST_DROP or name in drop_extra or (traceparent and name in _TRACE_HEADERS):
            if name == "host":
                host = v.decode("latin-1")
            elif name == "x-forwarded-for":
                forwarded_for = v.decode("latin-1")
            continue
        headers.append((name, v.decode("latin-1")))
    # the caller as the edge resolved it (the peer, or from a trusted proxy such as the console the address
    # it forwards): the services record the last entry in their audit trail
    client = (scope.get("state") or {}).get("client_ip") or (scope.get("client") or [None])[0]
    if client:
        forwarded_for = f"{forwarded_for}, {client}" if forwarded_for else client
    if forwarded_for:
        headers.append(("x-forwarded-for", forwarded_for))
    headers.append(("x-forwarded-proto", scope.get("scheme", "http")))
    if host:
        headers.append(("x-forwarded-host", host))
    headers.append(("x-request-id", request_id))
    if traceparent:
        headers.append(("traceparent", traceparent))
    return headers


def target_url(base: str, scope) -> str:
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    url = base + raw.decode("latin-1")
    qs = scope.get("query_string")
    return url + "?" + qs.decode("latin-1") if qs else url


class Forwarder:
    """Base: read the body, call `_exchange`, answer or map the failure to problem+json."""

    name = "base"

    def __init__(self, bases: dict[str, str], connect_timeout: float, read_timeout: float, pool_size: int,
                 keepalive: float, max_body: int, metrics=None, tracing=None,
                 write_bases: dict[str, str] | None = None) -> None:
        self.bases = {svc: url.rstrip("/") for svc, url in bases.items()}
        # A service's writes may go to a process of their own (GatewaySettings.mediation_write_url).
        self.write_bases = {svc: url.rstrip("/") for svc, url in (write_bases or {}).items() if url}
        self.metrics = metrics
        self.tracing = tracing
        self._timers: dict[tuple[str, str], Any] = {}  # (service, outcome) -> histogram child
        self._routes: dict[tuple[str, bytes], ProxyRoute] = {}
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.pool_size = pool_size
        self.keepalive = keepalive
        self.max_body = max_body

    async def start(self) -> None:  # pragma: no cover - overridden
        pass

    async def close(self) -> None:  # pragma: no cover - overridden
        pass

    async def __call__(self, service: str, scope, receive, send) -> None:
        try:
            body = await read_body(receive, self.max_body)
        except BodyTooLarge:
            await send_problem(scope, send, 413, "payload_too_large", "Payload too large",
                               f"The request body exceeds {self.max_body} bytes.")
            return
        except ClientGone:
            return
        method = scope["method"]
        url = target_url((method not in _READS and self.write_bases.get(service)) or self.bases[service], scope)
        data = body if body or method not in _BODYLESS else None
        tracing = self.tracing
        start = time.perf_counter()
        try:
            if tracing is not None and tracing.tracer is not None:
                with tracing.client_span(f"{method} {service}", {"http.request.method": method,
                                                                 "server.address": service}):
                    headers = outgoing_headers(scope, scope["state"]["request_id"], current_traceparent())
                    status, resp_headers, resp_body = await self._exchange(service, method, url, headers, data)
            else:
                headers = outgoing_headers(scope, scope["state"]["request_id"])
                status, resp_headers, resp_body = await self._exchange(service, method, url, headers, data)
        except UpstreamFailure as f:
            self._time(service, f.code, start)
            log.warning("upstream failure", extra={"service": service, "status": f.status, "path": scope["path"],
                                                   "request_id": scope["state"]["request_id"]})
            await send_problem(scope, send, f.status, f.code, f.title, f.detail)
            return
        self._time(service, "answered", start)
        for i, (k, v) in enumerate(resp_headers):
            if k == ROUTE_HEADER:
                del resp_headers[i]
                scope["route"] = self._route(service, v)
                break
        await send({"type": "http.response.start", "status": status, "headers": resp_headers})
        await send({"type": "http.response.body", "body": resp_body})

    async def _exchange(self, service, method, url, headers, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def _time(self, service: str, outcome: str, start: float) -> None:
        """`upstream_request_duration_seconds{upstream, outcome}`: answered, or the failure's code."""
        if self.metrics is None:
            return
        child = self._timers.get((service, outcome))
        if child is None:
            child = self._timers[(service, outcome)] = self.metrics.upstream_latency.labels(
                self.metrics.service, service, outcome)
        child.observe(time.perf_counter() - start)

    def _route(self, service: str, template: bytes) -> ProxyRoute:
        """The metrics label of a proxied call: the template the service matched (under its own prefix)."""
        key = (service, template)
        route = self._routes.get(key)
        if route is None:
            text = template.decode("latin-1")
            prefix = _PREFIX_OF[service]
            if len(text) > 200 or not text.startswith(prefix) or len(self._routes) >= MAX_ROUTE_LABELS:
                return ProxyRoute(prefix + "/{path}")
            route = self._routes[key] = ProxyRoute(text)
        return route


class AiohttpForwarder(Forwarder):
    name = "aiohttp"

    async def start(self) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        connector = aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=0, keepalive_timeout=self.keepalive,
                                         ttl_dns_cache=300, enable_cleanup_closed=False)
        self.timeout = aiohttp.ClientTimeout(total=None, connect=self.connect_timeout + self.read_timeout,
                                             sock_connect=self.connect_timeout, sock_read=self.read_timeout)
        # No cookie jar (answers to one client must never leak to another), no env proxies,
        # no decompression (bodies pass through as sent), no headers the client did not send.
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
            auto_decompress=False, raise_for_status=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"))

    async def close(self) -> None:
        await self.session.close()

    async def _exchange(self, service, method, url, headers, data):
        from yarl import URL

        aiohttp = self._aiohttp
        u = URL(url, encoded=True)
        for attempt in (0, 1):
            try:
                async with self.session.request(method, u, data=data, headers=headers, allow_redirects=False,
                                                compress=None) as resp:
                    body = await resp.read()
                    out = [(k.lower(), v) for k, v in resp.raw_headers if k.lower() not in _BYTES_RESPONSE_DROP]
                    return resp.status, out, body
            except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError):
                # Nothing was sent: any method may try once more (a busy service's accept queue).
                if attempt == 0:
                    await asyncio.sleep(0.05)
                    continue
                raise unavailable(service) from None
            except (TimeoutError, aiohttp.ServerTimeoutError):
                raise timed_out(service, self.read_timeout) from None
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # A kept-alive connection closed under us: safe methods are sent once more.
                if attempt == 0 and method in _RETRYABLE:
                    continue
                raise bad_answer(service) from None
            except aiohttp.ClientError:
                raise bad_answer(service) from None
        raise bad_answer(service)  # pragma: no cover


class HttpxForwarder(Forwarder):
    name = "httpx"

    async def start(self) -> None:
        import httpx

        self._httpx = httpx
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=self.connect_timeout, read=self.read_timeout, write=self.read_timeout,
                                  pool=self.connect_timeout + self.read_timeout),
            limits=httpx.Limits(max_connections=self.pool_size, max_keepalive_connections=self.pool_size,
                                keepalive_expiry=self.keepalive),
            follow_redirects=False, trust_env=False)
        self.client.headers = httpx.Headers()  # no default headers the client did not send

    async def close(self) -> None:
        await self.client.aclose()

    async def _exchange(self, service, method, url, headers, data):
        httpx = self._httpx
        for attempt in (0, 1):
            try:
                req = self.client.build_request(method, url, headers=headers, content=data)
                resp = await self.client.send(req, stream=True)
                try:
                    body = b"".join([c async for c in resp.aiter_raw()])  # as sent, not decompressed
                finally:
                    await resp.aclose()
                out = [(k.lower(), v) for k, v in resp.headers.raw if k.lower() not in _BYTES_RESPONSE_DROP]
                return resp.status_code, out, body
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if attempt == 0:  # nothing was sent: any method may try once more
                    await asyncio.sleep(0.05)
                    continue
                raise unavailable(service) from None
            except httpx.PoolTimeout:
                raise unavailable(service) from None
            except httpx.TimeoutException:
                raise timed_out(service, self.read_timeout) from None
            except httpx.RemoteProtocolError:
                if attempt == 0 and method in _RETRYABLE:
                    continue
                raise bad_answer(service) from None
            except httpx.HTTPError:
                raise bad_answer(service) from None
        raise bad_answer(service)  # pragma: no cover


def make_forwarder(settings, metrics=None, tracing=None) -> Forwarder:
    cls = HttpxForwarder if settings.proxy_client == "httpx" else AiohttpForwarder
    return cls({"mediation": settings.mediation_url, "lawyers": settings.lawyers_url,
                "console": settings.console_url},
               settings.proxy_connect_timeout, settings.proxy_read_timeout, settings.proxy_pool_size,
               settings.proxy_keepalive_seconds, settings.proxy_max_body_bytes, metrics=metrics, tracing=tracing,
               write_bases={"mediation": settings.mediation_write_url})
