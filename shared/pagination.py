"""Cursor pagination (`?limit=` 1–200, default 50; `?cursor=`) over a stable sort key."""
from __future__ import annotations

import base64
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query
from pydantic import BaseModel

from shared.errors import Unprocessable

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int = 50
    cursor: str | None = None

    def after(self) -> Any:
        """The decoded sort key the next page starts after, or None for the first page."""
        if not self.cursor:
            return None
        try:
            return orjson.loads(base64.urlsafe_b64decode(self.cursor.encode() + b"=="))
        except Exception:
            raise Unprocessable("cursor is not one this API issued", code="validation_error",
                                errors=[{"field": "cursor", "message": "invalid cursor", "type": "value_error"}])


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def page_params(limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(rows: list, params: PageParams, key) -> tuple[list, str | None]:
    """Given up to limit+1 rows fetched in key order, cut to limit and give the next cursor."""
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
