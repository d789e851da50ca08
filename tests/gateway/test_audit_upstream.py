"""The auditor's merged listing when a service's audit trail cannot be read (services/gateway/audit/service.py):
a 502 problem (UpstreamError), never the task group's ExceptionGroup (a 500); a kept-alive connection the
service closed as it was reused is asked again."""
from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import httpx
import pytest

from services.gateway.audit import service
from shared.errors import UpstreamError
from shared.testing import free_port


def _app(url: str) -> SimpleNamespace:
    return SimpleNamespace(state=SimpleNamespace(http=httpx.AsyncClient(), audit_service_token=lambda: "token",
                                                 settings=SimpleNamespace(mediation_url=url, lawyers_url=url)))


def test_an_unreachable_service_is_an_upstream_error_not_an_exception_group():
    app = _app(f"http://127.0.0.1:{free_port()}")  # nothing listens there

    async def run() -> None:
        try:
            await service.merged(app, ["mediation", "lawyers"], {}, 10, {}, None, None)
        finally:
            await app.state.http.aclose()

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(run())
    assert caught.value.status == 502


def test_a_connection_closed_without_an_answer_is_asked_again():
    answered: list[int] = []

    async def run() -> dict:
        seen = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal seen
            await reader.readuntil(b"\r\n\r\n")
            seen += 1
            if seen == 1:  # as a service closing an idle kept-alive connection just as it is reused
                writer.transport.abort()
                return
            body = b'{"items": [], "more": false}'
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            answered.append(seen)
            writer.close()

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = await asyncio.start_server(handle, sock=sock)
        app = _app(f"http://127.0.0.1:{sock.getsockname()[1]}")
        try:
            return await service.list_one(app, "mediation", None, 10, {}, None, None)
        finally:
            await app.state.http.aclose()
            server.close()

    assert asyncio.run(run()) == {"items": [], "more": False}
    assert answered == [2]
