"""Real objects for the contract run (契约测试的种子数据), and the pool of ids the API hands out.

Random ids only ever reach the 404 branch; the fuzzer also draws from ids that exist: those made here
through the gateway before the run and those the API answers during it.
"""
from __future__ import annotations

import itertools
import os
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def uniq(prefix: str) -> str:
    return f"{prefix}{os.getpid()}-{next(_seq)}"


def working_day() -> date:
    """A working day past the booking notice."""
    cal = WorkingCalendar()
    return cal.next_working_day(datetime.now(SH).date() + timedelta(days=3))


def at(d: date, hhmm: str) -> str:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=SH).isoformat()


class IdPool:
    """Ids by the collection path that made them (`/api/v1/mediation/rooms`), and case numbers."""

    def __init__(self, paths: list[str]) -> None:
        self.ids: dict[str, list[str]] = defaultdict(list)
        # each path parameter's collection: `/api/v1/mediation/rooms/{room_id}` -> room_id: .../rooms
        self.collection: dict[str, str] = {}
        for path in sorted(paths, key=len):
            parts = path.split("/")
            for i, part in enumerate(parts):
                if part.startswith("{") and part.endswith("}"):
                    self.collection.setdefault(part[1:-1], "/".join(parts[:i]))

    def add(self, collection: str, answer) -> None:
        """Keep what a 2xx answer names: its `id` (under `collection`) and `case_no`."""
        for item in answer.get("items", [answer]) if isinstance(answer, dict) else []:
            if isinstance(item, dict):
                if isinstance(item.get("id"), str):
                    self.ids[collection].append(item["id"])
                if isinstance(item.get("case_no"), str):
                    self.ids["case_no"].append(item["case_no"])

    def pick(self, name: str, rnd: random.Random) -> str | None:
        """An existing value for a parameter or body field named `name` (`room_id`, `case_no` ...)."""
        found = self.ids.get("case_no") if name == "case_no" else self.ids.get(self.collection.get(name, ""))
        return rnd.choice(found) if found else None

    def substitute(self, case, rnd: random.Random) -> None:
        """Swap some generated ids in `case` (path, then body fields `*_id` / `*_ids`) for existing ones."""
        for name in list(case.path_parameters or {}):
            value = self.pick(name, rnd)
            if value is not None and rnd.random() < 0.8:
                case.path_parameters[name] = value
        if isinstance(case.body, dict):
            for field, old in list(case.body.items()):
                if field.endswith("_ids") and isinstance(old, list) and old:
                    value = self.pick(field[:-1], rnd)
                    if value is not None:
                        case.body[field] = [value]
                elif field.endswith("_id") or field == "case_no":
                    value = self.pick(field, rnd)
                    if value is not None and rnd.random() < 0.8:
                        case.body[field] = value


def seed(suite, pool: IdPool) -> None:
    """A room, mediators (one is `mediator1`), a booked session, lawyers (one is `lawyer1`), an opinion
    request, a review and a webhook, made through the gateway; their ids go to `pool`."""
    c = suite.client("coordinator")

    def made(path: str, body: dict) -> dict:
        r = c.post(path, json=body)
        assert r.status_code in (201, 202), f"{path}: {r.status_code} {r.text}"
        pool.add(path, r.json())
        return r.json()

    m = "/api/v1/mediation"
    room = made(f"{m}/rooms", {"name": uniq("调解室"), "location": "一楼", "capacity": 8, "features": []})
    own = made(f"{m}/mediators", {"name": uniq("调解员"), "kind": "people_mediator", "languages": ["zh"],
                                  "user": "mediator1"})
    other = made(f"{m}/mediators", {"name": uniq("调解员"), "kind": "petition_officer", "languages": ["zh"]})
    day = working_day()
    for mediators, hour in (([own["id"]], "09:30"), ([other["id"]], "14:30")):
        made(f"{m}/sessions", {"case_no": uniq("C"), "room_id": room["id"], "mediator_ids": mediators,
                               "start": at(day, hour), "end": at(day, f"{int(hour[:2]) + 1}{hour[2:]}"),
                               "parties": [{"name": uniq("申请人"), "role": "petitioner", "phone": "13800001234"},
                                           {"name": uniq("被申请人"), "role": "respondent"}]})
    lw = "/api/v1/lawyers"
    for kind, extra in (("retained_counsel", {"user": "lawyer1", "contract": {
            "start": "2026-01-01", "end": "2027-12-31", "annual_hours": 100}}),
            ("public_lawyer", {"qualification": {"certificate_no": "A2015001", "legal_work_since": "2015-07-01"}})):
        made(f"{lw}/lawyers", {"name": uniq("律师"), "kind": kind, "license_no": str(10**16 + next(_seq)),
                               "firm": "明理律师事务所", "specialties": ["labour"], "languages": ["zh"], **extra})
    made(f"{lw}/opinion-requests", {"case_no": uniq("C"), "question": "是否应当支付拖欠工资？", "category": "labour",
                                    "parties": [{"name": "张三", "role": "petitioner"}]})
    made(f"{lw}/reviews", {"case_no": uniq("C"), "kind": "review", "received_on": day.isoformat()})
    made("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]})
