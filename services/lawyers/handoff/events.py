"""Handoffs addressed to lawyers (案件移交): the gateway routes `handoff.requested` as an event.

Targets handled here: `legal_opinion` (an opinion request), `review_studio` (a
review or re-examination) and `reception_assist` (a lawyer for a leader's
reception). The answer goes back as `lawyers.handoff.accepted` / `.rejected`, and
`lawyers.handoff.completed` when the opinion is filed, the review decided or
(at once) the assist assigned.
"""
from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from services.lawyers.context import SOURCE, Ctx, job_ctx
from services.lawyers.duty import service as duty
from services.lawyers.duty.models import AssistIn, ReceptionAssist
from services.lawyers.opinion import service as opinions
from services.lawyers.opinion.models import OpinionRequest, OpinionRequestCreate
from services.lawyers.review import service as reviews
from services.lawyers.review.models import ReviewCreate, ReviewMatter
from shared.errors import SuiteError
from shared.events import CloudEvent, emit
from shared.events.inbox import EventHandlers

log = logging.getLogger("lawyers.handoff")
TARGETS = ("legal_opinion", "review_studio", "reception_assist")
ROLES = ("petitioner", "respondent", "third_party")


def _parties(raw: Any) -> list[Any]:
    out: list[Any] = []
    for p in raw or []:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, dict) and p.get("name"):
            out.append({"name": str(p["name"]), "role": p.get("role") if p.get("role") in ROLES else None})
    return out


def _reject(ctx: Ctx, handoff_id: str, case_no: str | None, reason: str, code: str) -> None:
    emit(ctx.session, source=SOURCE, type="lawyers.handoff.rejected", subject=case_no,
         data={"handoff_id": handoff_id, "case_no": case_no, "reason": reason, "reason_code": code})


# The row each target's accepted handoff becomes (its handoff_id says the handoff was taken).
TAKEN_AS: dict[str, type[OpinionRequest] | type[ReviewMatter] | type[ReceptionAssist]] = {
    "legal_opinion": OpinionRequest, "review_studio": ReviewMatter, "reception_assist": ReceptionAssist}


def _already_taken(session: Session, target: str, handoff_id: str) -> bool:
    model = TAKEN_AS[target]
    q = select(col(model.id)).where(col(model.handoff_id) == handoff_id).limit(1)
    return session.execute(q).first() is not None


def _accept_opinion(ctx: Ctx, hid: str, case_no: str, d: dict) -> None:
    body = OpinionRequestCreate(case_no=case_no, question=d.get("question") or d.get("summary") or "",
                                category=d.get("category") or "", category_text=d.get("category_text"),
                                parties=_parties(d.get("parties")),
                                language=d.get("language"), due_on=d.get("due_on"))
    r = opinions.create(ctx, body, handoff_id=hid)
    emit(ctx.session, source=SOURCE, type="lawyers.handoff.accepted", subject=case_no,
         data={"handoff_id": hid, "case_no": case_no, "request_id": r.id, "status": r.status,
               "assignee_id": r.assignee_id, "due_on": r.due_on.isoformat()})


def _accept_review(ctx: Ctx, hid: str, case_no: str, d: dict) -> None:
    body = ReviewCreate(case_no=case_no, kind=d.get("kind") or "review",
                        received_on=d.get("received_on") or ctx.today, parties=_parties(d.get("parties")),
                        summary=(d.get("summary") or "")[:2000])
    r = reviews.open_review(ctx, body, handoff_id=hid)
    emit(ctx.session, source=SOURCE, type="lawyers.handoff.accepted", subject=case_no,
         data={"handoff_id": hid, "case_no": case_no, "review_id": r.id, "due_on": r.due_on.isoformat()})


def _accept_assist(ctx: Ctx, hid: str, case_no: str, d: dict) -> None:
    body = AssistIn(leader=d.get("leader") or "", start=d.get("start"), end=d.get("end"),
                    topic=(d.get("topic") or d.get("summary") or "")[:500], case_no=case_no)
    a = duty.assign_assist(ctx, body, handoff_id=hid)
    emit(ctx.session, source=SOURCE, type="lawyers.handoff.accepted", subject=case_no,
         data={"handoff_id": hid, "case_no": case_no, "assist_id": a.id, "lawyer_id": a.lawyer_id})
    emit(ctx.session, source=SOURCE, type="lawyers.handoff.completed", subject=case_no,
         data={"handoff_id": hid, "case_no": case_no, "assist_id": a.id, "lawyer_id": a.lawyer_id})


ACCEPT = {"legal_opinion": _accept_opinion, "review_studio": _accept_review, "reception_assist": _accept_assist}


def register(handlers: EventHandlers, app) -> None:
    @handlers.on("handoff.requested")
    def on_handoff_requested(session: Session, event: CloudEvent) -> None:
        d = event.data or {}
        target = d.get("target")
        if target not in TARGETS:
            return
        hid = str(d.get("handoff_id") or d.get("id") or "")
        case_no = d.get("case_no") or event.subject
        ctx = job_ctx(app, session)
        if not hid:
            log.warning("handoff event without an id", extra={"event_id": event.id})
            return
        if _already_taken(session, target, hid):
            return
        try:
            with session.begin_nested():
                ACCEPT[target](ctx, hid, case_no or "", d)
        except ValidationError as e:
            errors = e.errors()
            where = ".".join(str(x) for x in errors[0]["loc"]) if errors else "body"
            msg = errors[0]["msg"] if errors else "invalid"
            _reject(ctx, hid, case_no, f"The handoff lacks valid data: {where or 'body'}: {msg}",
                    "invalid_request")
        except SuiteError as e:
            _reject(ctx, hid, case_no, e.detail, e.code)
