"""Who consumes which event types (subscriptions as data).

Remote subscribers get pushes at `{url}/internal/events`; in-process ones (the
gateway's own consumers, registered with the hub by the gateway's main.py) apply
the event through the inbox in the gateway's database. Webhooks are not a
subscriber here: they are queued by a hook (`Hub.on_stored`) in the same
transaction in which the hub stores every event.

A cataloged type is pushed only from its producer (shared/events/catalog.py), as
on NATS, where a consumer reads the producers' streams; `handoff.requested` only
to the service that answers its target (shared/handoff_contract.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.events.catalog import PRODUCER
from shared.events.envelope import CloudEvent
from shared.events.inbox import EventHandlers
from shared.handoff_contract import LAWYERS, MEDIATION, targets_of
from shared.handoff_contract import REQUESTED as HANDOFF_REQUESTED

# Remote services and the types they consume (their /internal/events inbox).
REMOTE: dict[str, tuple[str, ...]] = {
    MEDIATION: (HANDOFF_REQUESTED, "lawyers.opinion.filed", "calendar.day.set", "calendar.year.set"),
    LAWYERS: (HANDOFF_REQUESTED, "calendar.day.set", "calendar.year.set"),
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
        if event.source != PRODUCER.get(event.type, event.source):
            return False  # a cataloged type from another producer
        if event.type == HANDOFF_REQUESTED and self.targets is not None:
            return (event.data or {}).get("target") in self.targets
        return True

    @property
    def remote(self) -> bool:
        return self.url is not None


def default_subscriptions(settings, internal: dict[str, EventHandlers]) -> list[Subscription]:
    urls = {MEDIATION: settings.mediation_url, LAWYERS: settings.lawyers_url}
    subs = [Subscription(name, frozenset(types), url=urls[name], targets=targets_of(name))
            for name, types in REMOTE.items()]
    for name, handlers in internal.items():
        subs.append(Subscription(name, frozenset(handlers.types), handlers=handlers))
    return subs
