"""The event catalog (事件目录): every wire type of the suite and the domain that produces it.

An event's producer is also its `source` and its NATS stream (`<PREFIX>_<SOURCE>`), so a
consumer reads exactly the streams of the types it handles (`streams_for`), and the hub pushes
a subscriber a cataloged type only from its producer (hub/subscriptions.py). A new event type is
added here; a consumer of a type missing here refuses to start on NATS.
"""
from __future__ import annotations

from collections.abc import Iterable

GATEWAY, MEDIATION, LAWYERS = "gateway", "mediation", "lawyers"
DOMAINS = (GATEWAY, MEDIATION, LAWYERS)

TYPES: dict[str, tuple[str, ...]] = {
    GATEWAY: (
        "handoff.requested", "handoff.accepted", "handoff.rejected", "handoff.completed", "handoff.expired",
        "calendar.day.set", "calendar.year.set", "gateway.deadline.recomputed",
    ),
    MEDIATION: (
        "mediation.handoff.accepted", "mediation.handoff.rejected", "mediation.handoff.completed",
        "mediation.session.scheduled", "mediation.session.rescheduled", "mediation.session.cancelled",
        "mediation.session.started", "mediation.session.concluded", "mediation.session.reminder_due",
        "mediation.session.flagged", "mediation.agreement.recorded", "mediation.agreement.signed",
        "mediation.followup.due", "mediation.followup.recorded", "mediation.judicial_confirmation.closing",
        "mediation.judicial_confirmation.applied", "mediation.legal_opinion.requested",
        "mediation.satisfaction.recorded", "mediation.deadline.recomputed",
    ),
    LAWYERS: (
        "lawyers.handoff.accepted", "lawyers.handoff.rejected", "lawyers.handoff.completed",
        "lawyers.opinion.assigned", "lawyers.opinion.unassigned", "lawyers.opinion.declined",
        "lawyers.opinion.filed", "lawyers.opinion.due_soon", "lawyers.opinion.overdue",
        "lawyers.review.opened", "lawyers.review.hearing_scheduled", "lawyers.review.decided",
        "lawyers.review.due_soon", "lawyers.review.overdue", "lawyers.assist.assigned", "lawyers.hours.warning",
        "lawyers.duty.generated", "lawyers.duty.swapped", "lawyers.deadline.recomputed",
    ),
}
PRODUCER: dict[str, str] = {t: domain for domain, types in TYPES.items() for t in types}


def producer_of(event_type: str) -> str:
    """The domain that produces `event_type` (its events' `source`); a type not in the catalog is an error."""
    try:
        return PRODUCER[event_type]
    except KeyError:
        raise ValueError(f"event type {event_type!r} is not in the event catalog (shared/events/catalog.py)") \
            from None


def streams_for(types: Iterable[str]) -> list[str]:
    """The producing domains (streams) a consumer of `types` reads; `*` reads every domain."""
    types = list(types)
    if "*" in types:
        return sorted(DOMAINS)
    return sorted({producer_of(t) for t in types})
