"""The handoff intake: requests in flight together are written in one transaction, each answered on commit."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.gateway.handoff import repository as handoff_repo
from services.gateway.handoff.intake import intake_of
from services.gateway.handoff.models import Handoff, HandoffStep
from services.gateway.handoff.schemas import HandoffCreate
from shared.errors import Conflict
from shared.events.models import OutboxEvent
from tests.handoff_kit import case_no, mediation_body, opinion_body


def submit_together(suite, requests: list[tuple[str, dict, str | None]]) -> list:
    """Submit every request in the same moment (all queued before a writer runs); results or errors."""
    intake = intake_of(suite.app["gateway"])

    async def go():
        return await asyncio.gather(*(intake.submit(case, HandoffCreate.model_validate(body), created_by="coordinator",
                                                    client_id="console", origin=origin)
                                      for case, body, origin in requests), return_exceptions=True)

    return suite.servers["gateway"].call(go())


def test_requests_in_flight_together_are_written_in_one_transaction(suite):
    intake = intake_of(suite.app["gateway"])
    shared_case = case_no()
    cases = [case_no() for _ in range(4)]
    before = intake.batches
    results = submit_together(suite, [(c, mediation_body(), None) for c in cases]
                              + [(shared_case, mediation_body(), None), (shared_case, opinion_body(), None),
                                 (case_no(), mediation_body(), "request:same-key"),
                                 (case_no(), mediation_body(), "request:same-key")])
    assert intake.batches == before + 1  # eight requests, one transaction
    assert all(not isinstance(r, BaseException) for r in results), results
    assert len({r.id for r in results}) == 7  # the same key twice in a batch is one handoff
    assert results[-1].id == results[-2].id

    with suite.db("gateway").session() as s:
        handoffs = s.execute(select(Handoff)).scalars().all()
        steps = s.execute(select(HandoffStep.handoff_id, HandoffStep.status)).all()
        events = s.execute(select(OutboxEvent.subject, OutboxEvent.sequence, OutboxEvent.data)
                           .where(OutboxEvent.type == "handoff.requested")).all()
    assert len(handoffs) == 7
    assert sorted(steps) == sorted((h.id, "requested") for h in handoffs)
    assert len(events) == 7
    # Two handoffs of one case in one batch: that case's events are numbered 1 and 2, in request order.
    ours = sorted((seq, d["target"]) for subj, seq, d in events if subj == shared_case)
    assert ours == [(1, "mediation"), (2, "legal_opinion")]
    assert all(seq == 1 for subj, seq, _ in events if subj != shared_case)


def test_a_failed_batch_is_written_request_by_request(suite, monkeypatch):
    """A batch that fails in the database (here: an origin another writer stored a moment before, which the
    batch's lookup missed) rolls back whole; every other request is then written alone and answered 202,
    the one that cannot be written gets its own 409 and leaves nothing behind."""
    first = submit_together(suite, [(case_no(), mediation_body(), "request:raced")])[0]
    monkeypatch.setattr(handoff_repo, "by_origins", lambda session, origins: {})  # the stale read of a race
    cases = [case_no() for _ in range(3)]
    results = submit_together(suite, [(cases[0], mediation_body(), None), (cases[1], mediation_body(), "request:raced"),
                                      (cases[2], mediation_body(), None)])
    assert isinstance(results[1], Conflict) and results[1].status == 409
    assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
    with suite.db("gateway").session() as s:
        by_case = {h.case_no: h for h in s.execute(select(Handoff)).scalars()}
        raced = s.execute(select(Handoff).where(Handoff.origin == "request:raced")).scalars().all()
        outbox_cases = set(s.execute(select(OutboxEvent.subject)).scalars())
    assert [h.id for h in raced] == [first.id]
    assert cases[0] in by_case and cases[2] in by_case and cases[1] not in by_case
    assert cases[1] not in outbox_cases


@pytest.mark.parametrize("case", ["bad case!", "x" * 65])
def test_a_bad_request_is_refused_before_it_waits_in_the_queue(suite, case):
    intake = intake_of(suite.app["gateway"])
    before = intake.written
    r = suite.client("petition-system").post(f"/api/v1/cases/{case}/handoffs", json=mediation_body())
    assert r.status_code == 422
    assert intake.written == before


def test_a_request_missing_target_fields_is_a_422_naming_them(suite):
    intake = intake_of(suite.app["gateway"])
    before = intake.written
    r = suite.client("petition-system").post(f"/api/v1/cases/{case_no()}/handoffs",
                                             json=opinion_body(question=None))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["question"]
    assert intake.written == before
