"""Every dependency of every route is async: FastAPI runs a sync one in a worker thread, a thread hop per
request before the endpoint's own (issue 11: `page_params` cost each list request one)."""
from __future__ import annotations

import importlib
import inspect

import pytest
from fastapi.routing import APIRoute

SERVICES = ("gateway", "mediation", "lawyers")


def _is_async(call) -> bool:
    return (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
            or inspect.iscoroutinefunction(type(call).__call__))  # an instance with `async def __call__`


def _routes(routes):
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):  # FastAPI's included router
            yield from _routes(r.original_router.routes)


def _sync_dependencies(dependant, route: APIRoute, out: set[str]) -> None:
    for sub in dependant.dependencies:
        if sub.call is not None and not _is_async(sub.call):
            out.add(f"{route.path}: {sub.call.__module__}.{getattr(sub.call, '__qualname__', sub.call)}")
        _sync_dependencies(sub, route, out)


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_has_a_sync_dependency(service, tmp_path):
    main = importlib.import_module(f"services.{service}.main")
    app = main.create_app(database_url=f"sqlite:///{tmp_path / 'x.db'}", suite_env="test", jobs_enabled=False)
    routes = list(_routes(app.routes))
    assert len(routes) > 20  # the service's API is there to be checked
    found: set[str] = set()
    for route in routes:
        _sync_dependencies(route.dependant, route, found)
    assert not found, "sync dependencies (each a worker-thread hop per request): " + ", ".join(sorted(found))
