"""The same contract on both transports: per-subject order, and dead letters listed and replayed."""
from __future__ import annotations

from sqlalchemy import select

from shared.calendar import CalendarOverride
from shared.events.models import InboxEntry
from tests.event_kit import PROBE_CALLS, PROBE_FAIL, PROBE_FAILED, event, far_day, install_probe, publish_raw


def move_once(bus) -> None:
    gw = bus.app["gateway"]
    bus.servers["gateway"].call(gw.state.hub.deliver_pending())
    if gw.state.nats is not None:
        for svc in ("gateway", "mediation", "lawyers"):
            bus.servers[svc].call(bus.app[svc].state.event_consumer.pump())


def test_events_of_one_subject_apply_in_the_order_produced_even_when_they_arrive_reversed(bus):
    day = far_day()
    subject = f"calendar:{day}"
    evs = [event("calendar.day.set", subject, n, {"date": day.isoformat(), "kind": kind, "name": name})
           for n, (kind, name) in enumerate([("holiday", "一"), ("workday", "二"), ("holiday", "三")], start=1)]
    publish_raw(bus, [evs[2]])
    publish_raw(bus, [evs[1]])
    move_once(bus)  # the early ones reach the consumers (or wait at the hub) before the first is published
    publish_raw(bus, [evs[0]])
    bus.drain()
    for svc in ("mediation", "lawyers"):
        with bus.db(svc).session() as s:
            assert s.get(CalendarOverride, day).name == "三", svc
            rows = {r.event_id: r.applied_at for r in s.execute(
                select(InboxEntry).where(InboxEntry.consumer == svc,
                                         InboxEntry.event_id.in_([e.id for e in evs]))).scalars()}
        assert rows[evs[0].id] <= rows[evs[1].id] <= rows[evs[2].id], svc


def test_a_calendar_day_set_through_the_gateway_reaches_every_service(bus):
    day = far_day()
    coord = bus.client("coordinator")
    assert bus.client("mediator1").put(f"/api/v1/calendar/days/{day}", json={"kind": "holiday"}).status_code == 403
    assert coord.put(f"/api/v1/calendar/days/{day}", json={"kind": "weekend"}).status_code == 422
    r = coord.put(f"/api/v1/calendar/days/{day}", json={"kind": "holiday", "name": "地方假日"})
    assert r.status_code == 200 and r.json() == {"date": day.isoformat(), "kind": "holiday", "name": "地方假日"}
    bus.drain()
    for svc in ("gateway", "mediation", "lawyers"):
        with bus.db(svc).session() as s:
            row = s.get(CalendarOverride, day)
            assert (row.kind, row.name) == ("holiday", "地方假日"), svc
    assert coord.get(f"/api/v1/calendar/days/{day}").json()["working_day"] is False


def test_a_dead_letter_is_listed_and_replayed_and_then_applied_once(bus, monkeypatch):
    install_probe(bus)
    monkeypatch.setattr(bus.app["gateway"].state.hub.settings, "hub_max_attempts", 3)
    key = f"dl-{far_day()}"
    PROBE_FAIL.add(key)
    ev = event("probe.touched", f"PROBE-{key}", None, {"key": key})
    publish_raw(bus, [ev])
    hub = bus.app["gateway"].state.hub
    from datetime import timedelta

    from shared.db import utcnow
    if bus.app["gateway"].state.nats is None:
        now = utcnow()
        for _ in range(4):
            bus.servers["gateway"].call(hub.deliver_pending(now=now))
            now += timedelta(hours=1)
    else:
        bus.drain()  # redelivered with backoff, then sent to the dead-letter subject
    coord = bus.client("coordinator")
    items = [i for i in coord.get("/api/v1/events/dead-letters").json()["items"] if i["event_id"] == ev.id]
    assert len(items) == 1, coord.get("/api/v1/events/dead-letters").json()
    assert items[0]["attempts"] == 3
    assert "refuses" in items[0]["error"] or "HTTP 500" in items[0]["error"]  # NATS: the error; hub: the status
    assert PROBE_CALLS.get(key) is None
    PROBE_FAIL.discard(key)
    assert coord.post(f"/api/v1/events/dead-letters/{items[0]['id']}/replay").status_code == 200
    bus.drain()
    assert PROBE_CALLS[key] == [ev.id]
    # Replaying again changes nothing: the inbox has it.
    assert coord.post(f"/api/v1/events/dead-letters/{items[0]['id']}/replay").status_code == 200
    bus.drain()
    assert PROBE_CALLS[key] == [ev.id]


def test_waiting_for_an_earlier_event_is_not_a_failed_attempt(bus, monkeypatch):
    """An event that came back many times while its predecessor was missing, and then fails once,
    is retried (waiting was not an attempt) and applied, not dead-lettered."""
    import time
    from datetime import timedelta

    from shared.db import utcnow

    install_probe(bus)
    monkeypatch.setattr(bus.app["gateway"].state.hub.settings, "hub_max_attempts", 2)
    nats = bus.app["mediation"].state.nats
    if nats is not None:
        monkeypatch.setattr(nats, "max_deliver", 2)
        monkeypatch.setattr(nats, "backoff_base", 0.2)
    key = f"early-{far_day()}"
    subject = f"PROBE-{key}"
    first, second = (event("probe.touched", subject, n, {"key": f"{key}-{n}"}) for n in (1, 2))
    publish_raw(bus, [second])
    for _ in range(5):  # the second comes back (NATS) or waits at the hub, several times over
        move_once(bus)
        time.sleep(0.35)
    PROBE_FAIL.add(f"{key}-2")
    publish_raw(bus, [first])
    for _ in range(40):  # the first applies; the second's turn comes and it fails once
        move_once(bus)
        if PROBE_FAILED.get(f"{key}-2"):
            break
        time.sleep(0.1)
    PROBE_FAIL.discard(f"{key}-2")
    assert PROBE_CALLS.get(f"{key}-1") == [first.id] and PROBE_FAILED.get(f"{key}-2") == 1
    gw = bus.app["gateway"]
    if gw.state.nats is None:
        bus.servers["gateway"].call(gw.state.hub.deliver_pending(now=utcnow() + timedelta(hours=1)))
    bus.drain()
    assert PROBE_CALLS.get(f"{key}-2") == [second.id]
    dead = bus.client("coordinator").get("/api/v1/events/dead-letters").json()["items"]
    assert second.id not in {d["event_id"] for d in dead}


def test_one_failing_event_in_a_batch_holds_back_only_itself(bus):
    """Consumers apply a delivered batch in one transaction; when one event of it fails, the others
    are applied once all the same and only the failing one is retried (and applied once later)."""
    import time
    from datetime import timedelta

    from shared.db import utcnow

    install_probe(bus)
    key = f"batch-{far_day()}"
    evs = [event("probe.touched", f"PROBE-{key}-{n}", 1, {"key": f"{key}-{n}"}) for n in range(3)]
    PROBE_FAIL.add(f"{key}-1")
    publish_raw(bus, evs)  # one delivery: one push (hub) or one fetch (NATS)
    for _ in range(40):
        move_once(bus)
        if PROBE_FAILED.get(f"{key}-1") and PROBE_CALLS.get(f"{key}-0") and PROBE_CALLS.get(f"{key}-2"):
            break
        time.sleep(0.1)
    assert PROBE_CALLS.get(f"{key}-0") == [evs[0].id] and PROBE_CALLS.get(f"{key}-2") == [evs[2].id]
    assert PROBE_CALLS.get(f"{key}-1") is None
    gw = bus.app["gateway"]
    if gw.state.nats is None:  # the hub settled the two applied deliveries; only the failed one waits
        from services.gateway.hub.models import HubDelivery
        with bus.db("gateway").session() as s:
            rows = {r.event_id: (r.status, r.attempts) for r in s.execute(
                select(HubDelivery).where(HubDelivery.event_id.in_([e.id for e in evs]))).scalars()}
        assert rows == {evs[0].id: ("delivered", 0), evs[1].id: ("pending", 1), evs[2].id: ("delivered", 0)}
    PROBE_FAIL.discard(f"{key}-1")
    if gw.state.nats is None:
        bus.servers["gateway"].call(gw.state.hub.deliver_pending(now=utcnow() + timedelta(hours=1)))
    bus.drain()
    assert [PROBE_CALLS.get(f"{key}-{n}") for n in range(3)] == [[evs[0].id], [evs[1].id], [evs[2].id]]
