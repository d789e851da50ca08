"""Builders for the handoff and event tests (tests/gateway/handoff, tests/gateway/hub, tests/shared/events;
both transports)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from shared.timeutil import SHANGHAI


def case_no() -> str:
    return "HO-" + uuid.uuid4().hex[:12]


PARTIES = [{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent"}]


def mediation_body(**kw) -> dict:
    body = {"target": "mediation", "category": "neighbour_dispute", "summary": "相邻关系纠纷，双方同意调解",
            "parties": PARTIES}
    body.update(kw)
    return body


def opinion_body(**kw) -> dict:
    body = {"target": "legal_opinion", "category": "labour", "summary": "拖欠工资", "parties": ["张三", "某公司"],
            "question": "用人单位拖欠工资应通过何种途径解决？"}
    body.update(kw)
    return body


def review_body(**kw) -> dict:
    body = {"target": "review_studio", "category": "land", "summary": "征地补偿复查", "parties": ["王五"],
            "kind": "review", "received_on": datetime.now(SHANGHAI).date().isoformat()}
    body.update(kw)
    return body


def assist_body(**kw) -> dict:
    start = (datetime.now().astimezone() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    body = {"target": "reception_assist", "category": "reception", "summary": "区领导接访日", "leader": "王区长",
            "start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat(), "topic": "征地拆迁专题接访"}
    body.update(kw)
    return body


def post_handoff(client, case: str, body: dict):
    return client.post(f"/api/v1/cases/{case}/handoffs", json=body)


def handoff(client, hid: str) -> dict:
    r = client.get(f"/api/v1/handoffs/{hid}")
    assert r.status_code == 200, r.text
    return r.json()


def timeline_types(client, case: str) -> list[str]:
    r = client.get(f"/api/v1/cases/{case}/timeline")
    assert r.status_code == 200, r.text
    return [e["type"] for e in r.json()["events"]]


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
