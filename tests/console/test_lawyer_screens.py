"""复查复核, 工时 and 接访: due dates and panels, hours against the budget with a meter, reception assists."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from services.console.formatting import today_local, zh_date
from tests.console.test_accessibility import serious_violations
from tests.lawyers.conftest import lawyer_body

BASE = "/api/v1/lawyers"


def make_lawyer(suite, kind: str, **kw) -> dict:
    r = suite.client("coordinator").post(f"{BASE}/lawyers", json=lawyer_body(kind, **kw))
    assert r.status_code == 201, r.text
    return r.json()


def test_review_registered_by_form_shows_due_date_and_panel_and_member_files(suite, page_as, console_url):
    make_lawyer(suite, "studio_lawyer", name="陈静律师", user="lawyer1")
    make_lawyer(suite, "studio_lawyer", name="黄海律师")
    received = today_local() - timedelta(days=3)

    page = page_as("coordinator")
    page.get_by_role("navigation").get_by_role("link", name="复查复核").click()
    page.get_by_label("案件编号").fill("RV-4004")
    page.get_by_label("类型").select_option(label="复查")
    page.get_by_label("收件日期").fill(received.isoformat())
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("status")).to_contain_text("已登记复查")
    review = suite.client("coordinator").get(f"{BASE}/reviews", params={"case_no": "RV-4004"}).json()["items"][0]
    facts = page.get_by_role("region", name="事项")
    expect(facts).to_contain_text(zh_date(review["due_on"]))
    expect(facts).to_contain_text(re.compile(r"还剩 \d+ 天"))
    expect(facts).to_contain_text("陈静律师")
    expect(facts).to_contain_text("黄海律师")

    page.goto(console_url + "/reviews")
    row = page.get_by_role("row", name=re.compile("RV-4004"))
    expect(row).to_contain_text("复查")
    expect(row).to_contain_text(zh_date(review["due_on"]))
    expect(row).to_contain_text("陈静律师")

    lawyer = page_as("lawyer1")
    lawyer.goto(console_url + "/reviews")
    lawyer.get_by_role("link", name="RV-4004").click()
    assert serious_violations(lawyer) == []
    lawyer.get_by_label("摘要").fill("原处理意见认定事实清楚。")
    lawyer.get_by_label("分析").fill("经复查，原处理意见适用法律正确。")
    lawyer.get_by_label("合法性").select_option(label="合法")
    lawyer.get_by_label("建议途径").select_option(label="信访")
    lawyer.get_by_label("法律依据").fill("《信访工作条例》第三十五条")
    lawyer.get_by_role("button", name="提交意见").click()
    expect(lawyer.get_by_role("status")).to_contain_text("已提交复查复核意见")
    got = suite.client("coordinator").get(f"{BASE}/reviews/{review['id']}").json()
    assert got["status"] == "decided" and got["opinion"]["legal_basis"] == ["《信访工作条例》第三十五条"]


def test_lawyer_logs_hours_and_sees_the_meter(suite, page_as, console_url):
    mine = make_lawyer(suite, "retained_counsel", name="林森律师", user="lawyer1")
    make_lawyer(suite, "retained_counsel", name="高远律师")
    page = page_as("lawyer1")
    page.get_by_role("navigation").get_by_role("link", name="工时").click()
    expect(page.get_by_role("heading", name=re.compile("林森律师"))).to_be_visible()
    expect(page.get_by_text("高远律师")).to_have_count(0)

    page.get_by_label("日期").fill(today_local().isoformat())
    page.get_by_label("小时数").fill("2.5")
    page.get_by_label("案件编号").fill("C-5005")
    page.get_by_label("工作内容").fill("阅卷并出具意见")
    page.get_by_role("button", name="登记工时").click()
    expect(page.get_by_role("status")).to_contain_text("已登记工时 2.5 小时")
    meter = page.get_by_label(re.compile("年度已用工时"))
    expect(meter).to_have_attribute("value", "2.5")
    expect(meter).to_have_attribute("max", "100.0")
    expect(page.get_by_role("row", name=re.compile("C-5005"))).to_contain_text("阅卷并出具意见")
    year = today_local().year
    assert suite.client("coordinator").get(f"{BASE}/lawyers/{mine['id']}/hours",
                                           params={"year": year}).json()["used"] == 2.5

    # a bad number is refused with the typed values kept
    page.get_by_label("小时数").fill("30")
    page.get_by_label("工作内容").fill("超长工时")
    page.locator("form[action$='/hours/entries']").evaluate("f => f.noValidate = true")
    page.get_by_role("button", name="登记工时").click()
    expect(page.get_by_text("小时数须大于 0 且不超过 24。")).to_be_visible()
    expect(page.get_by_label("工作内容")).to_have_value("超长工时")
    assert serious_violations(page) == []

    coordinator = page_as("coordinator")
    coordinator.goto(console_url + "/hours")
    overview = coordinator.get_by_role("region", name=re.compile("各律师工时"))
    expect(overview.get_by_role("row", name=re.compile("林森律师"))).to_contain_text("已用 2.5 / 100 小时")
    expect(overview.get_by_label(f"林森律师 {year}年度已用工时")).to_have_attribute("value", "2.5")


def test_coordinator_arranges_a_reception_assist(suite, page_as, console_url):
    make_lawyer(suite, "public_lawyer", name="钱程律师", user="lawyer1")
    day = today_local() + timedelta(days=1)
    page = page_as("coordinator")
    page.get_by_role("navigation").get_by_role("link", name="接访").click()
    page.get_by_label("领导姓名").fill("刘局长")
    page.get_by_label("开始时间").fill(f"{day.isoformat()}T09:00")
    page.get_by_label("结束时间").fill(f"{day.isoformat()}T11:30")
    page.get_by_label("接访主题").fill("征地补偿专题接访")
    page.get_by_role("button", name="安排协助律师").click()
    expect(page.get_by_role("status")).to_contain_text("钱程律师协助刘局长接访")
    row = page.get_by_role("row", name=re.compile("征地补偿专题接访"))
    expect(row).to_contain_text("钱程律师")
    expect(row).to_contain_text("09:00–11:30")

    lawyer = page_as("lawyer1")
    lawyer.goto(console_url + f"/receptions?month={day.year:04d}-{day.month:02d}")
    expect(lawyer.get_by_role("row", name=re.compile("征地补偿专题接访"))).to_contain_text("刘局长")
    expect(lawyer.get_by_role("button", name="安排协助律师")).to_have_count(0)
