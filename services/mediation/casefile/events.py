"""Events mediation consumes: handoffs addressed to it and legal opinions filed by lawyers."""
from __future__ import annotations

from sqlmodel import Session

from services.mediation.casefile import service
from shared.events import CloudEvent
from shared.events.inbox import EventHandlers
from shared.handoff_contract import ANSWERED_BY, MEDIATION, REQUESTED, HandoffRequested


def register(handlers: EventHandlers, app) -> None:
    @handlers.on(REQUESTED)
    def on_handoff_requested(session: Session, event: CloudEvent) -> None:
        """访调对接: the gateway routes a handoff; act only on those addressed to mediation (a payload that
        does not fit the contract is ignored)."""
        req = HandoffRequested.read(event.data)
        if req is None or ANSWERED_BY.get(req.target) != MEDIATION:
            return
        service.on_handoff_requested(session, app.state.calendar.get(session), req, event.time)

    @handlers.before_batch
    def load_decided(session: Session, events: list[CloudEvent]) -> None:
        ids = [str(e.data.get("handoff_id")) for e in events if e.type == REQUESTED
               and isinstance(e.data, dict) and e.data.get("handoff_id")]
        if ids:
            service.load_decided(session, ids)

    @handlers.on("lawyers.opinion.filed")
    def on_opinion_filed(session: Session, event: CloudEvent) -> None:
        """A lawyer filed a legal opinion (法律意见书): attach it to the case file."""
        data = dict(event.data or {})
        data.setdefault("case_no", event.subject)
        service.on_opinion_filed(session, event.id, data, event.time)
