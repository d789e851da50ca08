"""案件: search by case number (prefix) and party; the case page with sessions, handoffs and the timeline
across services; a case the person may not see reads as not found."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.mediation.mediation_kit import Api, at, uniq, working_day


def _book(suite, case_no: str, user: str | None = None, **kw) -> dict:
    api = Api(suite)
    room = api.room(name=kw.pop("room_name", "第一调解室"))
    mediator = api.mediator(name=kw.pop("mediator_name", "李调解"), user=user)
    day, hour = working_day(0), kw.pop("hour", 9)
    return api.book(room, [mediator], at(day, f"{hour:02d}:00"), at(day, f"{hour + 1:02d}:00"), case_no=case_no,
                    parties=kw.pop("parties", [{"name": "张三丰", "role": "petitioner"},
                                               {"name": "某物业公司", "role": "respondent"}]))


def test_case_page_shows_sessions_handoffs_and_timeline(suite, page_as, console_url):
    case_no = uniq("XF-")
    r = suite.client("coordinator").post(f"/api/v1/cases/{case_no}/handoffs", json={
        "target": "mediation", "category": "neighbour_dispute", "summary": "邻里漏水纠纷",
        "parties": [{"name": "张三丰", "role": "petitioner"}, {"name": "某物业公司", "role": "respondent"}]})
    assert r.status_code == 202, r.text
    suite.drain()
    _book(suite, case_no)
    suite.drain()

    page = page_as("coordinator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="案件", exact=True).click()
    expect(page.get_by_role("heading", name="案件", level=1)).to_be_visible()
    page.get_by_label("案件编号").fill(case_no[:6])
    page.get_by_role("button", name="搜索").click()
    results = page.get_by_role("region", name="搜索结果列表")
    row = results.get_by_role("row", name=case_no)
    expect(row).to_contain_text("张三丰")
    expect(row).to_contain_text("已预约")
    row.get_by_role("link", name=case_no).click()

    expect(page.get_by_role("heading", name=f"案件 {case_no}", level=1)).to_be_visible()
    sessions = page.get_by_role("region", name="调解记录列表")
    expect(sessions).to_contain_text("第一调解室")
    expect(sessions).to_contain_text("李调解")
    expect(sessions).to_contain_text("张三丰（信访人）")
    expect(sessions).to_contain_text("已预约")
    handoffs = page.get_by_role("region", name="移交记录列表")
    expect(handoffs.get_by_role("row", name="调解")).to_contain_text("已接收")
    timeline = page.locator("ol.timeline")
    booked = timeline.locator("li", has_text="预约调解")
    expect(booked).to_have_count(1)
    expect(booked).to_contain_text("第一调解室")
    expect(booked).to_contain_text("来源：调解系统")
    expect(booked.locator("time")).to_contain_text("年")
    expect(timeline.locator("li", has_text="移交已接收")).to_contain_text("来源：网关")
    expect(page.get_by_text("待安排调解").or_(page.get_by_text("已安排调解"))).to_be_visible()


def test_search_by_party_and_bad_case_number(suite, page_as, console_url):
    case_no = uniq("PT-")
    _book(suite, case_no, parties=[{"name": "欧阳明远", "role": "petitioner"}])
    page = page_as("auditor")
    page.goto(console_url + "/cases")
    page.get_by_label("当事人").fill("欧阳")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("region", name="搜索结果列表").get_by_role("row", name=case_no)).to_contain_text("欧阳明远")
    expect(page.get_by_label("当事人")).to_have_value("欧阳")

    page.get_by_label("当事人").fill("")
    page.get_by_label("案件编号").fill("XF 2026/1")
    page.get_by_role("button", name="搜索").click()
    field = page.get_by_label("案件编号")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#case_no-err")).to_contain_text("字母、数字和连字符")
    expect(field).to_have_value("XF 2026/1")

    page.get_by_label("案件编号").fill("NOSUCH-CASE-ZZ")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_text("没有找到符合条件的案件")).to_be_visible()


def test_case_of_another_mediator_reads_as_not_found(suite, page_as, console_url):
    mine, theirs = uniq("MY-"), uniq("TH-")
    _book(suite, mine, user="mediator1", room_name="第一调解室", mediator_name="调解员甲")
    _book(suite, theirs, user="mediator2", room_name="第二调解室", mediator_name="调解员乙", hour=14)
    page = page_as("mediator1")
    page.goto(console_url + f"/cases/{theirs}")
    expect(page.get_by_role("heading", name="未找到案件", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"未找到案件 {theirs}，或您无权访问该案件")
    expect(page.get_by_text("张三丰")).to_have_count(0)
    # the search finds only the mediator's own case
    page.goto(console_url + "/cases?party=张三丰")
    results = page.get_by_role("region", name="搜索结果列表")
    expect(results.get_by_role("row", name=mine)).to_be_visible()
    expect(results.get_by_role("row", name=theirs)).to_have_count(0)
    page.goto(console_url + f"/cases/{mine}")
    expect(page.get_by_role("heading", name=f"案件 {mine}", level=1)).to_be_visible()
    # a case number that is not one at all
    page.goto(console_url + "/cases/bad%20case")
    expect(page.get_by_role("alert")).to_contain_text("未找到案件")
