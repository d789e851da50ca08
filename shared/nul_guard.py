"""Refuse NUL characters in input (空字符): a 422 naming the field, never a 500 from the database.

PostgreSQL cannot store or even compare U+0000 in text (SQLite can), so a `\\u0000` in a JSON body or a
`%00` in the query string would pass validation and fail at the query. No field of the API has a use
for it: the request is refused before any route runs. A path holding one names nothing: 404.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope

from shared.errors import problem

NUL = "\x00"


def _in_json(value: Any, where: str = "") -> str | None:
    """The dotted path of the first string (key or value) holding a NUL, else None."""
    if isinstance(value, str):
        return (where or "body") if NUL in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{where}.{k}" if where else str(k)
            if NUL in k:
                return here
            found = _in_json(v, here)
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _in_json(v, f"{where}.{i}" if where else str(i))
            if found:
                return found
    return None


def _in_query(query: bytes) -> str | None:
    if b"%00" not in query.lower() and b"\x00" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                errors="replace"):
        if NUL in key or NUL in value:
            return f"query.{key.replace(NUL, '')}"  # named as FastAPI's 422 names a query field
    return None


async def refusal(scope: Scope, receive: Receive) -> tuple[Response | None, Receive]:
    """The 422 (404 for a path) a request carrying a NUL gets, or None; and the `receive` to go on with
    (a JSON body read here is replayed to the route)."""
    if NUL in scope.get("path", ""):  # names nothing: the 404 the gateway's edge gives such a path
        return problem(404, "not_found", "Not found", "No resource at this path.", request=Request(scope)), receive
    field = _in_query(scope.get("query_string", b""))
    ctype = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
    if field is None and b"json" in ctype.lower():
        body, receive = await _buffer(receive)
        if b"\\u0000" in body:
            try:
                field = _in_json(json.loads(body))
            except (ValueError, UnicodeDecodeError):
                field = None  # not JSON: the route's own 400 invalid_json
    if field is None:
        return None, receive
    item = {"field": field, "message": "must not contain NUL (U+0000) characters", "type": "value_error",
            "message_zh": "不能包含空字符 (U+0000)"}
    return problem(422, "validation_error", "Invalid request", f"{field}: {item['message']}",
                   request=Request(scope), errors=[item],
                   detail_zh=f"请求内容有误：{field}：{item['message_zh']}"), receive


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that replays it (then hands over to the real one)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending: list[Message] = [message]
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            pending = []
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        if pending:
            return pending.pop(0)
        return await receive()

    return body, replay
