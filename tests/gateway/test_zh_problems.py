"""Problems in Chinese through the whole suite (`Accept-Language: zh-CN`, as the console sends): mediation
booking and session errors, lawyers opinion errors, and the gateway's own edge answers (401, 404, 429,
503, Idempotency-Key reuse). Every answer also carries the security headers, once."""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.calendar import WorkingCalendar
from tests.gateway.gateway_edge_kit import client, closed_port_url, start_gateway
from tests.problem_kit import problem

ZH = {"Accept-Language": "zh-CN"}
SH = ZoneInfo("Asia/Shanghai")
M, L = "/api/v1/mediation", "/api/v1/lawyers"
_seq = itertools.count(1)


def zh_problem(r, status: int, code: str) -> dict:
    body = problem(r, status, code)
    assert r.headers["content-language"] == "zh-CN"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body


def working_day(n: int = 0) -> date:
    cal = WorkingCalendar()
    d = cal.next_working_day(datetime.now(SH).date() + timedelta(days=2))
    for _ in range(n):
        d = cal.next_working_day(d, include=False)
    return d


def rest_day() -> date:
    cal, d = WorkingCalendar(), datetime.now(SH).date() + timedelta(days=2)
    while cal.is_working_day(d):
        d += timedelta(days=1)
    return d


def at(d: date, hhmm: str) -> str:
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=SH).isoformat()


@pytest.fixture
def c(suite):
    return suite.client("coordinator")


def room(c) -> dict:
    r = c.post(f"{M}/rooms", json={"name": f"调解室{next(_seq)}", "capacity": 8})
    assert r.status_code == 201, r.text
    return r.json()


def mediator(c) -> dict:
    r = c.post(f"{M}/mediators", json={"name": f"调解员{next(_seq)}", "kind": "people_mediator", "languages": ["zh"]})
    assert r.status_code == 201, r.text
    return r.json()


def booking(rm: dict, meds: list[dict], start: str, end: str, parties: list[str] | None = None) -> dict:
    names = parties or [f"申请人{next(_seq)}", f"被申请人{next(_seq)}"]
    return {"case_no": f"C-{next(_seq)}", "room_id": rm["id"], "mediator_ids": [m["id"] for m in meds],
            "start": start, "end": end,
            "parties": [{"name": n, "role": "petitioner" if i == 0 else "respondent"} for i, n in enumerate(names)]}


# -- mediation --------------------------------------------------------------------------------------
def test_booking_errors_in_chinese(c):
    rm, med, day = room(c), mediator(c), working_day()
    first = c.post(f"{M}/sessions", json=booking(rm, [med], at(day, "09:00"), at(day, "10:00")))
    assert first.status_code == 201, first.text
    body = zh_problem(c.post(f"{M}/sessions", json=booking(rm, [mediator(c)], at(day, "09:30"), at(day, "10:30")),
                             headers=ZH), 409, "slot_conflict")
    assert body["detail"].startswith("时段冲突") and body["conflicts"][0]["resource"] == "room"
    assert "detail_zh" not in body
    english = problem(c.post(f"{M}/sessions", json=booking(rm, [mediator(c)], at(day, "09:30"), at(day, "10:30"))),
                         409, "slot_conflict")
    assert english["detail"].startswith("The slot is taken") and "detail_zh" not in english

    off = rest_day()
    body = zh_problem(c.post(f"{M}/sessions", json=booking(rm, [med], at(off, "09:00"), at(off, "10:00")), headers=ZH),
                      422, "outside_working_hours")
    assert "不是工作日" in body["detail"]
    zh_problem(c.post(f"{M}/sessions", json=booking(rm, [med], at(day, "03:00"), at(day, "04:00")), headers=ZH),
               422, "outside_working_hours")

    body = zh_problem(c.post(f"{M}/sessions", json=booking({"id": "no-such-room"}, [med], at(day, "14:00"),
                                                           at(day, "15:00")), headers=ZH), 422, "unknown_room")
    assert body["errors"] == [{"field": "room_id", "message": "调解室 no-such-room 不存在", "type": "value_error"}]
    body = zh_problem(c.post(f"{M}/sessions", json=booking(rm, [med], at(day, "15:00"), at(day, "14:00")), headers=ZH),
                      422, "validation_error")
    assert body["errors"][0]["message"] == "结束时间须晚于开始时间"

    missing = zh_problem(c.post(f"{M}/sessions", json={"room_id": rm["id"]}, headers=ZH), 422, "validation_error")
    assert {e["message"] for e in missing["errors"]} == {"必填"}
    zh_problem(c.post(f"{M}/sessions", content=b"{not json", headers={"content-type": "application/json", **ZH}),
               400, "invalid_json")


def test_recusal_in_chinese(c):
    rm, med, day = room(c), mediator(c), working_day(1)
    assert c.post(f"{M}/mediators/{med['id']}/relations", json={"party_name": "赵六", "relation": "近亲属"}
                  ).status_code == 201
    body = zh_problem(c.post(f"{M}/sessions", json=booking(rm, [med], at(day, "09:00"), at(day, "10:00"),
                                                           ["赵六", "钱七"]), headers=ZH), 409, "mediator_recused")
    assert "回避" in body["detail"] and "赵六" in body["detail"] and body["recusals"][0]["party_name"] == "赵六"


def test_session_state_errors_in_chinese(c):
    rm, med, day = room(c), mediator(c), working_day(2)
    s = c.post(f"{M}/sessions", json=booking(rm, [med], at(day, "09:00"), at(day, "10:00"))).json()
    assert c.post(f"{M}/sessions/{s['id']}/cancel", json={"reason": "撤回"}).status_code == 200
    body = zh_problem(c.post(f"{M}/sessions/{s['id']}/conclude", json={"outcome": "no_agreement"}, headers=ZH),
                      409, "invalid_status")
    assert body["detail"] == "该调解已取消，此操作要求其状态为已预约或进行中。" and body["status_now"] == "cancelled"
    assert zh_problem(c.get(f"{M}/sessions/nope", headers=ZH), 404, "not_found")["detail"] == "未找到该调解场次。"
    zh_problem(c.get(f"{M}/rooms/nope", headers=ZH), 404, "not_found")


# -- lawyers ----------------------------------------------------------------------------------------
def test_opinion_errors_in_chinese(suite, c):
    lw = c.post(f"{L}/lawyers", json={
        "name": "律师甲", "kind": "retained_counsel", "license_no": f"1{next(_seq):016d}", "firm": "明理律师事务所",
        "specialties": ["labour"], "languages": ["zh"], "user": "lawyer1",
        "contract": {"start": "2026-01-01", "end": "2027-12-31", "annual_hours": 100}})
    assert lw.status_code == 201, lw.text
    req = c.post(f"{L}/opinion-requests", json={"case_no": f"C-{next(_seq)}", "question": "是否应当支付工资？",
                                                "category": "labour"})
    assert req.status_code == 201 and req.json()["assignee_id"] == lw.json()["id"], req.text
    rid = req.json()["id"]
    opinion = {"summary": "有依据。", "analysis": "依据……", "legality": "lawful", "recommended_channel": "arbitration"}
    body = zh_problem(c.post(f"{L}/opinion-requests/{rid}/opinion", json=opinion, headers=ZH), 403, "forbidden")
    assert body["detail"] == "只有被指派的律师才能提交法律意见。"
    assert problem(c.post(f"{L}/opinion-requests/{rid}/opinion", json=opinion), 403, "forbidden")["detail"] == \
        "Only the assigned lawyer may file the opinion."
    zh_problem(c.post(f"{L}/opinion-requests/{rid}/decline", json={"reason": "忙"}, headers=ZH), 403, "forbidden")
    l1 = suite.client("lawyer1")
    assert l1.post(f"{L}/opinion-requests/{rid}/opinion", json=opinion).status_code == 201
    body = zh_problem(l1.post(f"{L}/opinion-requests/{rid}/opinion", json=opinion, headers=ZH), 422, "validation_error")
    assert body["errors"] == [{"field": "amendment_reason", "message": "修改意见时必填", "type": "missing"}]
    body = zh_problem(c.post(f"{L}/opinion-requests/{rid}/assign", json={"lawyer_id": "nope"}, headers=ZH),
                      409, "already_answered")
    body = zh_problem(c.post(f"{L}/opinion-requests", json={"case_no": "C-1", "question": "?", "due_on": "2020-01-01"},
                             headers=ZH), 422, "validation_error")
    assert body["errors"][0]["message"] == "不能早于今天"
    body = zh_problem(suite.client("auditor").post(f"{L}/opinion-requests/{rid}/assign", json={"lawyer_id": "x"},
                                                   headers=ZH), 403, "forbidden")
    assert body["detail"] == "此操作需要以下角色之一：coordinator。"


# -- the gateway's own answers ----------------------------------------------------------------------
def test_edge_answers_in_chinese(suite):
    anon = suite.client(None)
    assert zh_problem(anon.get(f"{M}/rooms", headers=ZH), 401, "unauthorized")["detail"] == \
        "需要 Bearer 访问令牌，请先登录。"
    zh_problem(anon.get(f"{M}/internal/events", headers=ZH), 404, "not_found")
    zh_problem(suite.client("coordinator").get("/api/v1/nothing-here", headers=ZH), 404, "not_found")
    assert problem(anon.get(f"{M}/rooms"), 401)["detail"] == "A bearer access token is required."


def test_idempotency_key_reuse_in_chinese(suite):
    c = suite.client("coordinator")
    key = {"Idempotency-Key": f"zh-{next(_seq)}"}
    assert c.post(f"{M}/rooms", json={"name": f"房{next(_seq)}", "capacity": 2}, headers=key).status_code == 201
    body = zh_problem(c.post(f"{M}/rooms", json={"name": "另一个", "capacity": 3}, headers={**key, **ZH}),
                      422, "idempotency_key_reused")
    assert "Idempotency-Key" in body["detail"]


def test_rate_limit_and_unavailable_in_chinese(suite):
    g = start_gateway(suite, rate_limit_per_minute=2, lawyers_url=closed_port_url())
    try:
        with client(g.url, suite.token("coordinator"), **ZH) as c:
            body = zh_problem(c.get(f"{L}/lawyers"), 503, "service_unavailable")
            assert body["detail"] == "服务暂时不可用，请稍后再试。"
            c.get(f"{M}/rooms")
            r = c.get(f"{M}/rooms")
            body = zh_problem(r, 429, "rate_limited")
            assert "每分钟最多 2 次" in body["detail"] and r.headers["retry-after"]
    finally:
        g.stop()


# -- security headers through the gateway --------------------------------------------------------
def test_security_headers_through_the_gateway(suite):
    c = suite.client("coordinator")
    for r in (c.get(f"{M}/rooms"), c.get(f"{L}/lawyers"), c.get("/api/v1/events"), c.get(f"{M}/nope/nope"),
              suite.client(None).get(f"{M}/rooms"), suite.direct("mediation").get(f"{M}/rooms")):
        for name, value in (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"),
                            ("x-frame-options", "DENY"), ("cache-control", "no-store")):
            assert r.headers.get_list(name) == [value], (r.request.url, name, r.headers)
        assert "strict-transport-security" not in r.headers  # SUITE_ENV=test
    token = suite.client(None).post("/oauth/token", data={"grant_type": "client_credentials"},
                                    auth=("petition-system", "petition-system-dev-secret"))
    assert token.status_code == 200 and token.headers.get_list("cache-control") == ["no-store"]
    jwks = suite.client(None).get("/.well-known/jwks.json")
    assert jwks.headers["cache-control"] == "public, max-age=300" and jwks.headers["x-frame-options"] == "DENY"
    assert suite.client(None).get("/healthz").headers["x-content-type-options"] == "nosniff"
