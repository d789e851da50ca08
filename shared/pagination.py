"""Cursor pagination (`?limit=` 1–200, default 50; `?cursor=`) over a stable sort key.

A cursor is `<base64url JSON sort key>.<base64url HMAC>`: signed with the suite-wide
`CURSOR_SECRET` over the route it was issued for, so it stays valid across replicas and restarts,
and a cursor that was altered, forged or taken from another list is a 422 naming `cursor`, never
a sort key of the wrong shape reaching a query.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel, PrivateAttr

from shared.errors import Unprocessable

T = TypeVar("T")
MAX_CURSOR = 1000  # characters; issued cursors are far shorter


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, scope: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), f"{scope}\n{payload}".encode(), hashlib.sha256).digest()
    return _b64(mac[:18])


def encode_cursor(key: Any, secret: str, scope: str = "") -> str:
    """The cursor for sort key `key` on the list `scope` (the route path)."""
    payload = _b64(orjson.dumps(key))
    return f"{payload}.{_signature(secret, scope, payload)}"


def decode_cursor(cursor: str, secret: str, scope: str = "") -> Any:
    """The sort key of a cursor this list issued; anything else raises ValueError."""
    payload, _, sig = cursor.partition(".")
    if not sig or not hmac.compare_digest(sig.encode(), _signature(secret, scope, payload).encode()):
        raise ValueError("bad cursor signature")
    return orjson.loads(_unb64(payload))


def invalid_cursor() -> Unprocessable:
    return Unprocessable("cursor is not one this list issued.", detail_zh="cursor 不是本列表给出的游标。",
                         errors=[{"field": "cursor", "message": "invalid cursor", "message_zh": "游标无效",
                                  "type": "value_error"}])


class PageParams(BaseModel):
    limit: int = 50
    cursor: str | None = None
    _secret: str = PrivateAttr("")
    _scope: str = PrivateAttr("")

    def bind(self, secret: str, scope: str) -> PageParams:
        """Sign and check cursors with `secret`, for the list at route `scope`."""
        self._secret, self._scope = secret, scope
        return self

    def after(self) -> Any:
        """The decoded sort key the next page starts after, or None for the first page."""
        if not self.cursor:
            return None
        try:
            if len(self.cursor) > MAX_CURSOR:
                raise ValueError("cursor too long")
            return decode_cursor(self.cursor, self._secret, self._scope)
        except Exception:
            raise invalid_cursor() from None

    def next_cursor(self, key: Any) -> str:
        return encode_cursor(key, self._secret, self._scope)


async def page_params(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                      cursor: str | None = None) -> PageParams:
    """The page asked for, bound to this list's route. Async though it awaits nothing: FastAPI runs a sync
    dependency in a worker thread, a hop per list request for a few attribute reads."""
    route = request.scope.get("route")
    return PageParams(limit=limit, cursor=cursor).bind(request.app.state.settings.cursor_secret,
                                                       getattr(route, "path", request.url.path))


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(rows: list, params: PageParams, key) -> tuple[list, str | None]:
    """Given up to limit+1 rows fetched in key order, cut to limit and give the next cursor."""
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, params.next_cursor(key(rows[-1]))
    return rows, None
