"""设置 (coordinator): rooms and closures, mediators and relations, lawyers, calendar overrides, webhooks and
dead letters, each through its form, checked on the page and through the API afterwards."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from services.console.formatting import today_local

MEDIATION = "/api/v1/mediation"


def _rooms(suite) -> list[dict]:
    return suite.client("coordinator").get(f"{MEDIATION}/rooms").json()["items"]


def test_coordinator_sets_up_a_room_and_a_closure(suite, page_as, console_url):
    page = page_as("coordinator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="设置", exact=True).click()
    expect(page.get_by_role("heading", name="设置", level=1)).to_be_visible()
    page.get_by_role("link", name="调解室").first.click()
    expect(page.get_by_role("heading", name="设置：调解室", level=1)).to_be_visible()
    page.get_by_label("名称").fill("第一调解室")
    page.get_by_label("位置").fill("区信访局一楼东侧")
    page.get_by_label("容纳人数").fill("8")
    page.get_by_label("设施").fill("视频设备、无障碍通道")
    page.get_by_role("button", name="添加调解室").click()
    expect(page.get_by_role("status")).to_contain_text("已添加调解室：第一调解室")
    listed = page.get_by_role("region", name="调解室一览表")
    expect(listed.get_by_role("row", name="第一调解室")).to_contain_text("视频设备、无障碍通道")
    [room] = _rooms(suite)
    assert (room["name"], room["location"], room["capacity"], room["features"]) == (
        "第一调解室", "区信访局一楼东侧", 8, ["视频设备", "无障碍通道"])

    day = today_local() + timedelta(days=7)
    page.get_by_label("调解室", exact=True).select_option(label="第一调解室")
    page.get_by_label("开始", exact=True).fill(f"{day.isoformat()}T09:00")
    page.get_by_label("结束", exact=True).fill(f"{day.isoformat()}T12:00")
    page.get_by_label("原因").fill("设备维修")
    page.get_by_role("button", name="添加停用时段").click()
    expect(page.get_by_role("status")).to_contain_text("已添加停用时段")
    expect(page.get_by_role("region", name="停用时段一览表")).to_contain_text("设备维修")
    closures = suite.client("coordinator").get(f"{MEDIATION}/rooms/{room['id']}/closures").json()["items"]
    assert [c["reason"] for c in closures] == ["设备维修"]
    assert closures[0]["start"].startswith(f"{day.isoformat()}T09:00:00+08:00")


def test_bad_room_form_keeps_values_and_shows_reasons(suite, page_as, console_url):
    page = page_as("coordinator")
    page.goto(console_url + "/settings/rooms")
    page.get_by_label("位置").fill("二楼")
    page.get_by_label("容纳人数").fill("8")
    page.get_by_role("button", name="添加调解室").click()
    name = page.get_by_label("名称")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#room-name-err")).to_have_text("请填写名称。")
    expect(page.get_by_label("位置")).to_have_value("二楼")
    expect(page.get_by_label("容纳人数")).to_have_value("8")

    # A reason only the API knows (at most 1000 people): shown beside the field, the rest kept.
    name.fill("第二调解室")
    page.get_by_label("容纳人数").fill("2000")
    page.get_by_role("button", name="添加调解室").click()
    capacity = page.get_by_label("容纳人数")
    expect(capacity).to_have_attribute("aria-invalid", "true")
    expect(capacity).to_have_attribute("aria-describedby", "room-capacity-err")
    expect(page.locator("#room-capacity-err")).not_to_be_empty()
    expect(capacity).to_have_value("2000")
    expect(page.get_by_label("名称")).to_have_value("第二调解室")
    expect(page.get_by_label("位置")).to_have_value("二楼")
    assert _rooms(suite) == []


def test_coordinator_adds_a_mediator_and_a_recusal(suite, page_as, console_url):
    page = page_as("coordinator")
    page.goto(console_url + "/settings/mediators")
    page.get_by_label("姓名", exact=True).fill("李调解")
    page.get_by_label("类型").select_option(label="信访干部")
    page.get_by_label("语言").select_option(["zh", "yue"])
    page.get_by_label("登录名").fill("mediator2")
    page.get_by_role("button", name="添加调解员").click()
    expect(page.get_by_role("status")).to_contain_text("已添加调解员：李调解")
    expect(page.get_by_role("region", name="调解员一览表").get_by_role("row",
                                                                 name="李调解")).to_contain_text("普通话、粤语")
    [m] = suite.client("coordinator").get(f"{MEDIATION}/mediators").json()["items"]
    assert (m["name"], m["kind"], m["languages"], m["user"]) == ("李调解", "petition_officer", ["zh", "yue"],
                                                                 "mediator2")

    page.get_by_label("调解员", exact=True).select_option(label="李调解")
    page.get_by_label("当事人姓名").fill("王五")
    page.get_by_label("关系", exact=True).fill("近亲属")
    page.get_by_role("button", name="登记回避关系").click()
    expect(page.get_by_role("status")).to_contain_text("已登记回避关系：王五")
    expect(page.get_by_role("region", name="调解员一览表")).to_contain_text("王五（近亲属）")
    rel = suite.client("coordinator").get(f"{MEDIATION}/mediators/{m['id']}/relations").json()["items"]
    assert [(r["party_name"], r["relation"]) for r in rel] == [("王五", "近亲属")]

    # The same login again: the API's conflict is shown as an alert, the typed values kept.
    page.get_by_label("姓名", exact=True).fill("张调解")
    page.get_by_label("登录名").fill("mediator2")
    page.get_by_role("button", name="添加调解员").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("姓名", exact=True)).to_have_value("张调解")
    assert len(suite.client("coordinator").get(f"{MEDIATION}/mediators").json()["items"]) == 1


def test_coordinator_adds_a_retained_counsel(suite, page_as, console_url):
    page = page_as("coordinator")
    page.goto(console_url + "/settings/lawyers")
    page.get_by_label("姓名", exact=True).fill("赵律师")
    page.get_by_label("类型").select_option(label="常年法律顾问")
    page.get_by_label("执业证号").fill("14401200910000001")
    page.get_by_label("律所").fill("明理律师事务所")
    page.get_by_label("专长").select_option(["labour_social_security", "contract"])
    page.get_by_role("button", name="添加律师").click()
    # retained counsel need their contract: reasons beside the contract fields, values kept
    expect(page.locator("#lawyer-contract-start-err")).to_be_visible()
    expect(page.get_by_label("年度工时")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("执业证号")).to_have_value("14401200910000001")
    page.get_by_label("合同开始").fill("2026-01-01")
    page.get_by_label("合同结束").fill("2026-12-31")
    page.get_by_label("年度工时").fill("120")
    page.get_by_label("登录名").fill("lawyer3")
    page.get_by_role("button", name="添加律师").click()
    expect(page.get_by_role("status")).to_contain_text("已添加律师：赵律师")
    row = page.get_by_role("region", name="律师一览表").get_by_role("row", name="赵律师")
    expect(row).to_contain_text("劳动和社会保障")  # the shared vocabulary's label (shared/vocabulary.py)
    expect(row).to_contain_text("120")
    [lw] = suite.client("coordinator").get("/api/v1/lawyers/lawyers").json()["items"]
    assert (lw["kind"], lw["license_no"], lw["user"], sorted(lw["specialties"])) == (
        "retained_counsel", "14401200910000001", "lawyer3", ["contract", "labour_social_security"])
    assert lw["contract"]["annual_hours"] == 120 and lw["contract"]["end"] == "2026-12-31"


def test_coordinator_sets_a_calendar_override(suite, page_as, console_url):
    page = page_as("coordinator")
    page.goto(console_url + "/settings/calendar")
    page.get_by_label("日期", exact=True).fill("2027-01-04")
    page.get_by_label("类型").select_option(label="休息日")
    page.get_by_label("名称").fill("元旦调休")
    page.get_by_role("button", name="保存日历调整").click()
    expect(page.get_by_text("已将 2027-01-04 设为休息日")).to_be_visible()
    expect(page.locator(".day-state")).to_contain_text("2027年1月4日 星期一：休息日（已调整：休息日）")
    day = suite.client("coordinator").get("/api/v1/calendar/days/2027-01-04").json()
    assert day["working_day"] is False and day["override"] == "holiday"


def test_webhook_secret_shown_once_and_deliveries(suite, page_as, console_url):
    page = page_as("coordinator")
    page.goto(console_url + "/settings/webhooks")
    page.get_by_label("回调地址").fill("http://127.0.0.1:9/hook")
    page.get_by_label("事件类型").select_option(["mediation.session.scheduled", "handoff.accepted"])
    page.get_by_role("button", name="添加回调").click()
    secret = page.locator(".secret-value")
    expect(secret).to_be_visible()
    assert len(secret.inner_text().strip()) >= 16
    expect(page.get_by_role("status")).to_contain_text("只显示这一次")
    row = page.get_by_role("region", name="回调一览表").get_by_role("row", name="http://127.0.0.1:9/hook")
    expect(row).to_contain_text("预约调解")
    row.get_by_role("link", name="查看投递记录").click()
    expect(page.get_by_role("heading", name="投递记录")).to_be_visible()
    expect(page.get_by_text("还没有投递记录")).to_be_visible()
    page.goto(console_url + "/settings/webhooks")
    expect(page.locator(".secret-value")).to_have_count(0)
    [w] = suite.client("coordinator").get("/api/v1/webhooks").json()["items"]
    assert sorted(w["event_types"]) == ["handoff.accepted", "mediation.session.scheduled"]


def test_dead_letters_listed_and_replayed(suite, page_as, console_url):
    from services.gateway.hub.models import DeadLetter
    from shared.db import utcnow

    with suite.db("gateway").session() as s:
        s.add(DeadLetter(id="dl-console-1", transport="hub", consumer="mediation", event_id="ev-console-1",
                         event={"id": "ev-console-1", "type": "handoff.requested", "subject": "DL-1",
                                "source": "gateway"}, error="HTTP 500", attempts=8, dead_at=utcnow()))
    page = page_as("coordinator")
    page.goto(console_url + "/settings/dead-letters")
    row = page.get_by_role("region", name="死信一览表").get_by_role("row", name="mediation")
    expect(row).to_contain_text("案件移交")
    expect(row).to_contain_text("DL-1")
    row.get_by_role("button", name="重新投递").click()
    expect(page.get_by_role("status")).to_contain_text("已重新投递该事件")
    expect(page.get_by_role("region", name="死信一览表")).to_contain_text("已重新投递 1 次")
    [dl] = suite.client("coordinator").get("/api/v1/events/dead-letters",
                                           params={"include_replayed": "true"}).json()["items"]
    assert dl["replays"] == 1
