"""Builders for mediation tests (imported by conftest.py and the tests): working days relative to now,
rooms, mediators, bookings.

Every call goes through the gateway (`suite.client`). Set MEDIATION_TEST_DIRECT=1 to talk to the
mediation port directly (same paths) while debugging.
"""
from __future__ import annotations

import itertools
import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/mediation"
_seq = itertools.count(1)


def uniq(prefix: str = "X") -> str:
    return f"{prefix}{os.getpid()}-{next(_seq)}"


def today() -> date:
    return datetime.now(SH).date()


def working_day(n: int = 0, cal: WorkingCalendar | None = None) -> date:
    """The n-th working day (0-based) starting two days from now: always past the 2 h notice."""
    cal = cal or WorkingCalendar()
    d = cal.next_working_day(today() + timedelta(days=2))
    for _ in range(n):
        d = cal.next_working_day(d, include=False)
    return d


def rest_day() -> date:
    """A rest day (weekend or holiday) within the horizon."""
    cal = WorkingCalendar()
    d = today() + timedelta(days=2)
    while cal.is_working_day(d):
        d += timedelta(days=1)
    return d


def at(d: date, hhmm: str) -> str:
    """An instant on day `d` at local time `hhmm`, in +08:00."""
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=SH).isoformat()


def utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    """Clients by user, with small builders for the things most tests need."""

    def __init__(self, suite) -> None:
        self.suite = suite
        self.direct = os.environ.get("MEDIATION_TEST_DIRECT") == "1"
        self._clients = {}

    def __call__(self, who: str | None = "coordinator"):
        if who not in self._clients:
            self._clients[who] = (self.suite.direct("mediation", who) if self.direct
                                  else self.suite.client(who))
        return self._clients[who]

    def room(self, name: str | None = None, **kw) -> dict:
        body = {"name": name or uniq("调解室"), "location": "区信访局一楼", "capacity": 8, "features": ["video"]}
        body.update(kw)
        r = self().post(f"{BASE}/rooms", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def mediator(self, name: str | None = None, **kw) -> dict:
        body = {"name": name or uniq("调解员"), "kind": "people_mediator", "languages": ["zh"]}
        body.update(kw)
        r = self().post(f"{BASE}/mediators", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def session_body(self, room: dict, mediators: list[dict], start: str, end: str, **kw) -> dict:
        body = {"case_no": uniq("C"), "room_id": room["id"], "mediator_ids": [m["id"] for m in mediators],
                "start": start, "end": end,
                "parties": [{"name": uniq("申请人"), "role": "petitioner"},
                            {"name": uniq("被申请人"), "role": "respondent"}]}
        body.update(kw)
        return body

    def book(self, room: dict, mediators: list[dict], start: str, end: str, who: str = "coordinator",
             expect: int = 201, **kw) -> dict:
        r = self(who).post(f"{BASE}/sessions", json=self.session_body(room, mediators, start, end, **kw))
        assert r.status_code == expect, r.text
        return r.json()



def outbox(suite, type_: str | None = None, subject: str | None = None) -> list[dict]:
    """Events the mediation service wrote to its outbox (oldest first), as {type, subject, data}."""
    from sqlalchemy import select

    from shared.events.models import OutboxEvent

    with suite.db("mediation").session() as s:
        q = select(OutboxEvent).order_by(OutboxEvent.position)
        if type_:
            q = q.where(OutboxEvent.type == type_)
        if subject:
            q = q.where(OutboxEvent.subject == subject)
        return [{"type": e.type, "subject": e.subject, "data": e.data} for e in s.execute(q).scalars()]


def set_day(suite, d: date, kind: str, name: str = "") -> None:
    """A calendar override in the mediation database (what the gateway's PUT /calendar/days does)."""
    app = suite.app["mediation"]
    with app.state.db.session() as s:
        app.state.calendar.set_day(s, d, kind, name)


