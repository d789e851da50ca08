"""The objects the authorization matrix asks about, built once through the public API (as a coordinator,
the petition system and the lawyers would), two of each kind:

- `own`: the signed-in person's or client's own: mediator1's session and mediator record, lawyer1's
  lawyer record, opinion request, opinion, shift, assist, leave, conflict (lawyer3's review panel seat),
  the petition system's webhook, and the case `CASE_OWN` that mediator1 mediates and lawyer1 advises on;
- `other`: someone else's: mediator2's, lawyer2's (a review of two other studio lawyers), the
  coordinator's webhook, the case `CASE_OTHER`.

Roles that own nothing (coordinator, auditor, service) are asked about both and expected to see no
difference. A write that the role is allowed gets a fresh object of the same owner (`World.fresh`), so
that rows do not depend on each other's order.
"""
from __future__ import annotations

import itertools
import os
import threading
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
MED = "/api/v1/mediation"
LAW = "/api/v1/lawyers"
OWN, OTHER = "own", "other"
# The person or client each role's column signs in as (a row may name another user of the role).
SIGNED_IN = {"coordinator": "coordinator", "mediator": "mediator1", "lawyer": "lawyer1",
             "petition_system": "petition-system", "auditor": "auditor", "service": "mediation-service"}
SLOTS = (("09:00", "10:00"), ("10:30", "11:30"), ("14:00", "15:00"), ("15:30", "16:30"))
_n = itertools.count(1)


def uniq(prefix: str) -> str:
    return f"{prefix}{os.getpid()}-{next(_n)}"


def at(d: date, hhmm: str) -> str:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=SH).isoformat()


def today() -> date:
    return datetime.now(SH).date()


def _ok(r, *statuses: int) -> dict:
    assert r.status_code in (statuses or (200, 201)), f"world setup: {r.request.method} {r.request.url}: {r.text}"
    return r.json() if r.content else {}


class World:
    """Builds the objects; `value(name, side)` fills `{name}` in a row's path, body or query."""

    def __init__(self, suite) -> None:
        self.suite = suite
        self._clients: dict[str, object] = {}
        self._slots = self._slot_gen(today() + timedelta(days=2))
        self.values: dict[tuple[str, str], str] = {}
        self._local = threading.local()  # rows call the roles in parallel threads
        self._slot_lock = threading.Lock()
        self.fresh_makers = {"session": self._session, "concluded": self._concluded, "webhook": self._webhook,
                             "request": self._request, "leave": self._leave, "review": self._review,
                             "conflict": self._conflict}

    # -- plumbing -------------------------------------------------------------------------------------
    def client(self, who: str | None):
        if who not in self._clients:
            self._clients[who] = self.suite.client(who)
        return self._clients[who]

    @property
    def coord(self):
        return self.client("coordinator")

    def _calendar(self) -> WorkingCalendar:
        """The mediation service's calendar as it is now (rows of the matrix load holidays)."""
        app = self.suite.app["mediation"]
        with app.state.db.session() as s:
            return app.state.calendar.get(s)

    def _slot_gen(self, d: date):
        """Booking slots that no other session of the world takes: four a working day, day after day."""
        while True:
            d = self._calendar().next_working_day(d)
            for start, end in SLOTS:
                if self._calendar().is_working_day(d):
                    yield at(d, start), at(d, end)
            d += timedelta(days=1)

    @property
    def current(self) -> dict[str, str]:
        """The path parameters of the call this thread is making."""
        return getattr(self._local, "current", {})

    @current.setter
    def current(self, names: dict[str, str]) -> None:
        self._local.current = names

    def slot(self) -> tuple[str, str]:
        with self._slot_lock:
            return next(self._slots)

    def counter(self) -> int:
        return next(_n)

    def party_names(self, session_id: str) -> list[str]:
        """The booked names of a session's parties (who sign its agreement)."""
        return [p["name"] for p in _ok(self.coord.get(f"{MED}/sessions/{session_id}"))["parties"]]

    def value(self, name: str, side: str) -> str:
        return self.values[(name, side)]

    def fresh(self, name: str, side: str) -> str | None:
        """A new object of this kind and owner, or None when the kind is shared (rooms, days, ...)."""
        maker = self.fresh_makers.get(name)
        return maker(side) if maker else None

    def _both(self, name: str, make) -> None:
        for side in (OWN, OTHER):
            self.values[(name, side)] = make(side)

    # -- mediation ------------------------------------------------------------------------------------
    def _mediator_record(self, side: str, user: str | None = None) -> str:
        body = {"name": uniq("调解员"), "kind": "people_mediator", "languages": ["zh"], "user": user}
        return _ok(self.coord.post(f"{MED}/mediators", json=body), 201)["id"]

    def _session(self, side: str, case_no: str | None = None) -> str:
        return self._book(side, case_no)["id"]

    def _book(self, side: str, case_no: str | None = None) -> dict:
        start, end = self.slot()
        body = {"case_no": case_no or uniq("AZ-S"), "room_id": self.values[("room", OWN)],
                "mediator_ids": [self.mediator_ids[side]], "start": start, "end": end,
                "parties": [{"name": uniq("申请人"), "role": "petitioner", "phone": "13812345678"},
                            {"name": uniq("被申请人"), "role": "respondent"}]}
        return _ok(self.coord.post(f"{MED}/sessions", json=body), 201)

    def _concluded(self, side: str, confirmed: bool = False) -> str:
        """A session concluded with a written agreement (`confirmed`: 司法确认 applied for as well)."""
        sid = self._session(side)
        due = (today() + timedelta(days=30)).isoformat()
        _ok(self.coord.post(f"{MED}/sessions/{sid}/conclude", json={
            "outcome": "agreement", "agreement": {"form": "written", "terms": ["一周内返还押金"],
                                                  "performance_due": due}}))
        if confirmed:
            _ok(self.coord.post(f"{MED}/sessions/{sid}/agreement/judicial-confirmation",
                                json={"applied_on": today().isoformat(), "court": "区人民法院"}), 201)
        return sid

    # -- lawyers --------------------------------------------------------------------------------------
    def _lawyer(self, kind: str, user: str | None, specialty: str) -> str:
        body = {"name": uniq("律师"), "kind": kind, "license_no": str(uuid.uuid4().int)[:17], "firm": "明理律师事务所",
                "specialties": [specialty], "languages": ["zh"], "user": user}
        if kind == "public_lawyer":
            body["qualification"] = {"certificate_no": "A2015001", "legal_work_since": "2015-07-01"}
        return _ok(self.coord.post(f"{LAW}/lawyers", json=body), 201)["id"]

    def _request(self, side: str, case_no: str | None = None) -> str:
        """An opinion request assigned to lawyer1 (own) or lawyer2 (other): the category picks them."""
        body = {"case_no": case_no or uniq("AZ-R"), "question": "是否应当支付拖欠工资？",
                "category": self.specialty[side],
                "parties": [{"name": uniq("当事人"), "role": "petitioner"}]}
        r = _ok(self.coord.post(f"{LAW}/opinion-requests", json=body), 201)
        if r.get("assignee_id") != self.lawyer_ids[side]:
            _ok(self.coord.post(f"{LAW}/opinion-requests/{r['id']}/assign",
                                json={"lawyer_id": self.lawyer_ids[side]}))
        return r["id"]

    def _leave(self, side: str) -> str:
        start = today() + timedelta(days=200 + next(_n) * 3)
        return _ok(self.coord.post(f"{LAW}/lawyers/{self.lawyer_ids[side]}/leaves", json={
            "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat(), "reason": "年假"}), 201)["id"]

    def _conflict(self, side: str) -> str:
        return _ok(self.coord.post(f"{LAW}/lawyers/{self.lawyer_ids[side]}/conflicts",
                                   json={"party_name": uniq("某公司"), "matter": "常年法律顾问"}), 201)["id"]

    def _review(self, side: str) -> str:
        r = _ok(self.coord.post(f"{LAW}/reviews", json={"case_no": uniq("AZ-V"), "kind": "review",
                                                        "received_on": today().isoformat(),
                                                        "parties": [{"name": uniq("复查人"), "role": "petitioner"}]}),
                201)
        _ok(self.coord.post(f"{LAW}/reviews/{r['id']}/panel", json={"lawyer_ids": self.panels[side]}))
        return r["id"]

    # -- gateway --------------------------------------------------------------------------------------
    def _webhook(self, side: str) -> str:
        who = "petition-system" if side == OWN else "coordinator"
        return _ok(self.client(who).post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook",
                                                                   "event_types": ["*"]}), 201)["id"]

    # -- the whole world ------------------------------------------------------------------------------
    def build(self) -> World:
        suite = self.suite
        self.values[("room", OWN)] = self.values[("room", OTHER)] = _ok(self.coord.post(f"{MED}/rooms", json={
            "name": uniq("调解室"), "location": "区信访局一楼", "capacity": 8, "features": []}), 201)["id"]
        self.mediator_ids = {OWN: self._mediator_record(OWN, "mediator1"),
                             OTHER: self._mediator_record(OTHER, "mediator2")}
        self.values.update({("mediator", s): self.mediator_ids[s] for s in (OWN, OTHER)})
        # lawyer1 takes labour questions, lawyer2 land ones; lawyer3 and two more sit on review panels
        self.specialty = {OWN: "labour", OTHER: "land"}
        self.lawyer_ids = {OWN: self._lawyer("public_lawyer", "lawyer1", "labour"),
                           OTHER: self._lawyer("public_lawyer", "lawyer2", "land")}
        self.values.update({("lawyer", s): self.lawyer_ids[s] for s in (OWN, OTHER)})
        studio = [self._lawyer("studio_lawyer", "lawyer3", "administrative"),
                  self._lawyer("studio_lawyer", None, "administrative"),
                  self._lawyer("studio_lawyer", None, "administrative")]
        self.panels = {OWN: [studio[0], studio[1]], OTHER: [studio[1], studio[2]]}
        self.values[("case", OWN)], self.values[("case", OTHER)] = uniq("AZ-CASE-OWN-"), uniq("AZ-CASE-OTHER-")
        for side in (OWN, OTHER):
            case = self.values[("case", side)]
            booked = self._book(side, case)
            self.values[("session", side)] = booked["id"]
            self.values[("party", side)] = booked["parties"][0]["id"]
            self.values[("concluded", side)] = self._concluded(side, confirmed=True)
            self.values[("concluded_case", side)] = _ok(self.coord.get(
                f"{MED}/sessions/{self.values[('concluded', side)]}"))["case_no"]
            self.values[("request", side)] = self._request(side, case)
            answered = self._request(side, case)
            self.values[("answered", side)] = answered
            who = SIGNED_IN["lawyer"] if side == OWN else "lawyer2"
            self.values[("opinion", side)] = _ok(self.client(who).post(
                f"{LAW}/opinion-requests/{answered}/opinion", json=OPINION), 201)["id"]
            self.values[("review", side)] = self._review(side)
            self.values[("review_case", side)] = _ok(self.coord.get(
                f"{LAW}/reviews/{self.values[('review', side)]}"))["case_no"]
            self.values[("specialty", side)] = self.specialty[side]
            self.values[("leave", side)] = self._leave(side)
            self.values[("conflict", side)] = self._conflict(side)
            self.values[("handoff", side)] = _ok(self.client("petition-system").post(
                f"/api/v1/cases/{case}/handoffs", json={
                    "target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷",
                    "parties": [{"name": uniq("张"), "role": "petitioner"}]}), 202)["id"]
            self.values[("webhook", side)] = self._webhook(side)
        self._duty()
        self._assists()
        suite.drain()  # events reach the hub, the timeline and the webhooks' delivery log
        for side in (OWN, OTHER):
            wid = self.values[("webhook", side)]
            items = _ok(self.client("coordinator").get(f"/api/v1/webhooks/{wid}/deliveries"))["items"]
            assert items, f"world setup: webhook {side} got no delivery"
            self.values[("delivery", side)] = items[0]["id"]
        self.values[("dead_letter", OWN)] = self.values[("dead_letter", OTHER)] = self._dead_letter()
        far = (today() + timedelta(days=400)).isoformat()
        self.values.update({("day", s): far for s in (OWN, OTHER)})
        self.values.update({("year", s): str(today().year + 1) for s in (OWN, OTHER)})
        return self

    def _duty(self) -> None:
        """Duty shifts over the next weeks, rotated between lawyer1 and lawyer2: one of each."""
        start = today() + timedelta(days=14)
        shifts = _ok(self.coord.post(f"{LAW}/duty-shifts/generate", json={
            "from": start.isoformat(), "to": (start + timedelta(days=14)).isoformat()}), 201)["items"]
        for side in (OWN, OTHER):
            self.values[("shift", side)] = next(s["id"] for s in shifts if s["lawyer_id"] == self.lawyer_ids[side])

    def _assists(self) -> None:
        """Reception assists go to public lawyers in turn: book until each of lawyer1 and lawyer2 has one."""
        d = WorkingCalendar().next_working_day(today() + timedelta(days=20))
        for _ in range(6):
            a = _ok(self.coord.post(f"{LAW}/reception-assists", json={
                "leader": "王区长", "start": at(d, "09:00"), "end": at(d, "11:00"), "topic": "征地拆迁专题接访"}), 201)
            for side in (OWN, OTHER):
                if a.get("lawyer_id") == self.lawyer_ids[side]:
                    self.values.setdefault(("assist", side), a["id"])
            if ("assist", OWN) in self.values and ("assist", OTHER) in self.values:
                return
            d = WorkingCalendar().next_working_day(d, include=False)
        raise AssertionError("world setup: the reception assists did not reach both lawyers")

    def _dead_letter(self) -> str:
        """An event the mediation consumer gave up on (written as the hub writes it after its last attempt)."""
        from services.gateway.hub.models import DeadLetter
        from shared.db import utcnow

        dl_id = uuid.uuid4().hex
        event = {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "gateway", "type": "calendar.day.changed",
                 "subject": "2099-01-01", "time": datetime.now(SH).isoformat(), "datacontenttype": "application/json",
                 "data": {"date": "2099-01-01", "kind": "holiday", "name": "测试"}}
        with self.suite.db("gateway").session() as s:
            s.add(DeadLetter(id=dl_id, transport="hub", consumer="mediation", event_id=event["id"], event=event,
                             error="HTTP 500", attempts=3, dead_at=utcnow()))
        return dl_id


OPINION = {"summary": "申请人的工资请求有事实依据。", "analysis": "依据劳动合同法第三十条……", "legality": "lawful",
           "recommended_channel": "arbitration", "legal_basis": ["《劳动合同法》第三十条"],
           "facts": "申请人于2025年入职……"}
