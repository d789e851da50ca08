"""The gateway's `/openapi.json` (and so `/docs`) shows the whole public API (接口文档).

The gateway's own document is merged at request time with the services' own
`/openapi.json`, fetched through `mediation_url` / `lawyers_url` and cached for
a few seconds. Only a service's public paths are taken (those under its public
prefix, which the gateway forwards unchanged); internal paths (`/internal/...`)
are left out everywhere, and the services' health endpoints are theirs, not
the public ones. A component whose name the merged document already uses for a
different definition gets the service's name as a prefix (`lawyers_CloudEvent`).
A service that does not answer is named in `info.description` and left out.
"""
from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.gateway.proxy.guard import PREFIXES
from shared.problem_docs import add_problem_responses

CACHE_SECONDS = 10.0
FETCH_TIMEOUT = httpx.Timeout(3.0, connect=1.0)
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def is_internal(path: str) -> bool:
    return any(seg.lower() == "internal" for seg in path.split("/"))


def public_paths(svc: str, paths: dict[str, Any]) -> dict[str, Any]:
    """The paths of a service's document that the gateway forwards: under its prefix, not internal."""
    prefix = next(p for p, s in PREFIXES if s == svc)
    return {path: item for path, item in paths.items()
            if (path == prefix or path.startswith(prefix + "/")) and not is_internal(path)}


def _refs(node: Any, found: set[str]) -> set[str]:
    """Every `$ref` value under `node`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)
    return found


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite_refs(v, renames) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref in renames:
            out["$ref"] = renames[ref]
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def _ref(section: str, name: str) -> str:
    return f"#/components/{section}/{name}"


def used_components(paths: dict[str, Any], components: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The components `paths` refer to, directly or through other components (security schemes, which are
    named rather than referred to, are all kept)."""
    seen: set[str] = set()
    todo = _refs(paths, set())
    while todo:
        ref = todo.pop()
        if ref in seen or not ref.startswith("#/components/"):
            continue
        seen.add(ref)
        section, name = ref.split("/")[2:4]
        item = (components.get(section) or {}).get(name)
        if item is not None:
            _refs(item, todo)
    return {section: {name: item for name, item in items.items()
                      if section == "securitySchemes" or _ref(section, name) in seen}
            for section, items in components.items()}


def merge_service(merged: dict[str, Any], svc: str, doc: dict[str, Any]) -> None:
    """Add one service's public paths and the components they use to `merged` (in place)."""
    public = public_paths(svc, doc.get("paths") or {})
    theirs = used_components(public, doc.get("components") or {})
    ours: dict[str, dict[str, Any]] = merged.setdefault("components", {})
    # A component is shared when ours has the same definition under the same name and everything it
    # refers to is shared as well; any other clash is renamed `<svc>_<name>`.
    clashing = {_ref(section, name) for section, items in theirs.items() for name, item in items.items()
                if name in ours.get(section, {}) and ours[section][name] != item}
    shared = {_ref(section, name) for section, items in theirs.items() for name in items
              if name in ours.get(section, {})} - clashing
    changed = True
    while changed:  # a shared component referring to a renamed one is renamed too
        changed = False
        for ref in list(shared):
            section, name = ref.split("/")[2:4]
            if _refs(theirs[section][name], set()) & clashing:
                shared.discard(ref)
                clashing.add(ref)
                changed = True
    renames: dict[str, str] = {}
    for ref in sorted(clashing):
        section, name = ref.split("/")[2:4]
        taken = set(ours.get(section, {})) | set(theirs.get(section, {})) | set(renames.values())
        new, n = f"{svc}_{name}", 2
        while new in taken or _ref(section, new) in taken:
            new, n = f"{svc}_{name}_{n}", n + 1
        renames[ref] = _ref(section, new)
    for section, items in theirs.items():
        target = ours.setdefault(section, {})
        for name, item in items.items():
            ref = _ref(section, name)
            if ref in shared:
                continue
            target[renames.get(ref, ref).split("/")[3]] = _rewrite_refs(item, renames)
    operation_ids = {op.get("operationId") for item in merged.get("paths", {}).values()
                     for m, op in item.items() if m in HTTP_METHODS and isinstance(op, dict)}
    paths = merged.setdefault("paths", {})
    for path, item in public.items():
        item = _rewrite_refs(item, renames)
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            if op.get("operationId") in operation_ids:  # Swagger UI links operations by id
                op["operationId"] = f"{svc}_{op['operationId']}"
            operation_ids.add(op.get("operationId"))
        paths[path] = item  # the edge forwards these paths before the gateway's own routes see them
    tag_names = {t.get("name") for t in merged.get("tags", [])}
    for tag in doc.get("tags") or []:
        if tag.get("name") not in tag_names:
            merged.setdefault("tags", []).append(tag)
            tag_names.add(tag.get("name"))


def merge_documents(own: dict[str, Any], services: dict[str, dict[str, Any] | None],
                    errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The gateway's document without internal paths, plus each service's public part.

    `services` maps a service to its document, or None when it could not be fetched (`errors` says why).
    """
    merged = copy.deepcopy(own)
    merged["paths"] = {p: item for p, item in (merged.get("paths") or {}).items() if not is_internal(p)}
    merged["components"] = used_components(merged["paths"], merged.get("components") or {})
    info = merged.setdefault("info", {})
    info["title"] = "Petition suite API (区信访局 调解与法律顾问排期系统)"
    notes = []
    for svc, doc in services.items():
        if doc is None:
            why = (errors or {}).get(svc, "no answer")
            notes.append(f"**{svc}**: 服务不可用，其接口未列出 (the {svc} service did not answer: {why}; "
                         f"its paths are missing from this document, reload later).")
            continue
        merge_service(merged, svc, doc)
    description = ("The whole public API through the gateway: the gateway's own paths and those it "
                   "forwards to " + ", ".join(services) + ". The services' own ports are internal.")
    info["description"] = "\n\n".join([description, *notes])
    # What the edge itself may answer on any `/api/` path (proxy/edge.py, proxy/forwarder.py).
    add_problem_responses(merged, statuses=(401, 403, 422, 429), body_statuses=(400, 413))
    return merged


class MergedOpenAPI:
    """Builds and briefly caches the merged document for one gateway app."""

    def __init__(self, app: FastAPI, settings, ttl: float = CACHE_SECONDS) -> None:
        self.app = app
        self.own = app.openapi  # FastAPI's own builder (it caches the gateway's document itself)
        self.upstreams = {"mediation": settings.mediation_url, "lawyers": settings.lawyers_url}
        self.ttl = ttl
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def _fetch(self, client: httpx.AsyncClient, svc: str) -> tuple[dict | None, str]:
        url = self.upstreams[svc].rstrip("/") + "/openapi.json"
        try:
            r = await client.get(url, timeout=FETCH_TIMEOUT)
            if r.status_code != 200:
                return None, f"{url} answered {r.status_code}"
            doc = r.json()
            if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
                return None, f"{url} is not an OpenAPI document"
            return doc, ""
        except (httpx.HTTPError, json.JSONDecodeError) as e:
            return None, f"{url}: {type(e).__name__}"

    async def document(self, client: httpx.AsyncClient) -> dict[str, Any]:
        cached = self._cached
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self._lock:
            cached = self._cached
            if cached and cached[0] > time.monotonic():
                return cached[1]
            results = await asyncio.gather(*(self._fetch(client, svc) for svc in self.upstreams))
            docs = {svc: doc for svc, (doc, _) in zip(self.upstreams, results, strict=True)}
            errors = {svc: why for svc, (_, why) in zip(self.upstreams, results, strict=True) if why}
            merged = merge_documents(self.own(), docs, errors)
            self._cached = (time.monotonic() + self.ttl, merged)
            return merged

    def latest(self) -> dict[str, Any]:
        """The last merged document, else the gateway's own without internal paths (no fetch: sync)."""
        if self._cached:
            return self._cached[1]
        return merge_documents(self.own(), {})

    def clear(self) -> None:
        self._cached = None


def install_merged_openapi(app: FastAPI, settings) -> None:
    """Serve the merged document at the app's `openapi_url` (no token: the edge checks only `/api/`)."""
    if not app.openapi_url:  # prod: no /docs, no /openapi.json
        return
    merged = MergedOpenAPI(app, settings)
    app.state.openapi = merged
    app.openapi = merged.latest  # type: ignore[method-assign]  # for callers of app.openapi()
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != app.openapi_url]

    async def openapi_json(request: Request) -> JSONResponse:
        client = getattr(request.app.state, "http", None)
        if client is None:  # no lifespan ran (a bare test app)
            async with httpx.AsyncClient() as c:
                return JSONResponse(await merged.document(c))
        return JSONResponse(await merged.document(client))

    app.add_route(app.openapi_url, openapi_json, include_in_schema=False)
