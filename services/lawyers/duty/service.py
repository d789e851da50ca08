"""Duty roster generation (值班表), swaps, leader reception days and reception assists."""
from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from services.lawyers.context import SOURCE, Ctx, day, iso, new_id
from services.lawyers.duty import repository as repo
from services.lawyers.duty.models import AssistIn, DutyShift, ReceptionAssist, ReceptionDay, ReceptionDayIn
from services.lawyers.lawyer import repository as lawyers_repo
from services.lawyers.lawyer import service as lawyers
from services.lawyers.lawyer.models import Lawyer
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import emit
from shared.timeutil import local_date, local_dt

MAX_PERIOD_DAYS = 400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _hm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def shift_public(ctx: Ctx, sh: DutyShift) -> dict[str, Any]:
    return {"id": sh.id, "date": day(sh.day), "slot": sh.slot, "lawyer_id": sh.lawyer_id, "place": sh.place,
            "start": iso(local_dt(sh.day, _hm(ctx.settings.duty_start))),
            "end": iso(local_dt(sh.day, _hm(ctx.settings.duty_end)))}


def assist_public(a: ReceptionAssist) -> dict[str, Any]:
    return {"id": a.id, "leader": a.leader, "start": iso(a.start), "end": iso(a.end), "topic": a.topic,
            "public_lawyer": a.lawyer_id, "lawyer_id": a.lawyer_id, "case_no": a.case_no,
            "handoff_id": a.handoff_id, "created_at": iso(a.created_at)}


def _period(start: date, end: date) -> None:
    if end < start:
        raise Unprocessable("to: the period ends before it starts", code="validation_error",
                            errors=[{"field": "to", "message": "before from", "type": "value_error"}])
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Unprocessable(f"to: a period is at most {MAX_PERIOD_DAYS} days", code="validation_error",
                            errors=[{"field": "to", "message": "period too long", "type": "value_error"}])


# -- duty roster ------------------------------------------------------------------------------
def generate(ctx: Ctx, start: date, end: date, *, replace: bool = False) -> list[DutyShift]:
    """N lawyers per working day, rotated fairly: over the period loads differ by at most one shift
    among lawyers available throughout; lawyers on leave or outside their contract are skipped that day."""
    _period(start, end)
    s, session = ctx.settings, ctx.session
    if repo.count_between(session, start, end):
        if not replace:
            raise Conflict("A duty roster already exists in this period; pass replace=true to regenerate.",
                           code="roster_exists")
        repo.delete_between(session, start, end)
        session.flush()
    days = ctx.cal.working_days(start, end)
    eligible = lawyers_repo.active_of_kinds(session, s.duty_kinds)
    leaves = defaultdict(list)
    for lv in lawyers_repo.leaves_between(session, start, end):
        leaves[lv.lawyer_id].append((lv.start, lv.end))
    contracts = defaultdict(list)
    for c in lawyers_repo.contracts_between(session, start, end):
        contracts[c.lawyer_id].append((c.start, c.end))

    def available(lw: Lawyer, d: date) -> bool:
        if any(a <= d <= b for a, b in leaves.get(lw.id, ())):
            return False
        return lw.kind != "retained_counsel" or any(a <= d <= b for a, b in contracts.get(lw.id, ()))

    avail = {lw.id: [available(lw, d) for d in days] for lw in eligible}
    remaining = {lid: sum(flags) for lid, flags in avail.items()}
    last = repo.last_duty_before(session, start)
    counts = {lw.id: 0 for lw in eligible}
    per_day = max(1, s.duty_lawyers_per_day)
    shifts: list[DutyShift] = []
    for i, d in enumerate(days):
        free = [lid for lid in counts if avail[lid][i]]
        # fewest shifts first; then whoever has fewer chances left; then longest since last duty
        free.sort(key=lambda lid: (counts[lid], remaining[lid], last.get(lid, date.min), lid))
        for slot, lid in enumerate(free[:per_day]):
            counts[lid] += 1
            last[lid] = d
            shifts.append(DutyShift(id=new_id(), day=d, slot=slot, lawyer_id=lid, created_at=ctx.now))
        for lid in free:
            remaining[lid] -= 1
    session.add_all(shifts)
    session.flush()
    loads = list(counts.values())
    emit(session, source=SOURCE, type="lawyers.duty.generated", subject=None,
         data={"from": day(start), "to": day(end), "shifts": len(shifts), "working_days": len(days),
               "lawyers": len(counts), "min_load": min(loads) if loads else 0,
               "max_load": max(loads) if loads else 0})
    return shifts


def get_shift(ctx: Ctx, shift_id: str) -> DutyShift:
    sh = repo.get_shift(ctx.session, shift_id)
    if sh is None or not (ctx.has("coordinator", "auditor") or sh.lawyer_id == ctx.me):
        raise NotFound(f"No duty shift {shift_id}.")
    return sh


def swap(ctx: Ctx, shift_id: str, other_id: str, reason: str = "") -> tuple[DutyShift, DutyShift]:
    """Two lawyers exchange their shifts (换班)."""
    a, b = get_shift(ctx, shift_id), get_shift(ctx, other_id)
    if a.id == b.id or a.lawyer_id == b.lawyer_id:
        raise Unprocessable("A swap needs two shifts held by two different lawyers.", code="invalid_swap")
    if a.day == b.day:
        raise Unprocessable("Both shifts are on the same day; nothing to swap.", code="invalid_swap")
    for lawyer_id, target_day in ((b.lawyer_id, a.day), (a.lawyer_id, b.day)):
        lw = lawyers_repo.get(ctx.session, lawyer_id)
        if lw is None:
            raise NotFound(f"No lawyer {lawyer_id}.")
        why = lawyers.availability_problem(ctx, lw, target_day)
        if why:
            raise Conflict(f"{lw.name} cannot be on duty on {day(target_day)} ({why}).", code="lawyer_unavailable")
        if repo.on_duty(ctx.session, lawyer_id, target_day):
            raise Conflict(f"{lw.name} is already on duty on {day(target_day)}.", code="already_on_duty")
    a.lawyer_id, b.lawyer_id = b.lawyer_id, a.lawyer_id
    ctx.session.flush()
    emit(ctx.session, source=SOURCE, type="lawyers.duty.swapped", subject=None,
         data={"shifts": [{"id": x.id, "date": day(x.day), "lawyer_id": x.lawyer_id} for x in (a, b)],
               "reason": reason})
    return a, b


# -- leader reception days ----------------------------------------------------------------------
def monthly_reception_days(ctx: Ctx, start: date, end: date) -> list[date]:
    """The monthly leader reception day (default the 15th), moved to the next working day."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        nominal = date(y, m, min(ctx.settings.leader_reception_day, _calendar.monthrange(y, m)[1]))
        actual = ctx.cal.next_working_day(nominal)
        if start <= actual <= end:
            out.append(actual)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def reception_days(ctx: Ctx, start: date, end: date) -> list[dict[str, Any]]:
    _period(start, end)
    items = []
    for d in monthly_reception_days(ctx, start, end):
        items.append({"id": None, "date": day(d), "kind": "monthly", "leader": "", "note": "领导定期接访日"})
    for r in repo.reception_days_between(ctx.session, start, end):
        items.append({"id": r.id, "date": day(r.day), "kind": "ad_hoc", "leader": r.leader, "note": r.note})
    items.sort(key=lambda x: (x["date"], x["kind"]))
    return items


def add_reception_day(ctx: Ctx, body: ReceptionDayIn) -> ReceptionDay:
    r = ReceptionDay(id=new_id(), day=body.date, leader=body.leader, note=body.note, created_at=ctx.now)
    ctx.session.add(r)
    ctx.session.flush()
    return r


# -- reception assists ---------------------------------------------------------------------------
def assign_assist(ctx: Ctx, body: AssistIn, *, handoff_id: str | None = None) -> ReceptionAssist:
    """A public lawyer for a leader's reception: available, not busy then, not the leader's previous
    lawyer when another is free; fewest assists this year, then longest since the last one."""
    if body.end <= body.start:
        raise Unprocessable("end: the reception ends before it starts", code="validation_error",
                            errors=[{"field": "end", "message": "not after start", "type": "value_error"}])
    d = local_date(body.start)
    session = ctx.session
    busy = {a.lawyer_id for a in repo.assists_overlapping(session, body.start, body.end)}
    on_leave = lawyers_repo.on_leave_ids(session, d)
    pool = [lw for lw in lawyers_repo.active_of_kinds(session, ["public_lawyer"])
            if lw.id not in busy and lw.id not in on_leave]
    if not pool:
        raise Conflict("No public lawyer is free for this reception.", code="no_lawyer_available")
    prev = repo.previous_assist(session, body.leader, body.start)
    if prev and len(pool) > 1:
        pool = [lw for lw in pool if lw.id != prev.lawyer_id]
    stats = repo.assist_stats(session, local_dt(date(d.year, 1, 1), time(0)))
    duty = repo.on_duty_ids(session, d)
    pool.sort(key=lambda lw: (lw.id in duty, stats.get(lw.id, (0, EPOCH))[0], stats.get(lw.id, (0, EPOCH))[1],
                              lw.id))
    chosen = pool[0]
    a = ReceptionAssist(id=new_id(), leader=body.leader, start=body.start, end=body.end, topic=body.topic,
                        lawyer_id=chosen.id, case_no=body.case_no, handoff_id=handoff_id, created_at=ctx.now)
    session.add(a)
    session.flush()
    emit(session, source=SOURCE, type="lawyers.assist.assigned", subject=body.case_no,
         data={"assist_id": a.id, "leader": a.leader, "lawyer_id": chosen.id, "public_lawyer": chosen.id,
               "lawyer_name": chosen.name, "start": iso(a.start), "end": iso(a.end), "topic": a.topic,
               "case_no": a.case_no, "handoff_id": handoff_id,
               "message": f"请于 {iso(a.start)} 协助{a.leader}接访：{a.topic}"})
    return a


def get_assist(ctx: Ctx, assist_id: str) -> ReceptionAssist:
    a = repo.get_assist(ctx.session, assist_id)
    if a is None or not (ctx.has("coordinator", "auditor") or a.lawyer_id == ctx.me):
        raise NotFound(f"No reception assist {assist_id}.")
    return a


