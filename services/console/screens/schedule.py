"""排期: rooms down the side, half-hour slots of the office hours across; a day (`?date=`) or a week (`?view=week`).

Built from the public API: the rooms, `GET /mediation/office-hours` (working days and office hours, the
buffer and notice rules), `GET /mediation/occupancy` (when each room is taken, by anyone's session),
`GET /mediation/sessions` (the sessions the person may open: their cells link to the session page) and
each room's closures. A free cell links to the new booking form, pre-filled with the room and a start
and end that keep the buffer around neighbouring sessions (an hour when it fits, else at least the
shortest session); a slot too close to a booking for that is shown as 间隔.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from services.console.formatting import instant, local_input, now_local, today_local, week_start, zh_short_date
from services.console.gateway_api import ApiError, ApiUnavailable
from services.console.screens import session_kit as kit
from services.console.sessions import ConsoleSession
from services.console.web import Api, allow, render

router = APIRouter()
SLOT = timedelta(minutes=30)


@dataclass
class Cell:
    kind: str                 # free | taken | closed | past | gap | later
    span: int = 1
    start: datetime | None = None
    end: datetime | None = None
    key: str = ""             # what merges neighbouring cells: the session or closure id
    text: str = ""
    href: str = ""
    label: str = ""
    session: dict = field(default_factory=dict)


@dataclass
class DayGrid:
    day: date
    working: bool
    slots: list[tuple[datetime, datetime, bool]]  # (start, end, first slot of an office window)
    rows: list[tuple[dict, list[Cell]]]
    hours: str


def _slots(windows: list[dict]) -> list[tuple[datetime, datetime, bool]]:
    out = []
    for w in windows:
        s, e = instant(w["start"]), instant(w["end"])
        first = True
        while s < e:
            out.append((s, min(s + SLOT, e), first))
            s, first = s + SLOT, False
    return out


def _window_end(windows: list[dict], t: datetime) -> datetime:
    for w in windows:
        s, e = instant(w["start"]), instant(w["end"])
        if s <= t < e:
            return e
    return t


def _proposal(start: datetime, slot_end: datetime, window_end: datetime, busy: list[tuple[datetime, datetime]],
              buffer: timedelta, shortest: timedelta) -> tuple[datetime, datetime] | None:
    """A bookable (start, end) from this slot on: after every earlier booking's buffer, before the next one."""
    for b_start, b_end in busy:  # sorted by start
        if b_start < slot_end and b_end + buffer > start:
            start = max(start, b_end + buffer)
    if start >= slot_end:
        return None
    end = min(start + timedelta(minutes=kit.DEFAULT_MINUTES), window_end)
    for b_start, _ in busy:
        if b_start >= start:
            end = min(end, b_start - buffer)
    if end - start < shortest:
        return None
    return start, end


def _room_cells(request: Request, room: dict, day: date, windows: list[dict], slots, taken: list[dict],
                closures: list[dict], visible: dict[str, dict], rules: dict, earliest: datetime,
                last_day: date | None) -> list[Cell]:
    buffer = timedelta(minutes=rules.get("buffer_minutes", 15))
    shortest = timedelta(minutes=rules.get("min_session_minutes", 30))
    busy = sorted((instant(t["start"]), instant(t["end"])) for t in taken)
    blocks = sorted((instant(c["start"]), instant(c["end"])) for c in closures)
    cells: list[Cell] = []
    for s, e, _ in slots:
        closure = next((c for c in closures if instant(c["start"]) < e and instant(c["end"]) > s), None)
        occupied = next((t for t in taken if instant(t["start"]) < e and instant(t["end"]) > s), None)
        if closure is not None:
            reason = closure.get("reason") or "暂停使用"
            cell = Cell("closed", start=s, end=e, key="c" + closure["id"], text=f"关闭：{reason}")
        elif occupied is not None:
            sid = occupied["session_id"]
            cell = Cell("taken", start=instant(occupied["start"]), end=instant(occupied["end"]),
                        key="s" + sid, text=f"案件 {occupied['case_no']}", session=occupied)
            if sid in visible:
                cell.href = f"{request.app.state.settings.base_path}/mediation/{sid}"
        elif last_day is not None and day > last_day:
            cell = Cell("later", start=s, end=e, key="later", text="尚未开放预约")
        elif s < earliest:
            cell = Cell("past", start=s, end=e, key="past", text="不可预约")
        else:
            # Closures block like bookings but need no buffer around them.
            prop = _proposal(s, e, _window_end(windows, s), busy, buffer, shortest)
            if prop is not None:
                prop = _proposal(prop[0], e, prop[1], blocks, timedelta(0), shortest)
            if prop is None:
                cell = Cell("gap", start=s, end=e, key="gap", text="间隔")
            else:
                a, b = prop
                qs = urlencode({"room_id": room["id"], "start": local_input(a), "end": local_input(b)})
                cell = Cell("free", start=a, end=b, text="空闲", href=f"{request.app.state.settings.base_path}"
                                                                   f"/bookings/new?{qs}",
                            label=f"预约 {room['name']} {zh_short_date(a)} {a:%H:%M}–{b:%H:%M}")
        prev = cells[-1] if cells else None
        if prev is not None and cell.kind != "free" and prev.kind == cell.kind and prev.key == cell.key:
            prev.span += 1
        else:
            cells.append(cell)
    return cells


async def _closures(api: Api, room_id: str) -> list[dict]:
    try:
        return (await api.get(f"/mediation/rooms/{room_id}/closures"))["items"]
    except (ApiError, ApiUnavailable):
        return []


async def _occupancy(api: Api, first: date, last: date, sessions: list[dict]) -> list[dict]:
    """Every room booking of the days; when the call is refused, the sessions the person may see."""
    try:
        return await api.get_all("/mediation/occupancy", **{"from": first.isoformat(), "to": last.isoformat()})
    except ApiError:
        return [{"room_id": s["room_id"], "session_id": s["id"], "case_no": s["case_no"], "start": s["start"],
                 "end": s["end"], "status": s["status"]} for s in sessions if s["status"] != "cancelled"]


@router.get("/schedule")
async def schedule(request: Request, person: Annotated[ConsoleSession, Depends(allow("coordinator", "mediator"))],
                   api: Api, day: Annotated[date | None, Query(alias="date")] = None,
                   view: Literal["day", "week"] = "day"):
    day = day or today_local()
    days = [day] if view == "day" else [week_start(day) + timedelta(days=i) for i in range(7)]
    first, last = days[0], days[-1]
    rooms, hours, sessions = await asyncio.gather(
        api.get_all("/mediation/rooms"), kit.office_hours(api, first, last),
        api.get_all("/mediation/sessions", **{"from": first.isoformat(), "to": last.isoformat()}))
    taken_all, closures = await asyncio.gather(_occupancy(api, first, last, sessions),
                                               asyncio.gather(*(_closures(api, r["id"]) for r in rooms)))
    closures_by_room = dict(zip((r["id"] for r in rooms), closures, strict=True))
    visible = {s["id"]: s for s in sessions}
    rules = hours or {}
    office = {d["date"]: d for d in rules.get("days", [])}
    earliest = now_local() + timedelta(minutes=rules.get("min_notice_minutes", 120))
    last_day = date.fromisoformat(rules["last_bookable_day"]) if rules.get("last_bookable_day") else None
    grids = []
    for d in days:
        info = office.get(d.isoformat()) or {"working_day": d.weekday() < 5, "windows": []}
        slots = _slots(info["windows"])
        rows = []
        for room in rooms:
            taken = [t for t in taken_all if t["room_id"] == room["id"]
                     and instant(t["start"]).date() <= d <= instant(t["end"]).date()]
            shut = [c for c in closures_by_room.get(room["id"], [])
                    if instant(c["start"]).date() <= d <= instant(c["end"]).date()]
            rows.append((room, _room_cells(request, room, d, info["windows"], slots, taken, shut, visible, rules,
                                           earliest, last_day)))
        grids.append(DayGrid(d, bool(info["working_day"]) and bool(slots), slots, rows, kit.windows_text(info)))
    step = timedelta(days=1 if view == "day" else 7)
    return render(request, "schedule/index.html", grids=grids, view=view, day=day, prev_day=day - step,
                  next_day=day + step, rooms=rooms, hours_known=hours is not None, rules=rules)
