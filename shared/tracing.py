"""Traces (链路追踪): OpenTelemetry spans across the gateway's proxy hop and inside events.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: then no
span is ever created and a request pays one attribute test. When on, each service exports its spans
over OTLP/HTTP (the SDK's own `OTEL_*` variables apply: sampler, headers, timeouts):

- a request: one SERVER span, its parent the caller's W3C `traceparent` header when there is one;
- the gateway's proxy hop: a CLIENT span, whose `traceparent` the service receives;
- an event: `emit()` stores the current span's `traceparent` with the event (the CloudEvents
  distributed-tracing extension attribute); whoever applies it (hub push, NATS, the gateway's own
  consumers) runs the handlers in a CONSUMER span whose parent is that context, so what those
  handlers emit carries the same trace on to the next service.

A service whose tracing is off still passes an incoming context along (no spans of its own).
"""
from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

TRACEPARENT_HEADER = b"traceparent"
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def otlp_endpoint() -> str | None:
    """The OTLP collector address from the standard variables; None: tracing off."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    return (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            or None)


class Tracing:
    """A service's tracer (its own provider, so spans name the right service even when several
    services share a process, as in the tests). `tracer` is None while tracing is off."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.provider: Any = None  # opentelemetry.sdk.trace.TracerProvider while on (the SDK is imported then)
        self.tracer: trace.Tracer | None = None

    def configure_from_env(self) -> None:
        """Export over OTLP/HTTP when the standard endpoint variable is set (batched, off the request path)."""
        if self.tracer is not None or otlp_endpoint() is None:
            return
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        self.enable(OTLPSpanExporter(), batch=True)  # reads OTEL_EXPORTER_OTLP_* itself

    def enable(self, exporter, *, batch: bool = True) -> None:
        """Record spans into `exporter` (tests: the SDK's in-memory exporter, unbatched)."""
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        name = os.environ.get("OTEL_SERVICE_NAME") or f"petition-suite-{self.service}"
        provider = TracerProvider(resource=Resource.create({"service.name": name, "service.namespace":
                                                            "petition-suite"}))
        provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        self.provider = provider
        self.tracer = provider.get_tracer("petition-suite")

    def shutdown(self) -> None:
        """Flush what is buffered and stop recording."""
        provider, self.provider, self.tracer = self.provider, None, None
        if provider is not None:
            provider.shutdown()

    # -- requests --------------------------------------------------------------------------------------
    def server_span(self, scope):
        """Start the request's SERVER span (parent: the caller's `traceparent`) and make it current.
        Returns (span, token) for `end_server_span`."""
        parent = None
        tracestate = None
        for k, v in scope["headers"]:
            if k == TRACEPARENT_HEADER:
                parent = v.decode("latin-1")
            elif k == b"tracestate":
                tracestate = v.decode("latin-1")
        ctx = context_of(parent, tracestate)
        assert self.tracer is not None  # the caller checked
        span = self.tracer.start_span(scope["method"], context=ctx, kind=SpanKind.SERVER,
                                      attributes={"http.request.method": scope["method"]})
        return span, otel_context.attach(trace.set_span_in_context(span))

    @staticmethod
    def end_server_span(span, token, route: str, status: int) -> None:
        span.update_name(f"{span.name} {route}")
        span.set_attribute("http.route", route)  # the template, never the raw path (ids, personal data)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        otel_context.detach(token)

    @contextlib.contextmanager
    def client_span(self, name: str, attributes: dict) -> Iterator[None]:
        """A CLIENT span around an outgoing call (the gateway's proxy hop); a no-op while tracing is off."""
        if self.tracer is None:
            yield
            return
        with self.tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
            yield

    # -- events ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def consuming(self, event) -> Iterator[None]:
        """Apply `event` inside a CONSUMER span that continues the trace it was emitted in."""
        parent = event_context(event)
        if self.tracer is None:
            if parent is None:
                yield
                return
            token = otel_context.attach(parent)  # no spans here, but emits carry the trace on
            try:
                yield
            finally:
                otel_context.detach(token)
            return
        with self.tracer.start_as_current_span(f"apply {event.type}", context=parent, kind=SpanKind.CONSUMER,
                                               attributes={"messaging.message.id": event.id,
                                                           "cloudevents.event_type": event.type,
                                                           "cloudevents.event_source": event.source}):
            yield


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, or None when there is none (tracing off, no context)."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def valid_traceparent(value: str | None) -> str | None:
    """`value` when it is a well-formed version-00 `traceparent`, else None (never an error)."""
    if not value or len(value) != 55:
        return None
    m = _TRACEPARENT.match(value)
    if m is None or m.group(1) == "0" * 32 or m.group(2) == "0" * 16:
        return None
    return value


def context_of(traceparent: str | None, tracestate: str | None = None):
    """An OpenTelemetry context whose current span is the remote parent named by `traceparent`."""
    value = valid_traceparent(traceparent)
    if value is None:
        return None
    _, trace_id, span_id, flags = value.split("-")
    state = None
    if tracestate:
        from opentelemetry.trace.span import TraceState

        with contextlib.suppress(Exception):
            state = TraceState.from_header([tracestate])
    parent = SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(int(flags, 16)),
                         trace_state=state)
    return trace.set_span_in_context(NonRecordingSpan(parent))


def event_context(event):
    """The context an event was emitted in (its `traceparent` attribute), or None."""
    return context_of(getattr(event, "traceparent", None))
