"""Request ids, JSON logs, Prometheus metrics, traces at the request edge and the health endpoints.

Every log line is one JSON object (uvicorn's own included) with the request id of the request it
belongs to and, while tracing is on, its trace id. Metrics: requests by route template, and the
suite's moving parts (shared/metrics.py); docs/operations.md lists them with the alert rules.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import anyio
from fastapi import APIRouter, Request
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.responses import Response

from shared.errors import problem
from shared.metrics import StateCollector
from shared.problem_docs import problems

REQUEST_ID_HEADER = b"x-request-id"
# A service's answer names the route template it matched, for the gateway's metrics labels (the
# gateway drops it before answering: services/gateway/proxy/forwarder.py).
ROUTE_HEADER = b"x-suite-route"
# The request being served (set per request task; read by every log line written while serving it).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extras."""

    _skip = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in self._skip and not k.startswith("_"):
                out[k] = v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        if "request_id" not in out:
            rid = REQUEST_ID.get()
            if rid is not None:
                out["request_id"] = rid
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            out["trace_id"] = f"{span.trace_id:032x}"
            out["span_id"] = f"{span.span_id:016x}"
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class AccessLineFilter(logging.Filter):
    """uvicorn's access line as fields: method, path without its query string (which may hold personal
    data), status; the client's address left out (personal data too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, full_path, http_version, status = args
            record.msg, record.args = "access", ()
            record.method = method
            record.path = str(full_path).split("?", 1)[0]
            record.status = status
            record.http_version = http_version
        return True


UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "granian", "granian.access")


def setup_logging(level: str = "INFO", *, access_log: bool = False) -> None:
    """JSON lines on stderr for every logger; uvicorn's (and granian's) own loggers routed through them.

    Safe to call again (a server that configured its loggers after the app was built): the root
    handler is added once, the servers' loggers are routed to it each time.
    """
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]
        root.setLevel(level)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # else one line per internal push or token fetch
    for name in UVICORN_LOGGERS:
        lg = logging.getLogger(name)
        lg.handlers = []  # their plain-text handlers; the root's JSON one writes their lines
        lg.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.INFO if access_log else logging.WARNING)  # LOG_ACCESS: a line per request
    if not any(isinstance(f, AccessLineFilter) for f in access.filters):
        access.addFilter(AccessLineFilter())


class Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "HTTP request latency",
                                 ["service", "method", "route"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.events = Counter("events_total", "Events by stage", ["service", "stage", "type"], registry=self.registry)
        self.rate_limited = Counter("rate_limit_refusals_total", "Requests refused by a rate limit (429)",
                                    ["service", "limit"], registry=self.registry)
        self.upstream_latency = Histogram(
            "upstream_request_duration_seconds", "The gateway's calls to a service (proxy hop), by outcome",
            ["service", "upstream", "outcome"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.job_duration = Histogram("job_duration_seconds", "Scheduled job runs", ["service", "job", "outcome"],
                                      registry=self.registry,
                                      buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
        self.webhook_failures = Counter("webhook_delivery_failures_total",
                                        "Webhook delivery attempts that failed (retrying, failed for good, disabled)",
                                        ["service", "outcome"], registry=self.registry)
        self.service = service
        self._children: dict[tuple[str, str, int], tuple] = {}
        self.state = StateCollector()  # gauges read at scrape time (shared/metrics.py)
        self.registry.register(self.state)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (the labelled children looked up once per route and status)."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(self.service, method, route, str(status)),
                        self.latency.labels(self.service, method, route))
            if len(self._children) < 10_000:
                self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def refused(self, limit: str) -> None:
        """A request answered 429 by `limit` (`edge`: the per-client limit; `sign_in`: the sign-in throttle)."""
        self.rate_limited.labels(self.service, limit).inc()

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def render_async(self) -> Response:
        """`render` in a worker thread: the state gauges (shared/metrics.py) read the database."""
        body = await anyio.to_thread.run_sync(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def route_template(scope) -> str | None:
    """The matched route's whole template. FastAPI (0.16x) leaves the prefix a router was included with out
    of `scope["route"].path` (the console's pages) and keeps the whole one in its route context."""
    fastapi_scope = scope.get("fastapi")
    if fastapi_scope:
        template = getattr(fastapi_scope.get("effective_route_context"), "path_format", None)
        if template:
            return template
    return getattr(scope.get("route"), "path", None)


def health_router(checks: dict[str, Callable[[Request], Awaitable[bool]]]) -> APIRouter:
    """`/healthz` (alive), `/readyz` (each check passes), `/metrics` (Prometheus). No token needed."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @router.get("/readyz", responses=problems((503, "not_ready")))
    async def readyz(request: Request):
        results = {}
        for name, check in checks.items():
            try:
                results[name] = bool(await check(request))
            except Exception:
                results[name] = False
        if all(results.values()):
            return {"status": "ready", "checks": results}
        return problem(503, "not_ready", "Not ready", "A dependency is unreachable: "
                       + ", ".join(k for k, v in results.items() if not v), request=request, checks=results)

    @router.get("/metrics", response_class=Response,
                responses={200: {"description": "Prometheus text format.", "content": {"text/plain": {}}}})
    async def metrics(request: Request) -> Response:
        return await request.app.state.metrics.render_async()

    return router
