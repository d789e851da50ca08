"""Small pure-ASGI helpers for code that speaks ASGI directly (the gateway's edge, idempotency): reading
bodies, replaying them, answering problems."""
from __future__ import annotations

from dataclasses import dataclass

from shared.errors import problem
from shared.i18n import wants_zh


@dataclass(frozen=True)
class RouteLabel:
    """Stands in for a matched route (`scope["route"]`) where a pure-ASGI layer answers: its template labels
    the metrics and `X-Suite-Route` as the route's own would (the gateway's proxy, mediation's room
    shortcut)."""

    path: str


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


async def read_body(receive, limit: int) -> bytes:
    """The whole request body (at most `limit` bytes)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge()
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def replay_receive(body: bytes, receive):
    """A `receive` that yields `body` once, then defers to the real one (to see a disconnect)."""
    sent = False

    async def _receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive


async def send_problem(scope, send, status: int, code: str, title: str, detail: str,
                       headers: dict[str, str] | None = None, detail_zh: str | None = None, **extra) -> None:
    """Answer problem+json from the edge; in Chinese when the request's Accept-Language asks."""
    resp = problem(status, code, title, detail, headers=headers, instance=scope["path"], detail_zh=detail_zh,
                   zh=wants_zh(header(scope, b"accept-language")), **extra)
    await resp(scope, _no_receive, send)


async def _no_receive() -> dict:
    """A problem answer never reads the request body."""
    return {"type": "http.disconnect"}


def header(scope, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k == name:
            return v
    return None


def bearer_token(scope) -> str | None:
    """The request's bearer token (`Authorization: Bearer ...`), or None: for pure-ASGI layers."""
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
