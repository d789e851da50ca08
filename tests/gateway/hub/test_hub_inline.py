"""The hub applies the gateway's own consumers as it stores an event, when the event's turn has come.

A target's answer that arrives in order moves its handoff in the very transaction that
stores it (no delivery round), and on the hub transport the gateway's resulting
`handoff.<status>` event is stored in that transaction too. An early answer waits for
its predecessor; a failing handler leaves nothing behind and is retried by the delivery
loop; the gateway's relay moves its outbox into the hub in one transaction.
"""
from __future__ import annotations

from sqlalchemy import select

from services.gateway.handoff import service as handoff_service
from services.gateway.hub.models import DELIVERED, PENDING, HubDelivery, HubEvent
from shared.events.models import InboxEntry, OutboxEvent
from tests.event_kit import event, inbox_count, publish_raw
from tests.handoff_kit import case_no, handoff, mediation_body, post_handoff


def requested(bus) -> tuple[str, str]:
    """A mediation handoff whose request reached the hub; the real mediation service never sees it
    (its pushes are switched off for the test), so the test plays the target's answers itself."""
    hub = bus.app["gateway"].state.hub
    hub.subscriptions = [sub for sub in hub.subscriptions if not sub.remote]  # reset after each test
    case = case_no()
    r = post_handoff(bus.client("petition-system"), case, mediation_body())
    assert r.status_code == 202, r.text
    bus.servers["gateway"].call(bus.app["gateway"].state.relay.drain())
    return case, r.json()["id"]


def answer(case: str, hid: str, verb: str, sequence: int):
    return event(f"mediation.handoff.{verb}", case, sequence, {"handoff_id": hid, "case_no": case},
                 source="mediation")


def store_only(bus, events) -> None:
    """Put events on the transport and let the gateway store them, without any hub delivery round."""
    publish_raw(bus, events)
    gw = bus.app["gateway"]
    if gw.state.nats is not None:
        ids = {e.id for e in events}
        for _ in range(100):
            bus.servers["gateway"].call(gw.state.event_consumer.pump(timeout=0.2))
            with bus.db("gateway").session() as s:
                if len(s.execute(select(HubEvent.id).where(HubEvent.id.in_(ids))).all()) == len(ids):
                    return
        raise AssertionError("the gateway did not store the events")


def deliver(bus) -> int:
    """One delivery loop run (what the hub's background loop does); returns the deliveries made."""
    return bus.servers["gateway"].call(bus.app["gateway"].state.hub.deliver_pending())


def delivery(bus, event_id: str) -> HubDelivery:
    with bus.db("gateway").session() as s:
        return s.execute(select(HubDelivery).where(HubDelivery.subscriber == "handoffs",
                                                   HubDelivery.event_id == event_id)).scalar_one()


def test_an_answer_in_turn_moves_the_handoff_as_it_is_stored(bus):
    case, hid = requested(bus)
    ev = answer(case, hid, "accepted", 1)
    store_only(bus, [ev])

    h = handoff(bus.client(), hid)
    assert h["status"] == "accepted"
    assert [st["status"] for st in h["history"]] == ["requested", "accepted"]
    assert delivery(bus, ev.id).status == DELIVERED
    assert inbox_count(bus.db("gateway"), "handoffs", ev.id) == 1
    # Applied once: the delivery loop finds nothing left to do for it.
    assert deliver(bus) == 0
    assert inbox_count(bus.db("gateway"), "handoffs", ev.id) == 1
    assert [st["status"] for st in handoff(bus.client(), hid)["history"]] == ["requested", "accepted"]


def test_on_the_hub_the_gateways_own_answer_event_is_stored_in_the_same_transaction(suite):
    case, hid = requested(suite)
    store_only(suite, [answer(case, hid, "accepted", 1)])

    with suite.db("gateway").session() as s:
        stored = s.execute(select(HubEvent.type, HubEvent.sequence).where(
            HubEvent.subject == case, HubEvent.source == "gateway").order_by(HubEvent.sequence)).all()
        out = s.execute(select(OutboxEvent).where(OutboxEvent.subject == case)
                        .order_by(OutboxEvent.sequence)).scalars().all()
    assert stored == [("handoff.requested", 1), ("handoff.accepted", 2)]
    assert [(o.type, o.published_at is not None) for o in out] == [("handoff.requested", True),
                                                                  ("handoff.accepted", True)]
    feed = suite.client("petition-system").get("/api/v1/events", params={"subject": case}).json()["items"]
    assert [e["type"] for e in feed] == ["handoff.requested", "mediation.handoff.accepted", "handoff.accepted"]


def test_an_early_answer_waits_for_its_predecessor(suite):
    case, hid = requested(suite)
    completed = answer(case, hid, "completed", 2)
    store_only(suite, [completed])
    assert handoff(suite.client(), hid)["status"] == "requested"  # sequence 1 has not arrived
    assert delivery(suite, completed.id).status == PENDING

    accepted = answer(case, hid, "accepted", 1)
    store_only(suite, [accepted])
    assert handoff(suite.client(), hid)["status"] == "accepted"   # in turn: applied as stored
    assert delivery(suite, completed.id).status == PENDING        # its successor goes by the delivery loop

    assert deliver(suite) == 1
    h = handoff(suite.client(), hid)
    assert h["status"] == "completed"
    assert [st["status"] for st in h["history"]] == ["requested", "accepted", "completed"]


def test_a_failing_handler_leaves_nothing_and_the_delivery_loop_retries_it(suite, monkeypatch):
    case, hid = requested(suite)
    real = handoff_service.transition
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            real(*args, **kwargs)  # writes a step and emits an event, then fails: all must roll back
            raise RuntimeError("handler failed after writing")
        return real(*args, **kwargs)

    monkeypatch.setattr(handoff_service, "transition", flaky)
    ev = answer(case, hid, "accepted", 1)
    store_only(suite, [ev])

    # The event itself is stored (never lost); its effect and the handler's writes are not.
    with suite.db("gateway").session() as s:
        assert s.execute(select(HubEvent.id).where(HubEvent.id == ev.id)).scalar_one() == ev.id
        assert s.execute(select(HubEvent.type).where(HubEvent.subject == case,
                                                     HubEvent.type == "handoff.accepted")).first() is None
        assert s.execute(select(OutboxEvent.id).where(OutboxEvent.subject == case,
                                                      OutboxEvent.type == "handoff.accepted")).first() is None
        assert s.get(InboxEntry, ("handoffs", ev.id)) is None
    h = handoff(suite.client(), hid)
    assert h["status"] == "requested" and [st["status"] for st in h["history"]] == ["requested"]
    assert delivery(suite, ev.id).status == PENDING

    assert deliver(suite) == 1
    h = handoff(suite.client(), hid)
    assert h["status"] == "accepted"
    assert [st["status"] for st in h["history"]] == ["requested", "accepted"]
    assert delivery(suite, ev.id).status == DELIVERED
    assert inbox_count(suite.db("gateway"), "handoffs", ev.id) == 1


def test_the_gateway_relay_moves_its_outbox_into_the_hub_in_one_transaction(suite, monkeypatch):
    case = case_no()
    r = post_handoff(suite.client("petition-system"), case, mediation_body())
    assert r.status_code == 202, r.text
    hub = suite.app["gateway"].state.hub
    relay = suite.app["gateway"].state.relay

    def broken(s, events, now=None):
        s.execute(select(HubEvent.id).limit(1))
        raise RuntimeError("store failed")

    monkeypatch.setattr(hub, "store_in", broken)
    assert suite.servers["gateway"].call(relay.run_once()) == 0
    with suite.db("gateway").session() as s:
        row = s.execute(select(OutboxEvent).where(OutboxEvent.subject == case)).scalar_one()
        assert row.published_at is None and row.claimed_until is None
        assert s.execute(select(HubEvent.id).where(HubEvent.subject == case)).first() is None

    monkeypatch.undo()
    assert suite.servers["gateway"].call(relay.run_once()) == 1
    with suite.db("gateway").session() as s:
        row = s.execute(select(OutboxEvent).where(OutboxEvent.subject == case)).scalar_one()
        assert row.published_at is not None
        assert s.execute(select(HubEvent.type).where(HubEvent.subject == case)).scalars().all() == [
            "handoff.requested"]
    assert suite.servers["gateway"].call(relay.run_once()) == 0  # nothing published twice


def test_a_batch_of_answers_for_many_cases_is_applied_together(suite):
    pairs = [requested(suite) for _ in range(3)]
    events = [answer(case, hid, "accepted", 1) for case, hid in pairs]
    store_only(suite, events)
    for _, hid in pairs:
        assert handoff(suite.client(), hid)["status"] == "accepted"
    for ev in events:
        assert delivery(suite, ev.id).status == DELIVERED


def test_on_nats_the_gateway_stores_its_own_events_as_its_relay_marks_them_sent(nats_suite):
    case = case_no()
    r = post_handoff(nats_suite.client("petition-system"), case, mediation_body())
    assert r.status_code == 202, r.text
    gw = nats_suite.app["gateway"]
    assert nats_suite.servers["gateway"].call(gw.state.relay.drain()) == 1  # published to NATS

    def stored() -> list[tuple[str, int]]:
        with nats_suite.db("gateway").session() as s:
            return s.execute(select(HubEvent.type, HubEvent.sequence).where(HubEvent.subject == case)).all()

    assert stored() == [("handoff.requested", 1)]  # before the store consumer has fetched anything
    nats_suite.drain()  # the copy that comes back through NATS is a duplicate
    assert stored().count(("handoff.requested", 1)) == 1


def test_a_redelivered_batch_is_recognised_without_the_store_lock(suite):
    hub = suite.app["gateway"].state.hub
    evs = [event("probe.touched", case_no(), 1, {"key": "x"}) for _ in range(3)]
    assert hub.store(evs) == (3, 0)
    assert hub.store(evs) == (0, 3)
    assert hub.store([*evs, event("probe.touched", case_no(), 1, {"key": "y"})]) == (1, 3)
