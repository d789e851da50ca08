"""`OneHopRoute`: a sync endpoint, the check of its answer and its commit in one worker thread.

FastAPI runs a sync endpoint in one worker thread, checks its answer against the response model in
another, and ended the old `yield` session dependency (the commit) in a third. A request that took
a lock in the first (the SQLite write lock, or a PostgreSQL row a concurrent insert waits on) then
needed more threads while it held the lock: with more such requests in flight than AnyIO has worker
threads (40), every thread waited on the lock and the holder waited for a thread (issue 11).

A route of this class opens the request's unit of work (shared/db.py) before its dependencies are
solved and ends it after the handler. A plain sync endpoint runs with `UnitOfWork.run`: one worker
thread calls it, checks the answer against the response model and commits (or rolls back on any
error, the answer check included). The dependencies are solved on the event loop before that: the
suite's are async and leave the database work to the endpoint (loaded lazily), so a request needs
exactly one worker thread and waits for it holding no lock. A sync endpoint without a database
session still runs in one thread; async endpoints and generators are left as FastAPI runs them
(their unit, if used, is committed after the handler, before the answer is sent).

Use: `APIRouter(..., route_class=OneHopRoute)`.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import anyio.to_thread
from fastapi.dependencies.utils import get_typed_return_annotation, get_typed_signature
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from shared.db import UNIT_SCOPE_KEY, UnitOfWork, end_request_unit, open_request_unit

REQUEST_PARAM = "one_hop_request__"


class _Answer:
    """The route's response field, known only once the route is built."""

    __slots__ = ("field",)

    def __init__(self) -> None:
        self.field: Any = None  # fastapi's ModelField once the route is built

    def check(self, result: Any) -> Any:
        """The endpoint's answer validated as FastAPI would (the same error, a 500) before the commit."""
        if self.field is None or isinstance(result, Response):
            return result
        value, errors = self.field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
        return value


def unit_limiter(app, read_only: bool = False) -> anyio.CapacityLimiter:
    """Units of work in worker threads at once: for units that write, as many as the pool keeps
    connections (DB_POOL_SIZE); apart, for units that only read, DB_READ_THREADS (at most the pool's).

    Each holds one connection from its first statement to its commit and needs no second thread, so
    the ones waiting here hold nothing. Reads have their own limiter so that they never queue behind
    writers that wait for a lock (on SQLite, the write lock; bench/embedded_mix.py); the pool's
    overflow (as many again) covers both sets at once without opening connections beyond it. The
    limiters are first come, first served.
    """
    state = app.state
    name = "read_unit_limiter" if read_only else "unit_limiter"
    limiter = getattr(state, name, None)
    if limiter is None:  # made on the event loop that serves the app
        size = state.db.engine.pool.size()
        limiter = anyio.CapacityLimiter(max(1, min(size, state.db.read_threads) if read_only else size))
        setattr(state, name, limiter)
    return limiter


def _plain_sync(fn: Callable[..., Any]) -> bool:
    return inspect.isfunction(fn) and not (inspect.iscoroutinefunction(fn) or inspect.isgeneratorfunction(fn)
                                           or inspect.isasyncgenfunction(fn))


def one_hop(endpoint: Callable[..., Any], answer: _Answer) -> Callable[..., Any]:
    """An async stand-in for a sync endpoint with the same parameters (annotations evaluated), plus the
    request; it runs the endpoint, the answer check and the commit in one worker thread."""
    typed = get_typed_signature(endpoint)
    params = list(typed.parameters.values())
    request_param = next((p.name for p in params if inspect.isclass(p.annotation)
                          and issubclass(p.annotation, Request)), None)
    added = request_param is None
    if request_param is None:
        request_param = REQUEST_PARAM
        params.append(inspect.Parameter(REQUEST_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    original = inspect.signature(endpoint)
    returns = (inspect.Signature.empty if original.return_annotation is inspect.Signature.empty
               else get_typed_return_annotation(endpoint))

    def work(kwargs: dict[str, Any]) -> Any:
        return answer.check(endpoint(**kwargs))

    async def endpoint_in_one_hop(**kwargs: Any) -> Any:
        request: Request = kwargs.pop(request_param) if added else kwargs[request_param]
        unit: UnitOfWork | None = request.scope.get(UNIT_SCOPE_KEY)
        if unit is None or unit.done:
            return await anyio.to_thread.run_sync(work, kwargs)
        # Any database error, the endpoint's or the commit's, leaves here and becomes a problem
        # (409 / 503) in the route's handler (shared.db.end_request_unit).
        return await anyio.to_thread.run_sync(unit.run, functools.partial(work, kwargs),
                                              limiter=unit_limiter(request.app, unit.read_only))

    wrapper = functools.update_wrapper(endpoint_in_one_hop, endpoint)
    del wrapper.__wrapped__  # FastAPI must see the coroutine function, not the sync one
    wrapper.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]  # inspect reads it
    return wrapper


class OneHopRoute(APIRoute):
    """An APIRoute that owns the request's unit of work; a plain sync endpoint runs, is checked and
    commits in one worker thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not _plain_sync(endpoint):
            super().__init__(path, endpoint, **kwargs)
            return
        answer = _Answer()
        super().__init__(path, one_hop(endpoint, answer), **kwargs)
        answer.field = self.response_field

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle_in_unit(request: Request) -> Response:
            # Opened before the dependencies are solved, so `db_session` only hands out its session;
            # ended here when the endpoint did not end it (an error before it ran, an async endpoint).
            unit = open_request_unit(request)
            try:
                response = await handler(request)
            except BaseException as e:
                await end_request_unit(unit, e)
                raise
            await end_request_unit(unit, None)
            return response

        return handle_in_unit
