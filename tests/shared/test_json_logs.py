"""A service run as production runs it (uvicorn's command line, devtools/runner.py and the Dockerfile): every
line it writes is JSON, uvicorn's own included; a request's lines carry its request id and trace id, never
the query string or the caller's address; with `OTEL_EXPORTER_OTLP_ENDPOINT` set its spans reach the
collector over OTLP/HTTP."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import migrate
from shared.settings import REPO_ROOT
from shared.testing import ServerThread


def free_ports(n: int, low: int = 8730, high: int = 8750) -> list[int]:
    """`n` ports free now in this test's range (8730-8749), so that a server left over elsewhere is no clash."""
    found = []
    for port in range(low, high):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError(f"fewer than {n} free ports in {low}-{high - 1}")


class Collector:
    """An OTLP/HTTP trace receiver: keeps every export request it is sent."""

    def __init__(self, port: int) -> None:
        self.exports: list[ExportTraceServiceRequest] = []
        self.server = ServerThread(Starlette(routes=[Route("/v1/traces", self.receive, methods=["POST"])]), port)

    async def receive(self, request: Request) -> Response:
        msg = ExportTraceServiceRequest()
        msg.ParseFromString(await request.body())
        self.exports.append(msg)
        return Response(b"", media_type="application/x-protobuf")

    def spans(self) -> list[tuple[str, str, bytes]]:
        """(service.name, span name, trace id) of every span received."""
        out = []
        for msg in self.exports:
            for rs in msg.resource_spans:
                service = next(a.value.string_value for a in rs.resource.attributes if a.key == "service.name")
                out += [(service, s.name, s.trace_id) for ss in rs.scope_spans for s in ss.spans]
        return out


@pytest.mark.parametrize("svc", ["mediation", "gateway"])  # the gateway: its internal listener's server too
def test_every_line_is_json_with_the_request_id_and_trace_id_and_spans_reach_the_collector(tmp_path, svc):
    url = f"sqlite:///{tmp_path / (svc + '.db')}"
    migrate.upgrade(svc, url)
    service_port, collector_port, internal_port = free_ports(3)
    collector = Collector(collector_port)
    collector.server.start()
    prefix = svc.upper() + "_"
    env = {**os.environ, "SUITE_ENV": "test", prefix + "DATABASE_URL": url, prefix + "JOBS_ENABLED": "false",
           "LOG_ACCESS": "true", "LOG_LEVEL": "INFO", "GATEWAY_URL": "http://127.0.0.1:9",
           "GATEWAY_INTERNAL_PORT": str(internal_port), "GATEWAY_MEDIATION_URL": "http://127.0.0.1:9",
           "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector_port}"}
    env.pop("OTEL_SDK_DISABLED", None)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", f"services.{svc}.main:create_app", "--host", "127.0.0.1",
           "--port", str(service_port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--no-proxy-headers", "--log-level", "info"]  # info: uvicorn's own start and stop lines too
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{service_port}"
    trace_id = secrets.token_hex(16)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{svc} did not start"
            time.sleep(0.2)
        ok = httpx.get(base + "/healthz", headers={"X-Request-ID": "rid-healthz-1",
                                                    "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
        assert ok.status_code == 200
        personal = urllib.parse.quote("张三")
        refused = httpx.get(f"{base}/api/v1/mediation/rooms?name={personal}&phone=13800138000",
                            headers={"X-Request-ID": "rid-refused-2"})
        assert refused.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        collector.server.stop()
    lines = [ln for ln in (out + err).decode("utf-8").splitlines() if ln.strip()]
    records = []
    for ln in lines:
        try:
            records.append(json.loads(ln))
        except ValueError:
            raise AssertionError(f"not a JSON line: {ln!r}") from None
    loggers = {r["logger"] for r in records}
    assert "uvicorn.error" in loggers, loggers  # uvicorn's own lines ("Started server process", ...)
    assert any("Application startup complete" in r["message"] for r in records)
    first = [r for r in records if r.get("request_id") == "rid-healthz-1"]
    assert first and all(r["trace_id"] == trace_id for r in first), first  # the caller's trace honoured
    [access] = [r for r in first if r["logger"] == "uvicorn.access"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    second = [r for r in records if r.get("request_id") == "rid-refused-2"]
    assert any(r["logger"] == "uvicorn.access" and r["path"] == "/api/v1/mediation/rooms" and r["status"] == 401
               for r in second), second
    text = "\n".join(lines)
    for secret in ("张三", personal, "13800138000"):
        assert secret not in text  # the query string never logged
    access_lines = [json.dumps(r) for r in records if r["logger"] == "uvicorn.access"]
    assert len(access_lines) >= 2 and not any("127.0.0.1" in a for a in access_lines)  # nor the caller's address
    # Spans went over OTLP/HTTP when the service stopped (flushed), named by route template.
    spans = collector.spans()
    assert (f"petition-suite-{svc}", "GET /healthz", bytes.fromhex(trace_id)) in spans, spans
    if svc == "mediation":
        assert any(name == "GET /api/v1/mediation/rooms" for _, name, _ in spans), spans
