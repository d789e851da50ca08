"""The gateway's internal listener (内部端口): `/internal/...` is served only here.

The same application answers on a second port (GATEWAY_INTERNAL_PORT, default 8010; 0 turns it off),
bound to GATEWAY_INTERNAL_HOST (default 127.0.0.1). Requests that arrive on it carry
`scope[INTERNAL_SCOPE_KEY] = True`; the public port answers 404 for every `/internal/...` path (the
event hub's `POST /internal/events`, the services' token endpoint `POST /internal/oauth/token`).

The listener is started from the gateway's lifespan, so it runs under `make run`, the benches, the
test suite and any ASGI server alike. With GATEWAY_INTERNAL_REUSE_PORT=true (several workers of one
gateway: `devtools.runner` sets it when GATEWAY_WORKERS > 1) its socket has SO_REUSEPORT, so they share the port.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn

log = logging.getLogger("suite.gateway.internal")

INTERNAL_SCOPE_KEY = "suite.internal_listener"


def on_internal_listener(scope) -> bool:
    """The request came in on the internal listener (never true on the public port)."""
    return scope.get(INTERNAL_SCOPE_KEY) is True


def is_internal_path(path: str) -> bool:
    """`/internal` or `/internal/...`, in any letter case."""
    first = path.lstrip("/").split("/", 1)[0]
    return path.startswith("/") and first.lower() == "internal"


class _MarkInternal:
    """ASGI wrapper: marks every request of the internal listener (lifespan is not forwarded)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope[INTERNAL_SCOPE_KEY] = True
        await self.app(scope, receive, send)


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers to the outer server."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield

    def install_signal_handlers(self) -> None:  # older uvicorn
        return None


class InternalListener:
    def __init__(self, app, host: str, port: int, reuse_port: bool = False) -> None:
        self.host, self.port, self.reuse_port = host, port, reuse_port
        # Logging left as the app set it (JSON lines, LOG_ACCESS: shared/observability.py): no log config,
        # no level, and access lines go wherever the public server's go.
        config = uvicorn.Config(_MarkInternal(app), host=host, port=port, lifespan="off", log_config=None,
                                log_level=None, proxy_headers=False, access_log=True, timeout_graceful_shutdown=5)
        self.server = _QuietServer(config)
        self._task: asyncio.Task | None = None
        self._sock: socket.socket | None = None

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.reuse_port and hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((self.host, self.port))
        sock.listen(2048)
        sock.setblocking(False)
        return sock

    async def start(self) -> None:
        self._sock = self._bind()
        self._task = asyncio.create_task(self.server.serve(sockets=[self._sock]), name="gateway-internal-listener")
        for _ in range(500):
            if self.server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # raise what stopped it
        log.info("internal listener on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self._task, 10)
        if self._sock is not None:
            self._sock.close()
        self._task = None


def install_internal_listener(app, settings) -> None:
    """Start the internal listener once the app's startup is done (the outermost lifespan)."""
    if not settings.internal_port:
        return
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            listener = InternalListener(a, settings.internal_host, settings.internal_port, settings.internal_reuse_port)
            await listener.start()
            a.state.internal_listener = listener
            try:
                yield state
            finally:
                await stop_internal_listener(a)

    app.router.lifespan_context = lifespan


async def stop_internal_listener(app) -> None:
    listener = getattr(app.state, "internal_listener", None)
    if listener is not None:
        app.state.internal_listener = None
        await listener.stop()
