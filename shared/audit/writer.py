"""Writing audit records in the transaction of the change they record.

- Every successful state-changing request (POST/PUT/PATCH/DELETE under `/api/`) of a service leaves one
  record, appended by a `before_commit` hook in the request's own transaction (the session of the
  request dependency `shared.db.db_session`, which puts the request in `session.info["audit_request"]`).
  A change whose record cannot be written does not commit: the hook raises `AuditWriteFailed` (503
  problem+json) and the request's transaction rolls back whole.
- `record(session, action, ...)` adds a further record to the session's transaction (a sign-in, a look at
  unmasked personal data, a job's work); `record_now(db, ...)` writes one in its own short transaction.
- `note(session, ...)` names the action or the object of the request's automatic record when the route
  alone does not (by default: the service, the route's nouns and a verb, e.g. `mediation.session.cancel`,
  the object from the last path parameter, or the first row the request inserted).
- `skip(request)`: a request whose change is written elsewhere records its own entry there
  (the gateway's handoff intake).
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from sqlalchemy import event
from sqlalchemy.orm import Mapper, object_session
from sqlmodel import Session

import shared.events.outbox  # noqa: F401  (its before_commit hook first: every process locks in one order)
from shared.audit import chain
from shared.errors import SuiteError

log = logging.getLogger("suite.audit")

REQUEST = "audit_request"    # session.info: the Request whose transaction this session is
PENDING = "audit_pending"    # session.info: records to append when the transaction commits
NOTE = "audit_note"          # session.info: names for the request's automatic record
INSERTED = "audit_inserted"  # session.info: (table, primary key) of the rows the request inserted
READ_ONLY_SESSION = "read_only"  # session.info of a read-only unit of work (shared.db.READ_ONLY_SESSION)
DONE = "audit_done"          # session.info: the request's automatic record is written
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Actions named by hand where the route's own words say less.
ACTIONS = {("POST", "/api/v1/mediation/sessions"): "mediation.session.book"}
# Tables whose rows never name the object of a request.
BOOKKEEPING = frozenset({"outbox_event", "subject_sequence", "inbox_event", "audit_event", "audit_chain",
                         "idempotency_key", "hub_event", "hub_subject", "hub_delivery"})
VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


class AuditWriteFailed(SuiteError):
    status, code, title = 503, "audit_unavailable", "Audit trail unavailable"


def skip(request: Request) -> None:
    """This request's change records its own audit entry (in the transaction that writes it)."""
    request.state.audit_skip = True


def client_ip(scope, service: str) -> str:
    """The caller's address: behind the gateway, the address the gateway saw (the last X-Forwarded-For
    entry, appended by the gateway's proxy); on the gateway itself the address its edge resolved (the
    forwarded one from a trusted proxy such as the console), else the connection's peer."""
    if service == "gateway":
        resolved = (scope.get("state") or {}).get("client_ip")
        if resolved:
            return str(resolved)[:64]
    else:
        for k, v in scope.get("headers") or ():
            if k == b"x-forwarded-for":
                return v.decode("latin-1").rsplit(",", 1)[-1].strip()[:64]
    client = scope.get("client")
    return client[0] if client else ""


def caller(scope, service: str) -> dict[str, Any]:
    """actor, roles, client_id and ip of a request (whatever of them is known)."""
    principal = (scope.get("state") or {}).get("principal")
    out: dict[str, Any] = {"ip": client_ip(scope, service)}
    if principal is not None:
        out.update(actor=principal.sub, roles=sorted(principal.roles), client_id=principal.client_id)
    return out


def service_of(request: Request) -> str:
    return request.app.state.settings.service_name


def record(session: Session, action: str, *, request: Request | None = None, service: str | None = None,
           object_type: str = "", object_id: str = "", outcome: str = "success",
           detail: dict[str, Any] | None = None, **who: Any) -> dict[str, Any]:
    """Add a record to `session`'s transaction (written when it commits, in the same transaction).

    The caller (actor, roles, client_id, ip) comes from `request`, or from the request the session is
    bound to; keyword arguments `actor`, `roles`, `client_id`, `ip` override it.
    """
    request = request if request is not None else session.info.get(REQUEST)
    svc = service or (service_of(request) if request is not None else "")
    if not svc:
        raise ValueError("record() needs the service (no request bound to the session)")
    base = caller(request.scope, svc) if request is not None else {}
    base.update({k: v for k, v in who.items() if v is not None})
    rec = chain.new_record(svc, action, object_type=object_type, object_id=str(object_id or ""), outcome=outcome,
                           detail=detail, **base)
    session.info.setdefault(PENDING, []).append(rec)
    return rec


def note(session: Session, *, action: str | None = None, object_type: str | None = None,
         object_id: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Name the action / object of the request's automatic record (when the route does not say it)."""
    n = session.info.setdefault(NOTE, {})
    n.update({k: v for k, v in (("action", action), ("object_type", object_type), ("object_id", object_id),
                                ("detail", detail)) if v is not None})


def record_now(db, action: str, *, service: str, **kw: Any) -> dict[str, Any]:
    """One record in its own short transaction (refused requests, jobs)."""
    with db.session() as s:
        return record(s, action, service=service, **kw)


# -- the automatic record of a state-changing request ---------------------------------------------
def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def describe(service: str, method: str, template: str, params: dict[str, Any]) -> tuple[str, str, str]:
    """(action, object_type, object_id) of a request from its route template and path parameters."""
    segs = [s for s in template.split("/") if s]
    if segs[:2] == ["api", "v1"]:
        segs = segs[2:]
    if segs and segs[0] == service:
        segs = segs[1:]
    names: list[str] = []
    object_type = object_id = ""
    prev_literal, last_is_param = "", False
    for seg in segs:
        if seg.startswith("{"):
            key = seg.strip("{}").split(":", 1)[0]
            object_type = singular(prev_literal or key).replace("-", "_")
            object_id = str(params.get(key, ""))
            last_is_param = True
        else:
            names.append(singular(seg).replace("-", "_").replace(".", "_"))
            prev_literal, last_is_param = seg, False
    if last_is_param:
        names.append(VERBS.get(method, method.lower()) if method != "POST" else "update")
    elif segs and (singular(segs[-1]) != segs[-1] or len(names) == 1):  # a collection: something is added
        names.append(VERBS.get(method, method.lower()))
        if not object_type:
            object_type = singular(segs[-1]).replace("-", "_")
    action = ACTIONS.get((method, template)) or ".".join([service, *names])
    return action, object_type, object_id


def _created(session: Session, object_type: str) -> str:
    rows = session.info.get(INSERTED) or []
    for table, pk in rows:
        if object_type and (table == object_type or table.endswith("_" + object_type)):
            return pk
    return rows[0][1] if rows else ""


def _automatic(session: Session, request: Request) -> dict[str, Any] | None:
    method = request.method
    path = request.url.path
    if method not in WRITE_METHODS or not path.startswith("/api/"):
        return None
    if getattr(request.state, "audit_skip", False):
        return None
    service = service_of(request)
    route = request.scope.get("route")
    template = getattr(route, "path", path)
    action, object_type, object_id = describe(service, method, template, request.path_params)
    n = session.info.get(NOTE) or {}
    object_type = n.get("object_type", object_type)
    object_id = n.get("object_id") or object_id or _created(session, object_type)
    detail = {"method": method, "route": template, **(n.get("detail") or {})}
    return chain.new_record(service, n.get("action", action), object_type=object_type, object_id=object_id,
                            detail=detail, **caller(request.scope, service))


@event.listens_for(Mapper, "after_insert")
def _inserted(mapper, connection, target) -> None:
    session = object_session(target)
    if session is None or REQUEST not in session.info:
        return
    try:
        pk = mapper.primary_key_from_instance(target)
    except Exception:  # pragma: no cover - defensive
        return
    value = pk[0] if len(pk) == 1 else "/".join(str(p) for p in pk)
    if mapper.local_table.name not in BOOKKEEPING:
        session.info.setdefault(INSERTED, []).append((mapper.local_table.name, "" if value is None else str(value)))


@event.listens_for(Session, "do_orm_execute")
def _core_inserted(state) -> None:
    """Rows inserted with `session.execute(insert(table), rows)` (bulk paths) name the object too."""
    if not state.is_insert or REQUEST not in state.session.info:
        return
    table = getattr(state.statement, "table", None)
    params = state.parameters
    first = params[0] if isinstance(params, (list, tuple)) and params else params
    if table is None or not isinstance(first, dict) or table.name in BOOKKEEPING:
        return
    pk = [first.get(c.name) for c in table.primary_key.columns]
    if pk and all(v is not None for v in pk):
        state.session.info.setdefault(INSERTED, []).append((table.name, "/".join(str(v) for v in pk)))


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Append this transaction's records (the request's automatic one first) right before it commits.

    A read-only unit of work (a GET) writes nothing: its records stay pending, and the unit writes them
    in a short transaction of its own when it ends, before the answer leaves (shared.db.UnitOfWork).
    """
    request = session.info.get(REQUEST)
    if (request is None and not session.info.get(PENDING)) or session.info.get(READ_ONLY_SESSION):
        return  # a read-only unit (GET) hands its records to a short write unit when it ends (shared/db.py)
    automatic = request is not None and not session.info.get(DONE)
    if automatic and request is not None and request.method in WRITE_METHODS:
        session.flush()  # rows added but not yet flushed: their ids name the object (a conflict stays a 409)
    try:
        records = []
        if automatic and request is not None:
            session.info[DONE] = True
            auto = _automatic(session, request)
            if auto is not None:
                records.append(auto)
        records += session.info.pop(PENDING, [])
        if not records:
            return
        by_service: dict[str, list] = {}
        for rec in records:
            by_service.setdefault(rec["service"], []).append(rec)
        with session.no_autoflush:
            for service, recs in by_service.items():
                chain.append(session, service, recs)
    except SuiteError:
        raise
    except Exception as e:
        log.error("audit record not written; the change is refused", extra={"error": repr(e)[:300]})
        raise AuditWriteFailed("The audit record of this change could not be written; nothing was changed.",
                               detail_zh="无法写入审计记录，本次操作未生效。") from e


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in (PENDING, NOTE, INSERTED):
        session.info.pop(key, None)
    session.info.pop(DONE, None)
