"""Case handoffs (案件移交): create, move through their life, expire; events to the targets.

Life: requested -> accepted | rejected -> completed, or expired when the target
does not accept within `handoff_accept_working_days` working days. The target
service decides accept or reject (e.g. 诉访分离: a matter before a court is
rejected for mediation); the gateway records each step and reports it as a
`handoff.<status>` event (source gateway, subject the case number).
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.gateway.handoff import repository as repo
from services.gateway.handoff.models import (
    ACCEPTED,
    COMPLETED,
    EXPIRED,
    FINAL,
    REJECTED,
    REQUESTED,
    Handoff,
)
from services.gateway.handoff.schemas import CASE_NO, HandoffCreate
from shared import handoff_pii, vocabulary
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.db import utcnow
from shared.errors import NotFound, Unprocessable
from shared.events import emit
from shared.handoff_contract import REQUESTED as HANDOFF_REQUESTED
from shared.handoff_contract import HandoffRequested, HandoffStatusChanged, status_type
from shared.pii import KeyRing
from shared.timeutil import local_dt, to_local

log = logging.getLogger("suite.handoff")

SEES_ALL = ("coordinator", "auditor", "mediator", "lawyer")
# Fields of the request each target needs, beyond category, summary and parties.
REQUIRED = {
    "mediation": ("parties",),
    "legal_opinion": ("question", "parties"),
    "review_studio": ("kind", "received_on"),
    "reception_assist": ("leader", "start", "end"),
}


def check_case_no(case_no: str) -> None:
    if not CASE_NO.match(case_no):
        raise Unprocessable("case_no must be 1-64 of A-Z a-z 0-9 -.", errors=[
            {"field": "case_no", "message": "1-64 of A-Z a-z 0-9 -", "type": "value_error"}])


def validate_target_fields(body: HandoffCreate) -> None:
    errors = []
    for name in REQUIRED[body.target]:
        value = getattr(body, name)
        if value is None or (isinstance(value, (str, list)) and not value):
            errors.append({"field": name, "message": f"required when target is {body.target}",
                           "type": "missing"})
    if body.start is not None and body.end is not None and body.end <= body.start:
        errors.append({"field": "end", "message": "end must be after start", "type": "value_error"})
    if errors:
        raise Unprocessable("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


def expiry(cal: WorkingCalendar, now: datetime, working_days: int) -> datetime:
    """The same local time `working_days` working days later (1 working day by default)."""
    local = to_local(now)
    day = cal.add_working_days(local.date(), working_days)
    return local_dt(day, local.timetz().replace(tzinfo=None))


def requested_event(row: dict[str, Any]) -> HandoffRequested:
    """`handoff.requested` of a prepared row (shared/handoff_contract.py)."""
    return HandoffRequested.of(handoff_id=row["id"], case_no=row["case_no"], target=row["target"],
                               category=row["category"], summary=row["summary"], parties=row["parties"],
                               details=row["details"], requested_by=row["client_id"],
                               requested_at=to_local(row["requested_at"]).isoformat(),
                               expires_at=to_local(row["expires_at"]).isoformat())


def vocabulary_fields(words: str, details: dict[str, Any]) -> str:
    """The category's code (shared/vocabulary.py); unknown words go to `details["category_text"]`, and the
    nature of the dispute (`nature`, or a category that names one, e.g. 行政争议) to `details["nature"]`."""
    term = vocabulary.category(words)
    if term is None:
        return (words or "").strip()
    if term.text:
        details["category_text"] = term.text
    nature = vocabulary.nature(details.get("nature")) or vocabulary.nature(words)
    if nature:
        details["nature"] = nature
    return term.code


def category_answer(h: Handoff) -> dict[str, Any]:
    """`category`, `category_label`, `category_text`, `warnings`, and `nature` with `nature_label`."""
    details = h.details or {}
    nature = details.get("nature")
    return {**vocabulary.category_fields(h.category, details.get("category_text")), "nature": nature,
            "nature_label": vocabulary.label("nature", nature) if nature else None}


def request_origin(principal: Principal, idempotency_key: str) -> str:
    """The origin of a handoff requested with an Idempotency-Key (unique per client and key)."""
    digest = hashlib.sha256(f"{principal.client_id}|{principal.sub}|{idempotency_key}".encode()).hexdigest()
    return f"request:{digest[:48]}"


def prepare(cal: WorkingCalendar, working_days: int, case_no: str, body: HandoffCreate, *, created_by: str,
            client_id: str, pii: KeyRing, origin: str | None = None, parent_id: str | None = None,
            now: datetime | None = None, stored_parties: list[Any] | None = None) -> dict[str, Any]:
    """Check a handoff request and build its row (nothing written yet; see `record`).

    The parties' phones and ID numbers are sealed here under `pii` (HANDOFF_PII_KEYS), the masked value
    kept beside them (shared/handoff_pii.py): neither the row nor the event ever holds them in clear.
    `stored_parties`: parties already in that form (a chained handoff copies its predecessor's)."""
    check_case_no(case_no)
    validate_target_fields(body)
    now = now or utcnow()
    raw = body.model_dump(mode="json", exclude_none=True)
    details = {k: v for k, v in raw.items() if k not in ("target", "category", "summary", "parties")}
    category = vocabulary_fields(body.category, details)
    parties = stored_parties if stored_parties is not None else raw.get("parties", [])
    return {"id": uuid.uuid4().hex, "case_no": case_no, "target": body.target, "status": REQUESTED,
            "reason": None, "reason_code": None, "category": category, "summary": body.summary,
            "parties": [handoff_pii.seal_party(pii, p) for p in parties], "details": details,
            "created_by": created_by,
            "client_id": client_id, "origin": origin, "parent_id": parent_id, "requested_at": now,
            "expires_at": expiry(cal, now, working_days), "updated_at": now}


def record(session: Session, rows: list[dict[str, Any]], traces: list[str | None] | None = None) -> list[Handoff]:
    """Write prepared handoffs with their `requested` steps and emit `handoff.requested` for each.

    Core bulk inserts (the hot path of every handoff): one statement for the handoffs and one
    for the steps however many there are; the events are written at commit (outbox). The
    returned handoffs are plain, unattached rows. `traces`: each row's request trace context
    (`traceparent`), carried by its event (shared/tracing.py).
    """
    if not rows:
        return []
    steps = [{"handoff_id": r["id"], "status": REQUESTED, "at": r["requested_at"], "actor": r["created_by"],
              "reason": None, "reason_code": None, "event_id": None, "note": None} for r in rows]
    repo.insert_requested(session, rows, steps)
    out = []
    for i, r in enumerate(rows):
        emit(session, source="gateway", type=HANDOFF_REQUESTED, subject=r["case_no"],
             traceparent=traces[i] if traces else None, data=requested_event(r).data())
        out.append(Handoff(**r))
    return out


def create(session: Session, cal: WorkingCalendar, working_days: int, case_no: str, body: HandoffCreate, *,
           created_by: str, client_id: str, pii: KeyRing, origin: str | None = None, parent_id: str | None = None,
           now: datetime | None = None, stored_parties: list[Any] | None = None) -> Handoff:
    """Record a requested handoff and emit `handoff.requested` (in the caller's transaction)."""
    row = prepare(cal, working_days, case_no, body, created_by=created_by, client_id=client_id, pii=pii,
                  origin=origin, parent_id=parent_id, now=now, stored_parties=stored_parties)
    return record(session, [row])[0]


def add_step(session: Session, **step: Any) -> None:
    """Append one step to a handoff's history (a Core insert, no unit-of-work bookkeeping)."""
    row = {"reason": None, "reason_code": None, "event_id": None, "note": None, "actor": "", **step}
    repo.insert_steps(session, [row])


def transition(session: Session, h: Handoff, status: str, *, actor: str, reason: str | None = None,
               reason_code: str | None = None, event_id: str | None = None, now: datetime | None = None) -> bool:
    """Move `h` to `status` when its life allows it; a late or repeated answer is kept in the history only."""
    now = now or utcnow()
    allowed = {ACCEPTED: (REQUESTED,), REJECTED: (REQUESTED,), EXPIRED: (REQUESTED,),
               COMPLETED: (ACCEPTED, REQUESTED)}[status]
    if h.status not in allowed:
        if h.status != status:
            add_step(session, handoff_id=h.id, status=h.status, at=now, actor=actor, event_id=event_id,
                     reason=reason, reason_code=reason_code,
                     note=f"{status} ignored: the handoff is already {h.status}")
        return False
    if status == COMPLETED and h.status == REQUESTED:  # completion implies acceptance
        _step(session, h, ACCEPTED, actor=actor, event_id=event_id, now=now, note="implied by completion")
    _step(session, h, status, actor=actor, reason=reason, reason_code=reason_code, event_id=event_id, now=now)
    return True


def _step(session: Session, h: Handoff, status: str, *, actor: str, now: datetime, reason: str | None = None,
          reason_code: str | None = None, event_id: str | None = None, note: str | None = None) -> None:
    h.status, h.updated_at = status, now
    if reason is not None or status in (REJECTED, EXPIRED):
        h.reason, h.reason_code = reason, reason_code
    add_step(session, handoff_id=h.id, status=status, at=now, actor=actor, reason=reason,
             reason_code=reason_code, event_id=event_id, note=note)
    report = HandoffStatusChanged(handoff_id=h.id, case_no=h.case_no, target=h.target, status=status,
                                  reason=reason, reason_code=reason_code)
    emit(session, source="gateway", type=status_type(status), subject=h.case_no, data=report.data())


def visible(principal: Principal, h: Handoff) -> bool:
    if principal.has(*SEES_ALL):
        return True
    return principal.has("petition_system") and h.client_id == principal.client_id


def get_visible(session: Session, principal: Principal, handoff_id: str) -> Handoff:
    h = repo.get(session, handoff_id)
    if h is None or not visible(principal, h):
        raise NotFound("No handoff with this id.")
    return h


def expire_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Expire requested handoffs past their acceptance deadline (claimed: replicas never expire one twice)."""
    from shared.jobs import claim

    rows = claim(session, repo.expired_candidates(now, limit))
    for h in rows:
        if h.status == REQUESTED:
            transition(session, h, EXPIRED, actor="gateway", now=now,
                       reason="目标单位未在规定期限内接收", reason_code="not_accepted_in_time")
    return len(rows)


def is_final(h: Handoff) -> bool:
    return h.status in FINAL
