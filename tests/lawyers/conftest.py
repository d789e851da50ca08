"""Builders for the lawyers tests: clients (gateway when it forwards, else direct), lawyers, events."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select

from shared.events.models import OutboxEvent

BASE = "/api/v1/lawyers"
_licence = itertools.count(10_000_000_000_000_000)
_VIA: dict[str, str] = {}


def via(suite) -> str:
    """'gateway' once the gateway forwards /api/v1/lawyers, else 'direct' (same paths)."""
    if "route" not in _VIA:
        try:
            r = suite.client("coordinator").get(f"{BASE}/lawyers", params={"limit": 1})
            ok = r.status_code == 200 and "items" in r.json()
        except Exception:
            ok = False
        _VIA["route"] = "gateway" if ok else "direct"
    return _VIA["route"]


class Api:
    def __init__(self, suite) -> None:
        self.suite = suite
        self._clients: dict = {}

    def __call__(self, who: str | None = "coordinator"):
        if who not in self._clients:
            if via(self.suite) == "gateway":
                self._clients[who] = self.suite.client(who)
            else:
                self._clients[who] = self.suite.direct("lawyers", who)
        return self._clients[who]


@pytest.fixture
def api(suite) -> Api:
    return Api(suite)


def licence() -> str:
    return str(next(_licence))


CONTRACT = {"start": "2026-01-01", "end": "2027-12-31", "annual_hours": 100}
QUALIFICATION = {"certificate_no": "A2015001", "legal_work_since": "2015-07-01"}


def lawyer_body(kind: str = "retained_counsel", **kw) -> dict:
    body = {"name": kw.pop("name", f"律师{next(_licence) % 10000}"), "kind": kind, "license_no": licence(),
            "firm": "明理律师事务所", "specialties": ["labour"], "languages": ["zh"]}
    if kind == "retained_counsel":
        body["contract"] = dict(CONTRACT)
    if kind == "public_lawyer":
        body["qualification"] = dict(QUALIFICATION)
    body.update(kw)
    return body


def make_lawyer(api: Api, kind: str = "retained_counsel", **kw) -> dict:
    r = api("coordinator").post(f"{BASE}/lawyers", json=lawyer_body(kind, **kw))
    assert r.status_code == 201, r.text
    return r.json()


def make_request(api: Api, who: str = "coordinator", **kw) -> dict:
    body = {"case_no": kw.pop("case_no", f"C-{next(_licence) % 100000}"), "question": "是否应当支付拖欠工资？",
            "category": "labour", "parties": [{"name": "张三", "role": "petitioner"},
                                              {"name": "某某公司", "role": "respondent"}]}
    body.update(kw)
    r = api(who).post(f"{BASE}/opinion-requests", json=body)
    assert r.status_code == 201, r.text
    return r.json()


OPINION = {"summary": "申请人的工资请求有事实依据。", "analysis": "依据劳动合同法第三十条……", "legality": "lawful",
           "recommended_channel": "arbitration", "legal_basis": ["《劳动合同法》第三十条",
                                                                 "《劳动争议调解仲裁法》第二条"],
           "facts": "申请人于2025年入职……"}


def events(suite, type_: str | None = None, subject: str | None = None) -> list[OutboxEvent]:
    with suite.db("lawyers").session() as s:
        q = select(OutboxEvent).order_by(OutboxEvent.position)
        if type_:
            q = q.where(OutboxEvent.type == type_)
        if subject:
            q = q.where(OutboxEvent.subject == subject)
        return list(s.execute(q).scalars())


def set_day(suite, d: date, kind: str, name: str = "") -> None:
    app = suite.app["lawyers"]
    with app.state.db.session() as s:
        app.state.calendar.set_day(s, d, kind, name)
    app.state.calendar.invalidate()


@pytest.fixture
def settings(suite, monkeypatch):
    """The running lawyers app's settings; changes are undone after the test."""
    s = suite.app["lawyers"].state.settings

    class Setter:
        def __setitem__(self, k, v):
            monkeypatch.setattr(s, k, v)

        def __getitem__(self, k):
            return getattr(s, k)

    return Setter()
