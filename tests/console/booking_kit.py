"""Builders for the 排期 / 预约 / 调解 console tests: a room, mediators linked to mediator1 and mediator2, and a
free slot on a future working day (asked of `GET /availability`, as the brief of these screens says)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
M = "/api/v1/mediation"


def roster(suite) -> dict:
    """第一调解室 and 第二调解室; 王调解员 (mediator1) and 陈调解员 (mediator2)."""
    c = suite.client("coordinator")
    rooms = [c.post(f"{M}/rooms", json={"name": n, "location": "区信访局一楼", "capacity": 8}).json()
             for n in ("第一调解室", "第二调解室")]
    meds = [c.post(f"{M}/mediators", json={"name": n, "kind": "people_mediator", "languages": ["zh"], "user": u}).json()
            for n, u in (("王调解员", "mediator1"), ("陈调解员", "mediator2"))]
    return {"room": rooms[0], "room2": rooms[1], "me": meds[0], "other": meds[1]}


def free_slot(suite, room: dict, mediator: dict) -> tuple[date, datetime, datetime]:
    """The first free hour of room and mediator on a working day after today."""
    today = datetime.now(SH).date()
    r = suite.client("coordinator").get(f"{M}/availability", params={
        "from": (today + timedelta(days=1)).isoformat(), "to": (today + timedelta(days=21)).isoformat(),
        "duration_minutes": 60, "room_id": room["id"], "mediator_id": mediator["id"], "limit": 1})
    assert r.status_code == 200, r.text
    slot = r.json()["slots"][0]
    start = datetime.fromisoformat(slot["start"]).astimezone(SH)
    return start.date(), start, datetime.fromisoformat(slot["end"]).astimezone(SH)


def short(d: date) -> str:
    return f"{d.month}月{d.day}日"


def local(dt: datetime) -> str:
    """A `datetime-local` value."""
    return dt.astimezone(SH).strftime("%Y-%m-%dT%H:%M")


def book(suite, who: str, room: dict, mediator: dict, start: datetime, case_no: str,
         parties: list[dict] | None = None, minutes: int = 60) -> dict:
    r = suite.client(who).post(f"{M}/sessions", json={
        "case_no": case_no, "room_id": room["id"], "mediator_ids": [mediator["id"]], "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "parties": parties or [{"name": "张三", "role": "petitioner", "phone": "13812345678"},
                               {"name": "李四", "role": "respondent"}]})
    assert r.status_code == 201, r.text
    return r.json()


def axe_problems(page) -> list[str]:
    """Serious or critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
