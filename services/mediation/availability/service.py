"""Availability (空闲时段): free (room, mediator) slots over a period, by the free-slot rule.

The rule is free_slots.py (the one booking applies): per working day, each room's and
mediator's free time (office hours, narrowed by the mediator's own hours, minus closures, leave and
booked claims widened by the buffer), from the minimum notice on. Slots start on a grid
(`availability_step_minutes`) and are returned in time order, then room, then mediator. Claims are
read one day at a time, so a search that fills its `limit` early reads little.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from services.mediation.availability import repository as repo
from services.mediation.free_slots import claim_block, fits, free_time, mediator_hours, room_hours
from services.mediation.rules import WorkingRules, field_error
from shared.db import utcnow
from shared.timeutil import SHANGHAI, local_date, local_dt


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def search(session: Session, rules: WorkingRules, *, from_: date, to: date, duration_minutes: int,
           room_id: str | None = None, mediator_id: str | None = None, language: str | None = None,
           limit: int | None = None, now: datetime | None = None) -> list[dict]:
    st = rules.settings
    if to < from_:
        raise field_error("to", "to is before from", zh="结束日期早于开始日期")
    if (to - from_).days + 1 > st.availability_max_days:
        raise field_error("to", f"a search covers at most {st.availability_max_days} days",
                          zh=f"一次最多查询 {st.availability_max_days} 天")
    if not rules.allows_length(duration_minutes):
        raise field_error("duration_minutes", f"a session lasts {st.min_session_minutes}–"
                                              f"{st.max_session_minutes} minutes",
                          zh=f"一次调解时长为 {st.min_session_minutes}–{st.max_session_minutes} 分钟")
    limit = limit or st.availability_default_limit
    if not 1 <= limit <= st.availability_max_limit:
        raise field_error("limit", f"limit is 1–{st.availability_max_limit}",
                          zh=f"limit 须在 1–{st.availability_max_limit} 之间")

    now = now or utcnow()
    earliest = _ts(rules.earliest_start(now))
    last_day = min(to, rules.last_bookable_day(now))
    first_day = max(from_, local_date(now))
    if last_day < first_day:
        return []

    rooms = repo.room_ids(session, room_id)
    meds = [(mid, wh) for mid, langs, wh in repo.mediators(session, mediator_id)
            if not language or language in (langs or [])]
    if not rooms or not meds:
        return []

    period_start = local_dt(first_day, time(0))
    period_end = local_dt(last_day + timedelta(days=1), time(0))
    buf = st.buffer_minutes * 60
    dur = duration_minutes * 60
    step = st.availability_step_minutes * 60

    # Closures and leave for the whole period (few rows).
    room_set, med_ids = set(rooms), [m for m, _ in meds]
    room_blocks: dict[str, list] = defaultdict(list)
    for rid, s, e in repo.closures_between(session, period_start, period_end):
        if rid in room_set:
            room_blocks[rid].append((_ts(s), _ts(e)))
    med_blocks: dict[str, list] = defaultdict(list)
    med_set = set(med_ids)
    for mid, s, e in repo.leave_between(session, period_start, period_end):
        if mid in med_set:
            med_blocks[mid].append((_ts(s), _ts(e)))

    out: list[dict] = []
    day = first_day
    while day <= last_day and len(out) < limit:
        office = [(_ts(a), _ts(b)) for a, b in room_hours(rules, day)]
        if office and office[-1][1] > earliest:
            _day_slots(session, rules, day, office, rooms, meds, room_blocks, med_blocks, earliest, buf, dur,
                       step, limit, out)
        day += timedelta(days=1)
    return out


def _claims_of_day(session: Session, day_start: float, day_end: float, buf: float, rooms: list[str],
                   med_ids: list[str], all_rooms: bool, all_meds: bool) -> tuple[dict, dict]:
    lo = datetime.fromtimestamp(day_start - buf, UTC)
    hi = datetime.fromtimestamp(day_end + buf, UTC)
    room_busy: dict[str, list] = defaultdict(list)
    med_busy: dict[str, list] = defaultdict(list)
    for kind, key, s, e in repo.claims_between(session, lo, hi, rooms, med_ids, all_rooms, all_meds):
        (room_busy if kind == "room" else med_busy)[key].append(claim_block(_ts(s), _ts(e), buf))
    return room_busy, med_busy


def _day_slots(session, rules, day, office, rooms, meds, room_blocks, med_blocks, earliest, buf, dur, step, limit,
               out) -> None:
    day_start, day_end = office[0][0], office[-1][1]
    room_busy, med_busy = _claims_of_day(session, day_start, day_end, buf, rooms, [m for m, _ in meds],
                                         len(rooms) > 1, len(meds) > 1)
    room_free = {r: free_time(office, room_busy.get(r, []) + room_blocks.get(r, [])) for r in rooms}
    med_free = {}
    for mid, wh in meds:
        hours = office if not wh else [(_ts(a), _ts(b)) for a, b in mediator_hours(rules, wh, day)]
        med_free[mid] = free_time(hours, med_busy.get(mid, []) + med_blocks.get(mid, []))
    starts = []
    for a, b in office:
        t = a
        while t + dur <= b:
            if t >= earliest:
                starts.append(t)
            t += step
    for t in starts:
        e = t + dur
        free_rooms = [r for r in rooms if fits(room_free[r], t, e)]
        if not free_rooms:
            continue
        free_meds = [m for m, _ in meds if fits(med_free[m], t, e)]
        if not free_meds:
            continue
        s_iso = datetime.fromtimestamp(t, SHANGHAI).isoformat()
        e_iso = datetime.fromtimestamp(e, SHANGHAI).isoformat()
        for r in free_rooms:
            for m in free_meds:
                out.append({"start": s_iso, "end": e_iso, "room_id": r, "mediator_id": m})
                if len(out) >= limit:
                    return
