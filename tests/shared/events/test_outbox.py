"""Outbox and inbox: an event exists iff its transaction committed; a relay that dies
between publish and mark-sent publishes again, and the consumer still applies it once."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from shared.calendar import CalendarOverride
from shared.events import emit
from shared.events.models import InboxEntry, OutboxEvent
from shared.events.relay import OutboxRelay, Publisher

COUNTED = "test.counted"


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_event_exists_iff_transaction_committed(suite):
    db = suite.db("mediation")
    with db.session() as s:
        emit(s, "mediation", "test.kept", "CASE-1", {"n": 1})
    with pytest.raises(RuntimeError), db.session() as s:
        emit(s, "mediation", "test.lost", "CASE-1", {"n": 2})
        raise RuntimeError("the state change failed")
    assert count(db, OutboxEvent, OutboxEvent.type == "test.kept") == 1
    assert count(db, OutboxEvent, OutboxEvent.type == "test.lost") == 0


def test_sequence_per_subject(suite):
    db = suite.db("mediation")
    with db.session() as s:
        a = emit(s, "mediation", "test.a", "CASE-A", {})
        b = emit(s, "mediation", "test.b", "CASE-A", {})
        c = emit(s, "mediation", "test.c", "CASE-B", {})
    assert (a.sequence, b.sequence, c.sequence) == (1, 2, 1)


class DirectInboxPublisher(Publisher):
    """Publishes straight to the lawyers service's real inbox endpoint with a service token."""

    def __init__(self, suite) -> None:
        self.url = suite.url["lawyers"] + "/internal/events"
        self.token = suite.token("mediation-service")
        self.sent = 0

    async def publish(self, events) -> None:
        async with httpx.AsyncClient() as c:
            r = await c.post(self.url, json={"events": [e.wire() for e in events]},
                             headers={"Authorization": f"Bearer {self.token}"})
            r.raise_for_status()
        self.sent += len(events)


def _install_counting_handler(suite):
    handlers = suite.app["lawyers"].state.handlers
    if COUNTED in handlers.types:
        return

    @handlers.on(COUNTED)
    def on_counted(session, event) -> None:
        # The effect: one more override row per application, so a double apply would show.
        n = session.execute(select(func.count()).select_from(CalendarOverride)).scalar_one()
        session.add(CalendarOverride(day=date(2031, 1, 1) + timedelta(days=n), kind="holiday", name=event.id))


def test_relay_killed_between_publish_and_mark_sent_is_applied_once(suite):
    _install_counting_handler(suite)
    db = suite.db("mediation")
    with db.session() as s:
        ev = emit(s, "mediation", COUNTED, "CASE-9", {"x": 1})
    publisher = DirectInboxPublisher(suite)
    relay = OutboxRelay(db, publisher, lease_seconds=0)

    # First run: claim and publish, then "die" before marking it sent.
    claimed = relay.claim()
    assert [e.id for e in claimed] == [ev.id]
    asyncio.run(publisher.publish(claimed))
    assert count(db, OutboxEvent, OutboxEvent.published_at.is_(None)) == 1

    # A new relay (after restart) finds the row again once the lease lapsed and publishes again.
    assert asyncio.run(relay.run_once()) == 1
    assert publisher.sent == 2
    assert count(db, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0

    lawyers = suite.db("lawyers")
    assert count(lawyers, InboxEntry, InboxEntry.event_id == ev.id) == 1
    assert count(lawyers, CalendarOverride) == 1  # the effect happened once


def test_leased_rows_are_not_claimed_twice(suite):
    db = suite.db("mediation")
    with db.session() as s:
        for i in range(5):
            emit(s, "mediation", "test.lease", f"CASE-{i}", {})
    relay = OutboxRelay(db, DirectInboxPublisher(suite), lease_seconds=60)
    first = relay.claim()
    second = relay.claim()
    assert len(first) == 5 and second == []


def test_duplicate_delivery_answers_duplicates(suite):
    _install_counting_handler(suite)
    db = suite.db("mediation")
    with db.session() as s:
        ev = emit(s, "mediation", COUNTED, "CASE-7", {})
    token = suite.token("mediation-service")
    body = {"events": [ev.wire()]}
    c = httpx.Client(base_url=suite.url["lawyers"], headers={"Authorization": f"Bearer {token}"})
    assert c.post("/internal/events", json=body).json() == {"applied": 1, "duplicates": 0, "failed": []}
    assert c.post("/internal/events", json=body).json() == {"applied": 0, "duplicates": 1, "failed": []}
    assert count(suite.db("lawyers"), CalendarOverride) == 1


def test_internal_path_refuses_non_service_roles(suite):
    for who in ("coordinator", "petition-system"):
        r = suite.direct("lawyers", who).post("/internal/events", json={"events": []})
        assert r.status_code == 403, who
        assert r.json()["code"] == "forbidden"
