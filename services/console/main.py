"""The console service (工作台), port 8003, served to browsers by the gateway under `/console/`.

It owns no data: every page is built from the public API with the signed-in
person's token (see `web.py`). Each screen is a module of `screens/` with a
`router`; they are found and mounted here.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from services.console import screens
from services.console.gateway_api import ApiError, ApiUnavailable, GatewayApi, SignInRequired
from services.console.sessions import SessionStore
from services.console.settings import ConsoleSettings
from services.console.web import CsrfRefused, NotAllowed, NotSignedIn, render, url
from shared.edge import NO_FRAMEWORK_TELEMETRY, EdgeMiddleware
from shared.observability import Metrics, setup_logging

log = logging.getLogger("console")

# No inline script or style anywhere: the pages use only the console's own files.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """Pure ASGI: CSP, no framing, no sniffing, no caching of pages that show personal data."""

    def __init__(self, app, hsts: bool) -> None:
        self.app = app
        extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                 (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
        if hsts:
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        self.extra = extra

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope["path"]

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in {k for k, _ in self.extra}]
                headers.extend(self.extra)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def _next_from_htmx(request: Request, fallback: str) -> str:
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return parts.path + (("?" + parts.query) if parts.query else "")
    return fallback


def create_app(settings: ConsoleSettings | None = None, **overrides) -> FastAPI:
    settings = settings or ConsoleSettings(**overrides)
    setup_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.api = GatewayApi(settings.gateway_url, settings.api_timeout_seconds, settings.client_id)
        try:
            yield
        finally:
            await app.state.api.close()

    app = FastAPI(title="Petition suite console (工作台)", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, telemetry=NO_FRAMEWORK_TELEMETRY)
    app.state.settings = settings
    app.state.sessions = SessionStore(settings.idle_minutes * 60)
    # request ids on every log line and answer, /metrics, the route template for the gateway's labels
    app.state.metrics = Metrics("console")
    app.add_middleware(EdgeMiddleware, metrics=app.state.metrics, route_header=True)
    app.add_middleware(SecurityHeaders, hsts=settings.suite_env == "prod")
    app.mount(settings.base_path + "/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics():
        return await app.state.metrics.render_async()

    @app.get("/readyz", include_in_schema=False)
    async def readyz():
        try:
            r = await app.state.api.http.get("/healthz", timeout=2)
            ok = r.status_code == 200
        except Exception:
            ok = False
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": {"gateway": ok}},
                            status_code=200 if ok else 503)

    for mod in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"{screens.__name__}.{mod.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router, prefix=settings.base_path)

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        target = url(request, "/login") + "?next=" + quote(_next_from_htmx(request, exc.next_url))
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return Response(status_code=303, headers={"Location": target})

    @app.exception_handler(SignInRequired)
    async def _token_refused(request: Request, exc: SignInRequired):
        person = getattr(request.state, "person", None)
        if person is not None:
            app.state.sessions.end(person.sid)
        fallback = request.url.path if request.method == "GET" else url(request, "/")
        return await _not_signed_in(request, NotSignedIn(fallback))

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed):
        return render(request, "error.html", status_code=403, title="无权访问",
                      message="您的角色不能使用此页面或操作。")

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused):
        return render(request, "error.html", status_code=403, title="请求已拒绝",
                      message="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")

    @app.exception_handler(ApiUnavailable)
    async def _unavailable(request: Request, exc: ApiUnavailable):
        return render(request, "error.html", status_code=503, title="系统暂时无法访问",
                      message="后台服务暂时无法连接，请稍后再试。如持续出现，请联系系统管理员。")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        status = exc.status if 400 <= exc.status < 500 else 502
        title = {403: "无权访问", 404: "未找到"}.get(exc.status, "操作未完成")
        return render(request, "error.html", status_code=status, title=title, message=exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return render(request, "error.html", status_code=404, title="页面不存在", message="您访问的页面不存在。")
        return render(request, "error.html", status_code=exc.status_code, title="请求有误",
                      message="请求无法处理，请返回重试。")

    @app.exception_handler(RequestValidationError)
    async def _bad_query(request: Request, exc: RequestValidationError):
        return render(request, "error.html", status_code=400, title="请求有误",
                      message="链接中的参数格式不正确，请返回重试。")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.error("console page failed", exc_info=exc, extra={"path": request.url.path})
        return render(request, "error.html", status_code=500, title="页面出错",
                      message="页面暂时无法显示，请稍后再试。此问题已记录。")

    return app
