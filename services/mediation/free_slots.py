"""The free-slot rule (空闲时段规则): when a room and its mediators may hold a session [start, end).

One rule, two users: booking (session/service.py) and availability (availability/service.py).
A slot is free when

- its day is a working day (the shared calendar: holidays, 调休 and overrides) and it fits inside
  one office window of that day;
- each mediator works then (their weekly hours narrow the office hours, rules.mediator_intervals);
- no closure of the room and no leave of a mediator overlaps it;
- no claim of the room or a mediator overlaps [start, end + buffer) (a claim already carries its own
  session's buffer, session/claims.py), i.e. a claim [s, e) blocks [s - buffer, e);
- it starts no earlier than the minimum notice and on or before the last bookable day (rules.py).

A resource's free time on a day is its hours minus its blocks (`free_time`); a slot is free when
every resource's free time `fits` it. Availability lists the grid starts that fit; booking asks
`refusal` for its one slot and names what is in the way. Booking leaves the claims to the database
(session/claims.py), which decides under concurrency.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.mediation.intervals import Interval, covers, normalize, subtract
from services.mediation.rules import WorkingRules
from shared.timeutil import local_date


def room_hours(rules: WorkingRules, day: date) -> list[Interval]:
    """When a room may be used on `day`: the office hours (none on a rest day or holiday)."""
    return rules.office_intervals(day)


def mediator_hours(rules: WorkingRules, working_hours: list[dict] | None, day: date) -> list[Interval]:
    """When a mediator works on `day`: the office hours narrowed by their own weekly hours."""
    return rules.mediator_intervals(working_hours, day)


def claim_block(start: Any, end: Any, buffer: Any) -> Interval:
    """The starts a claim [start, end) rules out for a new slot: [start - buffer, end)."""
    return start - buffer, end


def free_time(hours: list[Interval], blocks: Iterable[Interval]) -> list[Interval]:
    """A resource's free time: its hours minus its blocks (closures, leave, claim blocks)."""
    return subtract(hours, normalize(blocks))


def fits(free: list[Interval], start: Any, end: Any) -> bool:
    """Whether [start, end) lies inside the free time (one interval of it)."""
    return covers(free, start, end)


@dataclass(frozen=True)
class Refusal:
    """What keeps a slot from being free (booking turns it into 422 outside_working_hours)."""

    reason: str                    # rest_day | office_hours | mediator_hours | closure | leave
    who: str = ""                  # the room (closure) or mediator (mediator_hours, leave)
    start: datetime | None = None  # the closure or leave
    end: datetime | None = None
    note: str | None = None        # the closure's reason


def refusal(rules: WorkingRules, start: datetime, end: datetime, mediators: Sequence[tuple[str, list[dict] | None]],
            closures: Sequence[tuple], leave: Sequence[tuple]) -> Refusal | None:
    """Why [start, end) is not free for the room and `mediators` ((id, working hours)), or None.

    `closures` (room_id, start, end, reason) and `leave` (mediator_id, start, end, reason): rows that may
    overlap the slot; the first overlapping one in the given order is named. Claims are not looked at.
    """
    day = local_date(start)
    office = room_hours(rules, day)
    if not office:
        return Refusal("rest_day")
    if local_date(end - timedelta(microseconds=1)) != day or not fits(office, start, end):
        return Refusal("office_hours")
    hours = {}
    for mid, wh in mediators:
        hours[mid] = mediator_hours(rules, wh, day)
        if not fits(hours[mid], start, end):
            return Refusal("mediator_hours", mid)
    if not fits(free_time(office, [(s, e) for _, s, e, _ in closures]), start, end):
        room_id, s, e, note = next(c for c in closures if c[1] < end and c[2] > start)
        return Refusal("closure", room_id, s, e, note)
    if not all(fits(free_time(h, [(s, e) for m, s, e, _ in leave if m == mid]), start, end)
               for mid, h in hours.items()):
        mid, s, e, note = next(x for x in leave if x[0] in hours and x[1] < end and x[2] > start)
        return Refusal("leave", mid, s, e, note)
    return None
