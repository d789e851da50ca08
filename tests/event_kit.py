"""Helpers of the event tests: publishing raw events the way a producer would, and probes."""
from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from shared.db import utcnow
from shared.events.envelope import CloudEvent
from shared.events.models import InboxEntry

PROBE_CALLS: dict[str, list[str]] = {}
PROBE_FAIL: set[str] = set()
PROBE_FAILED: dict[str, int] = {}  # how many times each key refused


def far_day() -> date:
    """A date no other test touches (calendar events of one day share a subject)."""
    return date(2040, 1, 1) + timedelta(days=random.randrange(0, 20_000))


def event(type_: str, subject: str | None, sequence: int | None, data: dict, source: str = "gateway") -> CloudEvent:
    return CloudEvent(id=uuid.uuid4().hex, source=source, type=type_, subject=subject, time=utcnow(), data=data,
                      sequence=sequence)


def publish_raw(bus, events: list[CloudEvent]) -> None:
    """Put events on the transport as a producer's relay would (hub: POST /internal/events; NATS: publish)."""
    gw = bus.app["gateway"]
    if gw.state.nats is not None:
        bus.servers["gateway"].call(gw.state.nats.publish(events))
        return
    import httpx
    by_source: dict[str, list[CloudEvent]] = {}
    for e in events:
        by_source.setdefault(e.source, []).append(e)
    for source, batch in by_source.items():
        # each producer with its own token (an event's source must match the client that delivers it),
        # at the gateway's internal listener (the public port answers 404 for /internal/...)
        client = source if source == "gateway" else f"{source}-service"
        token, _ = gw.state.signer.issue(client, client, ["service"])
        r = httpx.post(bus.internal_url + "/internal/events", json={"events": [e.wire() for e in batch]},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
        r.raise_for_status()


def inbox_count(db, consumer: str, event_id: str) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(InboxEntry).where(
            InboxEntry.consumer == consumer, InboxEntry.event_id == event_id)).scalar_one()


def install_probe(bus) -> None:
    """A handler for `probe.touched` in the mediation service (fails while its key is in PROBE_FAIL),
    pushed to mediation on the hub like a subscription, read from the gateway stream on NATS."""
    app = bus.app["mediation"]
    if not getattr(app.state, "probe_installed", False):
        @app.state.handlers.on("probe.touched")
        def on_probe(session, ev) -> None:
            key = ev.data["key"]
            if key in PROBE_FAIL:
                PROBE_FAILED[key] = PROBE_FAILED.get(key, 0) + 1
                raise RuntimeError(f"probe {key} refuses")
            # Recorded when the transaction commits, like a real effect (a rolled-back batch leaves none).
            pending = session.info.setdefault("probe_calls", [])
            if not pending:
                sa_event.listen(session, "after_commit", lambda s: [
                    PROBE_CALLS.setdefault(k, []).append(i) for k, i in s.info.pop("probe_calls", [])], once=True)
                sa_event.listen(session, "after_rollback", lambda s: s.info.pop("probe_calls", None), once=True)
            pending.append((key, ev.id))
        app.state.probe_installed = True
    hub = bus.app["gateway"].state.hub
    from services.gateway.hub.subscriptions import Subscription
    if not any(s.name == "mediation-probe" for s in hub.subscriptions):
        hub.subscriptions.append(Subscription("mediation-probe", frozenset({"probe.touched"}),
                                              url=bus.url["mediation"]))
