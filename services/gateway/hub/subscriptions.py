"""Who consumes which event types (subscriptions as data).

Remote subscribers get pushes at `{url}/internal/events`; in-process ones (the
gateway's own consumers) apply the event through the inbox in the gateway's
database. Webhooks are not a subscriber here: the hub enqueues them in the same
transaction in which it stores every event.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers

# Remote services and the types they consume (their /internal/events inbox).
REMOTE: dict[str, tuple[str, ...]] = {
    "mediation": ("handoff.requested", "lawyers.opinion.filed", "calendar.day.set", "calendar.year.set"),
    "lawyers": ("handoff.requested", "calendar.day.set", "calendar.year.set"),
}

# `handoff.requested` goes only to the service that owns its target (the others would ignore it).
HANDOFF_TARGETS: dict[str, frozenset[str]] = {
    "mediation": frozenset({"mediation"}),
    "lawyers": frozenset({"legal_opinion", "review_studio", "reception_assist"}),
}


@dataclass
class Subscription:
    name: str
    types: frozenset[str]
    url: str | None = None                      # remote: the service's base URL
    handlers: EventHandlers | None = field(default=None, repr=False)  # in-process
    targets: frozenset[str] | None = None       # handoff targets it takes; None: all

    def wants(self, event: CloudEvent) -> bool:
        if not ("*" in self.types or event.type in self.types):
            return False
        if event.type == "handoff.requested" and self.targets is not None:
            return (event.data or {}).get("target") in self.targets
        return True

    @property
    def remote(self) -> bool:
        return self.url is not None


def default_subscriptions(settings, internal: dict[str, EventHandlers]) -> list[Subscription]:
    urls = {"mediation": settings.mediation_url, "lawyers": settings.lawyers_url}
    subs = [Subscription(name, frozenset(types), url=urls[name], targets=HANDOFF_TARGETS.get(name))
            for name, types in REMOTE.items()]
    for name, handlers in internal.items():
        subs.append(Subscription(name, frozenset(handlers.types), handlers=handlers))
    return subs
