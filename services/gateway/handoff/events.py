"""The gateway's in-process consumer `handoffs`: the targets' answers and the chained handoffs.

- `mediation.handoff.accepted|rejected|completed`, `lawyers.handoff.accepted|rejected|completed`
  move the handoff and emit `handoff.<status>`.
- `mediation.legal_opinion.requested` (or a concluded session carrying
  `request_legal_opinion`) becomes a `legal_opinion` handoff.
- `lawyers.opinion.filed` recommending `mediation` becomes a `mediation` handoff;
  an opinion, session or review carrying a `handoff_id` completes that handoff.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI
from pydantic import ValidationError
from sqlmodel import Session

from services.gateway.handoff import repository as repo
from services.gateway.handoff import service
from services.gateway.handoff.models import ACCEPTED, COMPLETED, REJECTED
from services.gateway.handoff.schemas import HandoffCreate
from shared.errors import Unprocessable
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers
from shared.handoff_contract import ANSWERED_BY, LAWYERS, MEDIATION, VERBS, HandoffAnswer, answer_type
from shared.handoff_pii import SEALED
from shared.pii import key_ring

log = logging.getLogger("suite.handoff")

ANSWERS = {"accepted": ACCEPTED, "rejected": REJECTED, "completed": COMPLETED}
PERSONAL = frozenset({*SEALED, *SEALED.values()})  # phone, id_number and their sealed values


def build_handlers(app: FastAPI) -> EventHandlers:
    handlers = EventHandlers()
    settings = app.state.settings

    def on_answer(status: str):
        def apply(session: Session, event: CloudEvent) -> None:
            answer = HandoffAnswer.read(event.data)
            h = repo.get(session, answer.handoff_id) if answer is not None else None
            if answer is None or h is None:
                log.warning("answer for an unknown handoff", extra={"event_id": event.id, "type": event.type})
                return
            if ANSWERED_BY[h.target] != event.source:
                log.warning("answer from a service that is not the target", extra={"event_id": event.id})
                return
            service.transition(session, h, status, actor=event.source, event_id=event.id,
                               reason=answer.reason, reason_code=answer.reason_code)
        return apply

    for domain in (MEDIATION, LAWYERS):
        for verb in VERBS:
            handlers.on(answer_type(domain, verb))(on_answer(ANSWERS[verb]))

    @handlers.before_batch
    def load_handoffs(session: Session, events: list[CloudEvent]) -> None:
        """One query for every handoff a batch names; `repo.get` then finds them in the session."""
        ids = {str(e.data.get("handoff_id")) for e in events if isinstance(e.data, dict) and e.data.get("handoff_id")}
        if ids:
            session.info["batch_handoffs"] = repo.many(session, sorted(ids))  # held: the identity map is weak

    def chained(session: Session, event: CloudEvent, origin: str, fields: dict) -> None:
        if repo.by_origin(session, origin) is not None:
            return
        case_no = event.subject or event.data.get("case_no")
        if not case_no:
            return
        prior = repo.latest_for_case(session, case_no)
        fields.setdefault("category", event.data.get("category") or (prior.category if prior else "") or "其他")
        parties = event.data.get("parties")
        stored = None
        if not parties and prior is not None:
            # The predecessor's parties as stored (phones and ID numbers sealed, shared/handoff_pii.py) are
            # copied as they are; the request is checked with their other fields.
            stored = list(prior.parties or [])
            parties = [{k: v for k, v in p.items() if k not in PERSONAL} if isinstance(p, dict) else p
                       for p in stored]
        fields.setdefault("parties", parties or [])
        try:
            body = HandoffCreate.model_validate(fields)
            service.create(session, app.state.calendar.get(session), settings.handoff_accept_working_days,
                           case_no, body, created_by=event.source, client_id=event.source, origin=origin,
                           parent_id=event.data.get("handoff_id") or (prior.id if prior else None),
                           pii=key_ring(settings.handoff_pii_keys), stored_parties=stored)
        except ValidationError as e:  # where and what, never the values (a phone, an ID number)
            log.warning("chained handoff not created", extra={"event_id": event.id, "error": str(
                [(".".join(map(str, x["loc"])), x["type"]) for x in e.errors(include_input=False)])[:300]})
        except Unprocessable as e:
            log.warning("chained handoff not created", extra={"event_id": event.id, "error": str(e)[:300]})

    @handlers.on("mediation.legal_opinion.requested")
    def on_legal_opinion_requested(session: Session, event: CloudEvent) -> None:
        d = event.data
        key = d.get("session_id") or event.id
        chained(session, event, f"legal_opinion:{key}", {
            "target": "legal_opinion", "question": d.get("question"),
            "summary": d.get("summary") or d.get("question") or "调解中请求法律意见",
            **({"due_on": d["due_on"]} if d.get("due_on") else {})})

    @handlers.on("mediation.session.concluded")
    def on_session_concluded(session: Session, event: CloudEvent) -> None:
        d = event.data
        request = d.get("request_legal_opinion")
        if isinstance(request, dict) and request.get("question"):
            key = d.get("session_id") or d.get("id") or event.id
            chained(session, event, f"legal_opinion:{key}", {
                "target": "legal_opinion", "question": request["question"],
                "summary": d.get("summary") or request["question"]})
        _complete_referenced(session, event)

    @handlers.on("lawyers.opinion.filed")
    def on_opinion_filed(session: Session, event: CloudEvent) -> None:
        d = event.data
        if d.get("recommended_channel") == "mediation":
            key = d.get("request_id") or d.get("opinion_id") or event.id  # one per request, amendments too
            chained(session, event, f"mediation:opinion:{key}", {
                "target": "mediation", "summary": d.get("summary") or "法律意见建议调解",
                "opinion_id": d.get("opinion_id") or d.get("id")})
        _complete_referenced(session, event)

    @handlers.on("lawyers.review.decided")
    def on_review_decided(session: Session, event: CloudEvent) -> None:
        _complete_referenced(session, event)

    return handlers


def _complete_referenced(session: Session, event: CloudEvent) -> None:
    """The target's work ended: complete the handoff named in the event, if any (idempotent)."""
    hid = event.data.get("handoff_id")
    if not hid:
        return
    h = repo.get(session, str(hid))
    if h is not None and h.status not in (COMPLETED, REJECTED) and not service.is_final(h):
        service.transition(session, h, COMPLETED, actor=event.source, event_id=event.id)
