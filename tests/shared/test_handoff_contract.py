"""The handoff contract (shared/handoff_contract.py) and the event catalog (shared/events/catalog.py).

The models give each handoff event's `data` byte for byte as the dicts the code built before them
(the wire, webhooks and API.md unchanged); one routing table; every consumed type in the catalog.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import get_args

import orjson
import pytest

from services.gateway.handoff import service
from services.gateway.handoff.schemas import HandoffCreate
from services.gateway.hub.subscriptions import REMOTE, Subscription
from shared import handoff_contract as contract
from shared.calendar import provisional_fields
from shared.events.catalog import DOMAINS, PRODUCER, producer_of, streams_for
from shared.events.envelope import CloudEvent
from shared.timeutil import to_local

ROW_AT = datetime(2026, 3, 2, 1, 30, 15, 123456).astimezone()


def wire(data: dict) -> bytes:
    return orjson.dumps(data)


def prepared_row(body: dict) -> dict:
    """A handoff row as `service.prepare` builds it (details from the request, category by the vocabulary)."""
    req = HandoffCreate.model_validate(body)
    raw = req.model_dump(mode="json", exclude_none=True)
    details = {k: v for k, v in raw.items() if k not in ("target", "category", "summary", "parties")}
    category = service.vocabulary_fields(req.category, details)
    return {"id": "a" * 32, "case_no": "XF-2026-0001", "target": req.target, "category": category,
            "summary": req.summary, "parties": raw.get("parties", []), "details": details, "client_id": "ps",
            "requested_at": ROW_AT, "expires_at": ROW_AT + timedelta(days=1)}


@pytest.mark.parametrize("body", [
    {"target": "legal_opinion", "category": "劳动争议", "summary": "s", "question": "是否合法？",
     "due_on": "2026-04-01", "parties": [{"name": "张三", "role": "petitioner"}, "李四"], "language": "bo",
     "in_litigation": False},
    {"target": "reception_assist", "category": "不在词表里的话", "summary": "s", "leader": "王区长",
     "start": "2026-03-03T09:00:00+08:00", "end": "2026-03-03T11:00:00+08:00", "topic": "t", "nature": "行政争议"},
    {"target": "review_studio", "category": "other", "summary": "s", "kind": "review", "received_on": "2026-03-01",
     "details": {"nested": [1, 2]}, "opinion_id": "o1"},
    {"target": "mediation", "category": "邻里纠纷", "summary": "s", "parties": [{"name": "甲"}]},
])
def test_handoff_requested_is_todays_dict_byte_for_byte(body):
    r = prepared_row(body)
    # Before the contract: `{**event_data(h), requested_by, requested_at, expires_at}`.
    today = {"handoff_id": r["id"], "case_no": r["case_no"], "target": r["target"], "category": r["category"],
             "summary": r["summary"], "parties": r["parties"], **r["details"], "requested_by": r["client_id"],
             "requested_at": to_local(r["requested_at"]).isoformat(),
             "expires_at": to_local(r["expires_at"]).isoformat()}
    built = service.requested_event(r)
    assert wire(built.data()) == wire(today)
    read = contract.HandoffRequested.read(today)  # what a target service reads gives the same again
    assert read is not None and wire(read.data()) == wire(today)
    assert read.details.get("language") == body.get("language") and read.details.question == body.get("question")


def test_a_detail_never_replaces_the_handoffs_own_fields():
    r = prepared_row({"target": "mediation", "category": "other", "summary": "s", "handoff_id": "forged",
                      "requested_by": "someone"})
    data = service.requested_event(r).data()
    assert data["handoff_id"] == r["id"] and data["requested_by"] == "ps"


@pytest.mark.parametrize("reason", [None, "目标单位未在规定期限内接收"])
def test_status_report_is_todays_dict(reason):
    today = {"handoff_id": "h1", "case_no": "XF-1", "target": "mediation", "status": "expired"}
    if reason is not None:
        today["reason"] = reason
        today["reason_code"] = "not_accepted_in_time"
    built = contract.HandoffStatusChanged(handoff_id="h1", case_no="XF-1", target="mediation", status="expired",
                                          reason=reason, reason_code="not_accepted_in_time" if reason else None)
    assert wire(built.data()) == wire(today)


def test_answers_are_todays_dicts():
    due = date(2026, 4, 1)
    cases = [
        (contract.HandoffRejected(handoff_id="h", case_no=None, reason="r", reason_code="c"),
         {"handoff_id": "h", "case_no": None, "reason": "r", "reason_code": "c"}),
        (contract.MediationHandoffAccepted(handoff_id="h", case_no="C", intake_id="i", target_on=due,
                                           **provisional_fields(2027)),
         {"handoff_id": "h", "case_no": "C", "intake_id": "i", "target_on": due.isoformat(),
          **provisional_fields(2027)}),
        (contract.MediationHandoffAccepted(handoff_id="h", case_no="C", intake_id="i", target_on=due,
                                           **provisional_fields(None)),
         {"handoff_id": "h", "case_no": "C", "intake_id": "i", "target_on": due.isoformat(),
          **provisional_fields(None)}),
        (contract.MediationHandoffCompleted(handoff_id="h", case_no="C", outcome="agreement"),
         {"handoff_id": "h", "case_no": "C", "outcome": "agreement"}),
        (contract.OpinionHandoffAccepted(handoff_id="h", case_no="C", request_id="r", status="unassigned",
                                         assignee_id=None, due_on=due),
         {"handoff_id": "h", "case_no": "C", "request_id": "r", "status": "unassigned", "assignee_id": None,
          "due_on": due.isoformat()}),
        (contract.ReviewHandoffAccepted(handoff_id="h", case_no="C", review_id="v", due_on=due),
         {"handoff_id": "h", "case_no": "C", "review_id": "v", "due_on": due.isoformat()}),
        (contract.AssistHandoffTaken(handoff_id="h", case_no="C", assist_id="a", lawyer_id="l"),
         {"handoff_id": "h", "case_no": "C", "assist_id": "a", "lawyer_id": "l"}),
        (contract.OpinionHandoffCompleted(handoff_id="h", case_no="C", request_id="r", opinion_id="o"),
         {"handoff_id": "h", "case_no": "C", "request_id": "r", "opinion_id": "o"}),
        (contract.ReviewHandoffCompleted(handoff_id="h", case_no="C", review_id="v", opinion_id="o"),
         {"handoff_id": "h", "case_no": "C", "review_id": "v", "opinion_id": "o"}),
    ]
    for built, today in cases:
        assert wire(built.data()) == wire(today), type(built).__name__
        answer = contract.HandoffAnswer.read(today)  # what the gateway reads of each
        assert answer is not None and answer.handoff_id == "h" and answer.reason == today.get("reason")
    assert contract.HandoffAnswer.read({"case_no": "C"}) is None


def test_one_routing_table():
    assert set(contract.ANSWERED_BY) == set(get_args(contract.Target)) == set(contract.TARGETS)
    assert get_args(HandoffCreate.model_fields["target"].annotation) == get_args(contract.Target)
    assert contract.targets_of("mediation") == {"mediation"}
    assert contract.targets_of("lawyers") == {"legal_opinion", "review_studio", "reception_assist"}


def test_the_details_mirror_the_requests_target_fields():
    """`HandoffDetails` declares `HandoffCreate`'s target fields in its order (the wire's order of them)."""
    own = ("target", "category", "summary", "parties")
    assert [f for f in HandoffCreate.model_fields if f not in own] == list(contract.HandoffDetails.model_fields)


def test_the_catalog_names_each_types_producer():
    handoff = [contract.REQUESTED, *(contract.status_type(s) for s in (*contract.VERBS, "expired"))]
    assert {producer_of(t) for t in handoff} == {"gateway"}
    for svc in ("mediation", "lawyers"):
        assert {producer_of(contract.answer_type(svc, v)) for v in contract.VERBS} == {svc}
    assert set(PRODUCER.values()) == set(DOMAINS)
    for types in REMOTE.values():
        assert all(t in PRODUCER for t in types)
    assert streams_for(["handoff.requested", "lawyers.opinion.filed"]) == ["gateway", "lawyers"]
    assert streams_for(["*"]) == sorted(DOMAINS)
    with pytest.raises(ValueError, match="not in the event catalog"):
        producer_of("nobody.knows")


def test_every_type_a_service_consumes_is_cataloged(suite):
    for svc in ("gateway", "mediation", "lawyers"):
        types = [t for t in suite.app[svc].state.handlers.types if t.split(".")[0] not in ("probe", "test")]
        assert streams_for(types) is not None  # raises on a type missing from the catalog
    streams_for(suite.app["gateway"].state.hub.internal["handoffs"].types)


def test_a_cataloged_type_is_pushed_only_from_its_producer():
    sub = Subscription("x", frozenset({"lawyers.opinion.filed", "probe.touched"}), url="http://x")

    def ev(type_: str, source: str) -> CloudEvent:
        return CloudEvent(id="e", source=source, type=type_, time=datetime.now().astimezone())

    assert sub.wants(ev("lawyers.opinion.filed", "lawyers"))
    assert not sub.wants(ev("lawyers.opinion.filed", "mediation"))
    assert sub.wants(ev("probe.touched", "mediation"))  # not cataloged: any source
