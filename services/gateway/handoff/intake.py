"""Handoff intake (移交收件): requests that arrive together are written together.

Under load many `POST /api/v1/cases/{case_no}/handoffs` are in flight at once. Each
in its own transaction costs a connection check-out, a `BEGIN`, four statements and
a commit. The intake queues the checked requests and a few writers each take what is
waiting (up to `batch`) into one transaction: one lookup of their Idempotency-Key
origins, one insert of the handoffs, one of their `requested` steps, and at commit one
sequence upsert and one outbox insert for all their events. A request is answered
only after its batch has committed.

If a batch fails (say two retries of one key raced with another batch), it rolls back
whole and each of its requests is written alone, so each gets its own answer (202,
409 or 503) and nothing is half-written. When requests come one at a time a batch
holds one, which is the plain single-transaction path.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from dataclasses import dataclass, field
from typing import cast

import anyio
from fastapi import FastAPI
from sqlmodel import Session

from services.gateway.handoff import deadlines as handoff_deadlines
from services.gateway.handoff import repository as repo
from services.gateway.handoff import service
from services.gateway.handoff.models import Handoff
from services.gateway.handoff.schemas import HandoffAccepted, HandoffCreate
from shared import audit, clock
from shared.background import cancel_and_wait
from shared.calendar import WorkingCalendar
from shared.db import write_problems
from shared.errors import SuiteError
from shared.pii import key_ring
from shared.tracing import current_traceparent

log = logging.getLogger("suite.handoff")


@dataclass
class HandoffRequest:
    """One checked request waiting in the intake."""

    case_no: str
    body: HandoffCreate
    created_by: str
    client_id: str
    origin: str | None
    answer: asyncio.Future = field(repr=False)
    audit: dict = field(default_factory=dict, repr=False)  # who asked (actor, roles, client_id, ip)
    # the request's trace context, taken when it is queued (the writers run in their own tasks)
    traceparent: str | None = field(default_factory=current_traceparent, repr=False)


def accepted(h: Handoff, cal: WorkingCalendar) -> HandoffAccepted:
    return HandoffAccepted(id=h.id, status=h.status, case_no=h.case_no, target=h.target, expires_at=h.expires_at,
                           **handoff_deadlines.provisional(cal, h), **service.category_answer(h))


class HandoffIntake:
    def __init__(self, app: FastAPI, *, writers: int = 2, batch: int = 64) -> None:
        self.app = app
        self.writers = writers
        self.batch = batch
        self._queue: asyncio.Queue[HandoffRequest] | None = None
        self._tasks: list[asyncio.Task] = []
        self.batches = 0   # transactions written
        self.written = 0   # requests answered through them

    async def submit(self, case_no: str, body: HandoffCreate, *, created_by: str, client_id: str,
                     origin: str | None, audit_caller: dict | None = None) -> HandoffAccepted:
        """Queue a checked request and wait until its batch has committed."""
        service.check_case_no(case_no)
        service.validate_target_fields(body)  # a 422 never waits in the queue
        if self._queue is None:
            self._start()
        assert self._queue is not None
        req = HandoffRequest(case_no, body, created_by, client_id, origin, asyncio.get_running_loop().create_future(),
                             audit_caller or {})
        await self._queue.put(req)
        return await req.answer

    # -- writers -----------------------------------------------------------------------------
    def _start(self) -> None:
        self._queue = asyncio.Queue()
        # A fresh context: not the request's that happened to start them (its request id, its trace).
        self._tasks = [asyncio.create_task(self._writer(), name=f"handoff-intake-{i}", context=contextvars.Context())
                       for i in range(self.writers)]

    async def _writer(self) -> None:
        assert self._queue is not None
        while True:
            items = [await self._queue.get()]
            while len(items) < self.batch and not self._queue.empty():
                items.append(self._queue.get_nowait())
            try:
                results = await anyio.to_thread.run_sync(self._write_batch, items)
            except Exception as e:  # the batch rolled back whole: each request alone
                if len(items) > 1:
                    log.info("handoff batch fell back to one request at a time",
                             extra={"count": len(items), "error": f"{type(e).__name__}: {e}"[:300]})
                    results = [await self._alone(item) for item in items]
                else:
                    results = [e]
            self.batches += 1
            self.written += len(items)
            for item, result in zip(items, results, strict=True):
                if item.answer.done():  # the caller went away; the handoff stands (like any committed POST)
                    continue
                if isinstance(result, BaseException):
                    item.answer.set_exception(result)
                else:
                    item.answer.set_result(result)

    async def _alone(self, item: HandoffRequest) -> HandoffAccepted | BaseException:
        try:
            return (await anyio.to_thread.run_sync(self._write_batch, [item]))[0]
        except Exception as e:
            return e

    def _write_batch(self, items: list[HandoffRequest]) -> list[HandoffAccepted | BaseException]:
        """One transaction for `items`; raises (nothing written) when the transaction fails."""
        with write_problems(), self.app.state.db.session() as s:
            return self._write(s, items)

    def _write(self, s: Session, items: list[HandoffRequest]) -> list[HandoffAccepted | BaseException]:
        settings = self.app.state.settings
        cal = self.app.state.calendar.get(s)
        now = clock.now(self.app)  # the real time (a test may fix it: shared/clock.py)
        pii = key_ring(settings.handoff_pii_keys)  # phones and ID numbers sealed at once (shared/handoff_pii.py)
        origins = sorted({i.origin for i in items if i.origin})
        known: dict[str, Handoff] = repo.by_origins(s, origins) if origins else {}
        out: list[HandoffAccepted | BaseException | None] = []
        rows: list[dict] = []
        slot_of_row: list[int] = []
        slot_of_origin: dict[str, int] = {}  # a key's first request in this batch
        repeats: list[tuple[int, int]] = []  # (slot, the slot whose answer it shares)
        for item in items:
            h = known.get(item.origin) if item.origin else None
            if h is not None:  # the same Idempotency-Key again: the first handoff
                out.append(accepted(h, cal))
                continue
            if item.origin in slot_of_origin:  # the same key twice in this batch: one handoff
                repeats.append((len(out), slot_of_origin[item.origin]))
                out.append(None)
                continue
            try:
                row = service.prepare(cal, settings.handoff_accept_working_days, item.case_no, item.body,
                                      created_by=item.created_by, client_id=item.client_id, origin=item.origin,
                                      now=now, pii=pii)
            except SuiteError as e:
                out.append(e)
                continue
            if item.origin:
                slot_of_origin[item.origin] = len(out)
            rows.append(row)
            slot_of_row.append(len(out))
            out.append(None)
        traces = [items[i].traceparent for i in slot_of_row]
        for slot, h in zip(slot_of_row, service.record(s, rows, traces), strict=True):
            out[slot] = accepted(h, cal)
            # audit: each handoff's record in the transaction that writes it
            audit.record(s, "gateway.handoff.request", service="gateway", object_type="handoff", object_id=h.id,
                         detail={"case_no": h.case_no, "target": h.target}, **items[slot].audit)
        for slot, first in repeats:
            out[slot] = out[first]
        return cast(list[HandoffAccepted | BaseException],
                    out)  # every slot filled: an earlier answer, an error, or a handoff just recorded

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks = []
        self._queue = None


def intake_of(app: FastAPI) -> HandoffIntake:
    intake = getattr(app.state, "handoff_intake", None)
    if intake is None:
        st = app.state.settings
        intake = app.state.handoff_intake = HandoffIntake(app, writers=st.handoff_writers, batch=st.handoff_batch)
    return intake
