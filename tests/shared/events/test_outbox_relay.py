"""Outbox and relay: an event exists iff its transaction committed; a relay that dies between publish
and mark-sent publishes again and every consumer still applies the event once. Both transports."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.gateway.hub.models import HubDelivery, HubEvent
from shared.db import utcnow
from shared.events import emit
from shared.events.models import InboxEntry, OutboxEvent
from tests.event_kit import far_day, inbox_count


def test_an_event_exists_if_and_only_if_its_transaction_committed(bus):
    db = bus.db("mediation")
    with pytest.raises(RuntimeError), db.session() as s:
        emit(s, source="mediation", type="mediation.session.cancelled", subject="OIC-rolled-back",
             data={"case_no": "OIC-rolled-back"})
        s.flush()
        raise RuntimeError("the change failed after the event was written")
    with db.session() as s:
        committed = emit(s, source="mediation", type="mediation.session.cancelled", subject="OIC-committed",
                         data={"case_no": "OIC-committed"})
    with db.session() as s:
        subjects = [r.subject for r in s.execute(select(OutboxEvent)).scalars()]
    assert subjects == ["OIC-committed"]
    bus.drain()
    with bus.db("gateway").session() as s:
        stored = [r.id for r in s.execute(select(HubEvent).where(HubEvent.subject.like("OIC-%"))).scalars()]
    assert stored == [committed.id]


def test_a_relay_killed_between_publish_and_mark_sent_publishes_again_and_the_consumer_applies_once(bus):
    day = far_day()
    gw = bus.app["gateway"]
    with bus.db("gateway").session() as s:
        ev = emit(s, source="gateway", type="calendar.day.set", subject=f"calendar:{day}",
                  data={"date": day.isoformat(), "kind": "holiday", "name": "测试假日"})
    relay = gw.state.relay
    claimed = relay.claim()
    assert [e.id for e in claimed] == [ev.id]
    bus.servers["gateway"].call(relay.publisher.publish(claimed))  # published ... and the process dies here
    with bus.db("gateway").session() as s:  # the dead relay's lease runs out
        s.execute(update(OutboxEvent).values(claimed_until=utcnow() - timedelta(seconds=1)))
    bus.drain()  # the next relay publishes the same event again
    with bus.db("gateway").session() as s:
        row = s.execute(select(OutboxEvent).where(OutboxEvent.id == ev.id)).scalar_one()
        assert row.published_at is not None and row.attempts == 2
        assert len(list(s.execute(select(HubEvent).where(HubEvent.id == ev.id)).scalars())) == 1
    for svc in ("mediation", "lawyers"):
        assert inbox_count(bus.db(svc), svc, ev.id) == 1
        with bus.db(svc).session() as s:
            from shared.calendar import CalendarOverride
            assert s.get(CalendarOverride, day).kind == "holiday"


def test_hub_dedupes_by_event_id_and_keeps_one_delivery_per_subscriber(suite):
    from tests.event_kit import event, publish_raw

    day = far_day()
    ev = event("calendar.day.set", f"calendar:{day}", 1, {"date": day.isoformat(), "kind": "workday", "name": ""})
    publish_raw(suite, [ev])
    publish_raw(suite, [ev, ev])
    with suite.db("gateway").session() as s:
        assert len(list(s.execute(select(HubEvent).where(HubEvent.id == ev.id)).scalars())) == 1
        subs = sorted(r.subscriber for r in s.execute(select(HubDelivery).where(HubDelivery.event_id == ev.id))
                      .scalars())
    assert subs == ["lawyers", "mediation"]
    suite.drain()
    for svc in ("mediation", "lawyers"):
        assert inbox_count(suite.db(svc), svc, ev.id) == 1
    with suite.db("mediation").session() as s:
        assert s.execute(select(InboxEntry).where(InboxEntry.event_id == ev.id)).scalar_one().subject
