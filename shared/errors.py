"""Errors as RFC 9457 problem+json, each with a stable machine `code`.

Services raise `SuiteError` subclasses; `install_error_handlers` renders every
error path (our own, FastAPI validation, unknown routes, wrong methods and
unexpected exceptions) the same way. No traceback ever reaches a client. A caller that says
`Accept-Language: zh-CN` gets the `detail` (and each `errors[].message`) in Chinese: a raiser may
give `detail_zh` (and `message_zh` per field), else shared/i18n.py has a text per code.
"""
from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from shared.i18n import ZH, localize_errors, wants_zh, zh_detail, zh_field_message
from shared.security import security_headers

log = logging.getLogger("suite.errors")

PROBLEM_JSON = "application/problem+json"


class SuiteError(Exception):
    """Base of every domain error: an HTTP status, a stable code and a human detail (English, and
    optionally `detail_zh` in Chinese; without it a zh-CN caller gets the generic text of the code)."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, *, code: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None, detail_zh: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.detail_zh = detail_zh
        if code:
            self.code = code
        if status:
            self.status = status
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.detail)


class Unauthorized(SuiteError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(SuiteError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(SuiteError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(SuiteError):
    status, code, title = 409, "conflict", "Conflict"


class Unprocessable(SuiteError):
    status, code, title = 422, "validation_error", "Unprocessable request"


class UpstreamError(SuiteError):
    status, code, title = 502, "bad_gateway", "Upstream service failed"


def problem(status: int, code: str, title: str, detail: str, *, request: Request | None = None,
            headers: dict[str, str] | None = None, detail_zh: str | None = None, zh: bool | None = None,
            **extra: Any) -> Response:
    """An RFC 9457 answer; in Chinese when `zh` (by default: when the request's Accept-Language asks)."""
    if zh is None:
        zh = request is not None and wants_zh(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": f"urn:petition-suite:problem:{code}",
        "title": title,
        "status": status,
        "detail": (detail_zh or zh_detail(code, status)) if zh else detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    if "errors" in body:
        body["errors"] = localize_errors(body["errors"], zh)
    if zh:
        headers = {**(headers or {}), "Content-Language": ZH}
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def validation_problem(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "invalid_json", "Malformed JSON", "The request body is not valid JSON.",
                       request=request)
    items = []
    for e in errors:
        msg = e.get("msg", "invalid")
        ctx = e.get("ctx") or {}
        if isinstance(ctx.get("error"), Exception):
            msg = str(ctx["error"])
        kind = e.get("type", "invalid")
        items.append({"field": _loc(e.get("loc", ())), "message": msg, "type": kind,
                      "message_zh": zh_field_message(kind, ctx, msg)})
    detail = "; ".join(f"{i['field']}: {i['message']}" for i in items[:5])
    detail_zh = "请求内容有误：" + "；".join(f"{i['field']}：{i['message_zh']}" for i in items[:5])
    return problem(422, "validation_error", "Invalid request", detail, request=request, errors=items,
                   detail_zh=detail_zh)


_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SuiteError)
    async def _suite(request: Request, exc: SuiteError) -> Response:
        return problem(exc.status, exc.code, exc.title, exc.detail, request=request,
                       headers=exc.headers, detail_zh=exc.detail_zh, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return validation_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.method} {request.url.path}."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem(exc.status_code, code, title, detail, request=request,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        rid = request.scope.get("state", {}).get("request_id") or request.headers.get("x-request-id")
        log.error("unhandled error", exc_info=exc, extra={"request_id": rid, "path": request.url.path})
        # Answered outside the middleware stack: add what the request-id and security middlewares would.
        settings = getattr(request.app.state, "settings", None)
        headers = {k.decode(): v.decode() for k, v in security_headers(
            request.url.path, getattr(settings, "suite_env", "prod") == "prod")}
        if rid:
            headers["X-Request-ID"] = rid
        return problem(500, "internal_error", "Internal error",
                       "The server failed to handle this request; it has been logged.",
                       request=request, headers=headers)
