"""Traces (shared/tracing.py): one trace follows a request across the gateway's proxy hop, and a handoff
through every service and both event transports. Spans go to the OpenTelemetry SDK's in-memory exporter."""
from __future__ import annotations

import secrets
import time
import uuid
from contextlib import contextmanager

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from services.gateway.hub.models import HubEvent
from shared.db import utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import OutboxEvent
from shared.events.outbox import emit
from tests.handoff_kit import case_no, handoff, mediation_body, opinion_body, post_handoff

SERVICES = ("gateway", "mediation", "lawyers")


@contextmanager
def traced(bus, services=SERVICES):
    """Tracing on in `services` of the running suite, every span into one in-memory exporter."""
    exporter = InMemorySpanExporter()
    for svc in services:
        bus.app[svc].state.tracing.enable(exporter, batch=False)
    try:
        yield exporter
    finally:
        for svc in services:
            bus.app[svc].state.tracing.shutdown()


def caller_context() -> tuple[str, str, str]:
    """A caller's own trace: (trace id, span id, the `traceparent` header naming them)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def by_service(exporter, trace_id: str, count: int) -> dict[str, list]:
    """The trace's finished spans by service, once there are at least `count` of them (a server's span
    ends just after its answer is sent, so the caller may see the answer first)."""
    deadline = time.monotonic() + 5
    while True:
        spans = [s for s in exporter.get_finished_spans() if f"{s.context.trace_id:032x}" == trace_id]
        if len(spans) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    out: dict[str, list] = {}
    for s in spans:
        out.setdefault(s.resource.attributes["service.name"].rsplit("-", 1)[-1], []).append(s)
    return out


def one(spans, kind, name_part: str):
    found = [s for s in spans if s.kind == kind and name_part in s.name]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


def test_a_proxied_call_is_one_trace_from_the_caller_through_the_gateway_to_the_service(suite):
    trace_id, caller_span, header = caller_context()
    room = suite.client("coordinator").post("/api/v1/mediation/rooms", json={
        "name": f"调解室-{uuid.uuid4().hex[:6]}", "location": "一楼", "capacity": 4, "features": []}).json()
    with traced(suite) as exporter:
        r = suite.client("coordinator").get(f"/api/v1/mediation/rooms/{room['id']}", headers={"traceparent": header})
        assert r.status_code == 200, r.text
        spans = by_service(exporter, trace_id, 3)
    gw_server = one(spans["gateway"], SpanKind.SERVER, "GET")
    assert gw_server.parent.span_id == int(caller_span, 16)  # the caller's traceparent honoured
    gw_client = one(spans["gateway"], SpanKind.CLIENT, "mediation")
    assert gw_client.parent.span_id == gw_server.context.span_id
    med_server = one(spans["mediation"], SpanKind.SERVER, "GET")
    assert med_server.parent.span_id == gw_client.context.span_id  # the proxy hop carried the gateway's span
    # Spans are named by route template, never by the raw path (ids, personal data).
    assert med_server.attributes["http.route"] == "/api/v1/mediation/rooms/{room_id}"
    assert gw_server.attributes["http.route"] == "/api/v1/mediation/rooms/{room_id}"
    assert room["id"] not in gw_server.name + med_server.name
    assert med_server.attributes["http.response.status_code"] == 200


def test_a_service_continues_the_callers_trace_even_when_the_gateway_traces_nothing(suite):
    trace_id, caller_span, header = caller_context()
    with traced(suite, services=("mediation",)) as exporter:
        r = suite.client("coordinator").get("/api/v1/mediation/rooms", headers={"traceparent": header})
        assert r.status_code == 200
        spans = by_service(exporter, trace_id, 1)
    assert set(spans) == {"mediation"}
    assert one(spans["mediation"], SpanKind.SERVER, "GET").parent.span_id == int(caller_span, 16)


def test_a_handoff_is_one_trace_through_the_gateway_mediation_and_back(bus):
    trace_id, caller_span, header = caller_context()
    case = case_no()
    with traced(bus) as exporter:
        r = bus.client("petition-system").post(f"/api/v1/cases/{case}/handoffs", json=mediation_body(),
                                               headers={"traceparent": header})
        assert r.status_code == 202, r.text
        bus.drain()
        assert handoff(bus.client("petition-system"), r.json()["id"])["status"] == "accepted"
        spans = by_service(exporter, trace_id, 3)
    request = one(spans["gateway"], SpanKind.SERVER, "POST")
    assert request.parent.span_id == int(caller_span, 16)
    assert request.attributes["http.route"] == "/api/v1/cases/{case_no}/handoffs"
    # mediation applies `handoff.requested` in a span whose parent is the request that emitted it ...
    applied = one(spans["mediation"], SpanKind.CONSUMER, "apply handoff.requested")
    assert applied.parent.span_id == request.context.span_id
    # ... and the gateway applies mediation's answer as a child of that span: one trace, three hops.
    answer = one(spans["gateway"], SpanKind.CONSUMER, "apply mediation.handoff.accepted")
    assert answer.parent.span_id == applied.context.span_id
    # The trace travels with the events themselves (the envelope's `traceparent`).
    with bus.db("gateway").session() as s:
        stored = s.execute(select(HubEvent.type, HubEvent.traceparent).where(HubEvent.subject == case)).all()
    assert {t for t, tp in stored if tp and tp.split("-")[1] == trace_id} >= {"handoff.requested",
                                                                                "mediation.handoff.accepted"}


def test_a_legal_opinion_handoff_is_one_trace_through_the_lawyers(bus):
    trace_id, _, header = caller_context()
    with traced(bus) as exporter:
        r = post_handoff_traced(bus, opinion_body(), header)
        bus.drain()
        assert handoff(bus.client("coordinator"), r["id"])["status"] in ("accepted", "rejected")
        spans = by_service(exporter, trace_id, 3)
    request = one(spans["gateway"], SpanKind.SERVER, "POST")
    applied = one(spans["lawyers"], SpanKind.CONSUMER, "apply handoff.requested")
    assert applied.parent.span_id == request.context.span_id
    answers = [s for s in spans["gateway"] if s.kind == SpanKind.CONSUMER and s.name.startswith("apply lawyers.")]
    assert answers and all(s.parent.span_id == applied.context.span_id for s in answers)


def post_handoff_traced(bus, body: dict, header: str) -> dict:
    r = bus.client("coordinator").post(f"/api/v1/cases/{case_no()}/handoffs", json=body,
                                       headers={"traceparent": header})
    assert r.status_code == 202, r.text
    return r.json()


def test_untraced_work_carries_no_trace_and_a_bad_traceparent_is_dropped_not_refused(suite):
    case = case_no()
    r = post_handoff(suite.client("petition-system"), case, mediation_body())  # tracing off everywhere
    assert r.status_code == 202
    with suite.db("gateway").session() as s:
        rows = s.execute(select(OutboxEvent.traceparent).where(OutboxEvent.subject == case)).scalars().all()
    assert rows and rows == [None] * len(rows)
    ev = CloudEvent.model_validate({"id": "e1", "source": "gateway", "type": "x.y", "time": utcnow().isoformat(),
                                    "traceparent": "00-not-a-trace"})
    assert ev.traceparent is None and "traceparent" not in ev.wire()
    with suite.db("mediation").session() as s:  # the current span's context, when there is one
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider

        with TracerProvider().get_tracer("t").start_as_current_span("work") as span:
            ev = emit(s, source="mediation", type="probe.touched", subject=None, data={})
        s.rollback()
    ctx = span.get_span_context()
    assert ev.traceparent == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    assert trace.get_current_span().get_span_context().is_valid is False
