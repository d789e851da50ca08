"""Handoffs addressed to lawyers (案件移交): the gateway routes `handoff.requested` as an event.

Targets handled here: `legal_opinion` (an opinion request), `review_studio` (a
review or re-examination) and `reception_assist` (a lawyer for a leader's
reception). The answer goes back as `lawyers.handoff.accepted` / `.rejected`, and
`lawyers.handoff.completed` when the opinion is filed, the review decided or
(at once) the assist assigned.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from services.lawyers.context import SOURCE, Ctx, job_ctx
from services.lawyers.duty import service as duty
from services.lawyers.duty.models import AssistIn
from services.lawyers.handoff import repository as repo
from services.lawyers.opinion import service as opinions
from services.lawyers.opinion.models import OpinionRequestCreate
from services.lawyers.review import service as reviews
from services.lawyers.review.models import ReviewCreate
from shared.errors import SuiteError
from shared.events import CloudEvent, emit
from shared.events.inbox import EventHandlers
from shared.handoff_contract import (
    LAWYERS,
    REQUESTED,
    AssistHandoffTaken,
    HandoffRejected,
    HandoffRequested,
    OpinionHandoffAccepted,
    ReviewHandoffAccepted,
    answer_type,
    targets_of,
)

log = logging.getLogger("lawyers.handoff")
TARGETS = targets_of(LAWYERS)  # legal_opinion, review_studio, reception_assist
ACCEPTED, REJECTED, COMPLETED = (answer_type(LAWYERS, verb) for verb in ("accepted", "rejected", "completed"))
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
    answer = HandoffRejected(handoff_id=handoff_id, case_no=case_no, reason=reason, reason_code=code)
    emit(ctx.session, source=SOURCE, type=REJECTED, subject=case_no, data=answer.data())


def _accept_opinion(ctx: Ctx, req: HandoffRequested) -> None:
    d, hid, case_no = req.details, req.handoff_id, req.case_no
    body = OpinionRequestCreate(case_no=case_no, question=d.question or req.summary or "",
                                category=req.category or "", category_text=d.get("category_text"),
                                parties=_parties(req.parties),
                                language=d.get("language"), due_on=d.due_on)
    r = opinions.create(ctx, body, handoff_id=hid)
    answer = OpinionHandoffAccepted(handoff_id=hid, case_no=case_no, request_id=r.id, status=r.status,
                                    assignee_id=r.assignee_id, due_on=r.due_on)
    emit(ctx.session, source=SOURCE, type=ACCEPTED, subject=case_no, data=answer.data())


def _accept_review(ctx: Ctx, req: HandoffRequested) -> None:
    d, hid, case_no = req.details, req.handoff_id, req.case_no
    body = ReviewCreate(case_no=case_no, kind=d.kind or "review",
                        received_on=d.received_on or ctx.today, parties=_parties(req.parties),
                        summary=(req.summary or "")[:2000])
    r = reviews.open_review(ctx, body, handoff_id=hid)
    answer = ReviewHandoffAccepted(handoff_id=hid, case_no=case_no, review_id=r.id, due_on=r.due_on)
    emit(ctx.session, source=SOURCE, type=ACCEPTED, subject=case_no, data=answer.data())


def _accept_assist(ctx: Ctx, req: HandoffRequested) -> None:
    d, hid, case_no = req.details, req.handoff_id, req.case_no
    body = AssistIn(leader=d.leader or "", start=d.start, end=d.end,
                    topic=(d.topic or req.summary or "")[:500], case_no=case_no)
    a = duty.assign_assist(ctx, body, handoff_id=hid)
    answer = AssistHandoffTaken(handoff_id=hid, case_no=case_no, assist_id=a.id, lawyer_id=a.lawyer_id)
    emit(ctx.session, source=SOURCE, type=ACCEPTED, subject=case_no, data=answer.data())
    emit(ctx.session, source=SOURCE, type=COMPLETED, subject=case_no, data=answer.data())


ACCEPT: dict[str, Callable[[Ctx, HandoffRequested], None]] = {
    "legal_opinion": _accept_opinion, "review_studio": _accept_review, "reception_assist": _accept_assist}


def register(handlers: EventHandlers, app) -> None:
    @handlers.on(REQUESTED)
    def on_handoff_requested(session: Session, event: CloudEvent) -> None:
        d = event.data or {}
        if d.get("target") not in TARGETS:
            return
        case_no = d.get("case_no") or event.subject
        # `id`: an older producer's name for the handoff's id
        req = HandoffRequested.read({**d, "handoff_id": str(d.get("handoff_id") or d.get("id") or ""),
                                     "case_no": case_no or ""})
        if req is None or not req.handoff_id:
            log.warning("handoff event without an id", extra={"event_id": event.id})
            return
        hid = req.handoff_id
        ctx = job_ctx(app, session)
        if repo.already_taken(session, req.target, hid):
            return
        try:
            with session.begin_nested():
                ACCEPT[req.target](ctx, req)
        except ValidationError as e:
            errors = e.errors()
            where = ".".join(str(x) for x in errors[0]["loc"]) if errors else "body"
            msg = errors[0]["msg"] if errors else "invalid"
            _reject(ctx, hid, case_no, f"The handoff lacks valid data: {where or 'body'}: {msg}",
                    "invalid_request")
        except SuiteError as e:
            _reject(ctx, hid, case_no, e.detail, e.code)
