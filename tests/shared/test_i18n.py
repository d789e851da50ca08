"""`Accept-Language: zh-CN` gets problem+json `detail` and `errors[].message` in Chinese; English stays
the default; `message_zh` is never answered; the Accept-Language parsing itself."""
from __future__ import annotations

import logging

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.app import create_service_app
from shared.errors import Conflict, NotFound, Unprocessable
from shared.i18n import wants_zh
from shared.settings import SuiteSettings
from shared.timeutil import Day, Instant
from tests.problem_kit import problem

ZH = {"Accept-Language": "zh-CN"}


class Thing(BaseModel):
    name: str = Field(min_length=2)
    count: int = Field(ge=1)
    at: Instant
    on: Day
    kind: str = Field(pattern="^[a-z]+$")


router = APIRouter()


@router.post("/things")
def create_thing(body: Thing) -> dict:
    return {}


@router.post("/conflict")
def conflict() -> dict:
    raise Conflict("That slot is taken.", code="slot_conflict", detail_zh="时段冲突：房间",
                   conflicts=[{"resource": "room", "id": "r1"}])


@router.get("/plain")
def plain() -> dict:
    raise NotFound("No such thing.")


@router.get("/field")
def field() -> dict:
    raise Unprocessable("due_on: in the past", errors=[
        {"field": "due_on", "message": "in the past", "message_zh": "不能早于今天", "type": "value_error"},
        {"field": "note", "message": "required", "type": "missing"}])


@router.get("/boom")
def boom() -> dict:
    raise RuntimeError("internals")


@pytest.fixture()
def client(tmp_path):
    settings = SuiteSettings(service_name="probe", suite_env="test", jobs_enabled=False,
                             database_url=f"sqlite:///{tmp_path / 'probe.db'}")
    app = create_service_app(settings, title="probe", routers=[router])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_validation_messages_in_chinese(client):
    r = client.post("/things", json={"name": "x", "count": 0, "at": "2026-12-01T09:30:00", "on": "2026-13-01",
                                     "kind": "A1"}, headers=ZH)
    body = problem(r, 422, "validation_error")
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {"name": "至少 2 个字符", "count": "不能小于 1", "at": "时间须带时区偏移（如 +08:00）",
                        "on": "日期格式不正确，应为 YYYY-MM-DD", "kind": "格式不正确"}
    assert body["detail"].startswith("请求内容有误") and r.headers["content-language"] == "zh-CN"
    assert body["title"] == "Invalid request" and all("message_zh" not in e for e in body["errors"])
    missing = problem(client.post("/things", json={}, headers=ZH), 422, "validation_error")
    assert {e["message"] for e in missing["errors"]} == {"必填"}


def test_english_stays_the_default(client):
    for headers in ({}, {"Accept-Language": "en-US,en;q=0.9"}, {"Accept-Language": "en, zh-CN;q=0.5"}):
        body = problem(client.post("/things", json={}, headers=headers), 422, "validation_error")
        assert not has_chinese(body["detail"]) and {e["message"] for e in body["errors"]} == {"Field required"}
        assert all("message_zh" not in e for e in body["errors"])
        assert problem(client.post("/conflict", headers=headers), 409, "slot_conflict")["detail"] == \
            "That slot is taken."
        assert "content-language" not in client.get("/plain", headers=headers).headers


def test_domain_errors_in_chinese(client):
    body = problem(client.post("/conflict", headers=ZH), 409, "slot_conflict")
    assert body["detail"] == "时段冲突：房间" and body["conflicts"] == [{"resource": "room", "id": "r1"}]
    assert "detail_zh" not in body
    assert problem(client.get("/plain", headers=ZH), 404, "not_found")["detail"] == "未找到该资源。"
    errs = problem(client.get("/field", headers=ZH), 422, "validation_error")["errors"]
    assert [e["message"] for e in errs] == ["不能早于今天", "必填"]
    errs = problem(client.get("/field"), 422, "validation_error")["errors"]
    assert [e["message"] for e in errs] == ["in the past", "required"] and all("message_zh" not in e for e in errs)


def test_framework_errors_in_chinese(client, caplog):
    r = client.post("/things", content=b'{"name": ', headers={"content-type": "application/json", **ZH})
    assert problem(r, 400, "invalid_json")["detail"] == "请求体不是有效的 JSON。"
    assert problem(client.get("/nope", headers=ZH), 404, "not_found")["detail"] == "未找到该资源。"
    assert problem(client.get("/things", headers=ZH), 405, "method_not_allowed")["detail"] == "不支持该请求方法。"
    with caplog.at_level(logging.CRITICAL, logger="suite.errors"):
        assert has_chinese(problem(client.get("/boom", headers=ZH), 500, "internal_error")["detail"])


@pytest.mark.parametrize("value,zh", [
    ("zh-CN", True), ("zh", True), ("zh-Hans-CN", True), ("ZH-cn", True), ("zh-CN,zh;q=0.9,en;q=0.8", True),
    ("en;q=0.5, zh-CN", True), ("en-US,en;q=0.9,zh-CN;q=0.8", False), ("en", False), ("", False), (None, False),
    ("zh-CN;q=0", False), ("zh-CN;q=abc", False), ("*", False), ("zhx", False), (b"zh-CN", True),
])
def test_wants_zh(value, zh):
    assert wants_zh(value) is zh
