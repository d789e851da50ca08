"""`EdgeMiddleware`: what every request of a service passes through, in one pure-ASGI layer.

In the order a request meets them:
- a request id (the caller's `X-Request-ID` or a new one), echoed, and on every log line meanwhile;
- while tracing is on, a SERVER span around it (the caller's `traceparent` its parent);
- a NUL in the path (404), the query or a JSON body (422) is refused before any route runs
  (shared/nul_guard.py);
- when the answer starts: a refusal (401, 403) is written to the audit trail before it leaves
  (shared/audit/middleware.py); the request id, the matched route template (services, for the
  gateway's metrics) and the security headers (shared/security.py) are added;
- at the end, the request is counted and timed by route template.

These were four middleware layers; as one, a request pays for one coroutine frame and one `send`
wrapper instead of four (issue 11). A part left out (`security=None`, `audit=False`, `nul_guard=False`)
costs nothing: the console uses the edge for ids and metrics only.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

from shared import nul_guard
from shared.audit.middleware import record_refusal
from shared.observability import REQUEST_ID, REQUEST_ID_HEADER, ROUTE_HEADER, Metrics, route_template
from shared.security import SecurityHeaders, private_path
from shared.tracing import Tracing

# FastAPI's own OpenTelemetry hooks off (`FastAPI(telemetry=...)`): the edge makes the suite's spans and
# metrics, and left on, FastAPI asks OpenTelemetry on every request whether a global provider is set.
NO_FRAMEWORK_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}


def request_id(scope) -> str:
    """The caller's request id (at most 128 characters), or a new one."""
    for k, v in scope["headers"]:
        if k == REQUEST_ID_HEADER:
            rid = v.decode("latin-1")[:128]
            if rid:
                return rid
            break
    return uuid.uuid4().hex


class EdgeMiddleware:
    def __init__(self, app, metrics: Metrics, tracing: Tracing | None = None, *, route_header: bool = False,
                 security: SecurityHeaders | None = None, audit: bool = False, nul_guard: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing
        self.route_header = route_header
        self.security = security
        self.audit = audit
        self.nul_guard = nul_guard

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        # Not reset afterwards: the request has its own task, and the server's own lines about it
        # (uvicorn's access line, its traceback of an unhandled error) come after the app returns.
        REQUEST_ID.set(rid)
        status_holder = [500]
        start = time.perf_counter()
        security, audit, route_header = self.security, self.audit, self.route_header
        private = security is not None and private_path(scope["path"])

        async def _send(message) -> None:
            if message["type"] == "http.response.start":
                status = status_holder[0] = message["status"]
                if audit:
                    await record_refusal(scope, status)
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, rid.encode("latin-1")))
                if route_header:
                    template = route_template(scope)
                    if template:
                        headers.append((ROUTE_HEADER, template.encode("utf-8")))
                message["headers"] = security.merge(headers, private) if security is not None else headers
            await send(message)

        tracing = self.tracing
        span = token = None
        if tracing is not None and tracing.tracer is not None:
            span, token = tracing.server_span(scope)
        try:
            refused = None
            if self.nul_guard:
                refused, receive = await nul_guard.refusal(scope, receive)
            if refused is not None:
                await refused(scope, receive, _send)
            else:
                await self.app(scope, receive, _send)
        finally:
            path = route_template(scope) or "unmatched"
            self.metrics.observe_request(scope["method"], path, status_holder[0], time.perf_counter() - start)
            if span is not None:
                Tracing.end_server_span(span, token, path, status_holder[0])
