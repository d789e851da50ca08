"""Refused requests (401, 403, and what the gateway's edge refuses to forward, e.g. a spelling of an
internal path: 404) are recorded, each in its own short transaction, before the answer leaves.

Called from the edge layer of every service (shared/edge.py) when the answer starts. The gateway's
answers that come back from a service it forwarded to are not recorded again (the service recorded
them): the gateway sets `app.state.audit_forwarded(scope)`. The token endpoint records its own
failures (failed sign-ins).
"""
from __future__ import annotations

import logging

import anyio

from shared.audit import writer

log = logging.getLogger("suite.audit")
REFUSED = (401, 403)
SELF_RECORDING = ("/oauth/token", "/internal/oauth/token")


def _refusal(app, scope, status: int) -> None:
    service = app.state.settings.service_name
    route = scope.get("route")
    template = getattr(route, "path", None)
    detail = {"method": scope.get("method", ""), "path": scope.get("path", "")[:200], "status": status}
    if template:
        detail["route"] = template
    object_type = object_id = ""
    if template and template.startswith("/api/"):
        _, object_type, object_id = writer.describe(service, scope.get("method", ""), template,
                                                    scope.get("path_params") or {})
    writer.record_now(app.state.db, "access.denied", service=service, outcome="failure", object_type=object_type,
                      object_id=object_id, detail=detail, **writer.caller(scope, service))


async def _who(app, scope) -> None:
    """A request refused before its token was read (the edge's 404): who sent it, if the token is good."""
    state = scope.setdefault("state", {})
    if state.get("principal") is not None or getattr(app.state, "verifier", None) is None:
        return
    for k, v in scope.get("headers") or ():
        if k == b"authorization":
            scheme, _, token = v.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                try:
                    state["principal"] = await app.state.verifier.verify(token.strip())
                except Exception:
                    pass
            return


async def record_refusal(scope, status: int) -> None:
    """Record a refused answer (401, 403, or one the edge marked `audit_refused`) before it leaves;
    the self-recording token endpoints and the answers the gateway only forwarded are skipped."""
    if not (status in REFUSED or (scope.get("state") or {}).get("audit_refused")):
        return
    if scope["path"] in SELF_RECORDING:
        return
    app = scope.get("app")
    forwarded = getattr(app.state, "audit_forwarded", None) if app is not None else None
    if app is None or getattr(app.state, "db", None) is None or (forwarded is not None and forwarded(scope)):
        return
    try:
        await _who(app, scope)
        await anyio.to_thread.run_sync(_refusal, app, scope, status)
    except Exception as e:  # the refusal stands; a lost record is logged
        log.error("refused request not recorded", extra={"error": repr(e)[:300]})
