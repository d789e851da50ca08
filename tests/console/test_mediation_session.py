"""调解: the day's sessions to run; a session's page: 签到, 结束调解 with a written agreement (its 司法确认
deadline shown), each party's satisfaction, and a legal opinion requested on conclusion."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from shared.calendar import WorkingCalendar, rule_deadline
from tests.console.booking_kit import SH, M, axe_problems, book, free_slot, roster


def zh(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def test_check_in_conclude_with_written_agreement_and_rate(suite, page_as, console_url):
    r = roster(suite)
    _day, start, _ = free_slot(suite, r["room"], r["me"])
    s = book(suite, "mediator1", r["room"], r["me"], start, "XF-M-1")
    page = page_as("mediator1")
    page.goto(console_url + "/mediation")
    expect(page.get_by_role("heading", name="调解", level=1)).to_be_visible()
    page.goto(f"{console_url}/mediation/{s['id']}")
    facts = page.get_by_role("region", name="基本信息")
    expect(page.get_by_role("heading", level=1)).to_contain_text("XF-M-1")
    expect(page.locator("dl.facts")).to_contain_text("第一调解室")
    expect(page.locator("dl.facts")).to_contain_text("王调解员")
    expect(page.locator("dl.facts")).to_contain_text("已预约")
    parties = page.get_by_role("region", name="当事人", exact=True)
    expect(parties).to_contain_text("张三")
    expect(parties).to_contain_text("13812345678")  # the session's own mediator sees the phone as the API gives it
    expect(parties).to_contain_text("被反映人")
    del facts

    page.get_by_role("button", name="签到").click()
    expect(page.get_by_role("status")).to_contain_text("已签到")
    expect(page.locator("dl.facts")).to_contain_text("进行中")
    assert suite.client("coordinator").get(f"{M}/sessions/{s['id']}").json()["status"] == "in_progress"

    # An agreement without terms or date is refused beside the fields, what was typed kept.
    page.get_by_label("调解结果").select_option(label="达成协议")
    page.get_by_label("协议形式").select_option(label="书面协议")
    page.get_by_role("button", name="结束调解").click()
    expect(page.locator("#terms-err")).to_contain_text("请填写协议条款")
    expect(page.locator("#performance_due-err")).to_contain_text("请填写履行期限")
    expect(page.get_by_label("调解结果")).to_have_value("agreement")
    assert axe_problems(page) == []

    due = WorkingCalendar().next_working_day(datetime.now(SH).date() + timedelta(days=20))
    page.get_by_label("协议条款").fill("被申请人于履行期限内返还押金5000元\n双方再无其他争议")
    page.get_by_label("履行期限").fill(due.isoformat())
    page.get_by_role("button", name="结束调解").click()
    expect(page.get_by_role("status")).to_contain_text("已结束调解")
    agreement = page.get_by_role("region", name="调解协议")
    expect(agreement).to_contain_text("书面协议")
    expect(agreement.get_by_role("listitem")).to_have_text(["被申请人于履行期限内返还押金5000元", "双方再无其他争议"])
    deadline = rule_deadline(WorkingCalendar(), "judicial_confirmation", datetime.now(SH).date())
    expect(agreement).to_contain_text(f"司法确认截止{zh(deadline)}")
    expect(agreement).to_contain_text(re.compile(r"还剩 \d+ 天"))
    a = suite.client("coordinator").get(f"{M}/sessions/{s['id']}/agreement").json()
    assert a["form"] == "written" and a["terms"] == ["被申请人于履行期限内返还押金5000元", "双方再无其他争议"]
    assert a["judicial_confirmation_deadline"] == deadline.isoformat() and a["performance_due"] == due.isoformat()
    expect(agreement).to_contain_text(f"回访日期{zh(datetime.fromisoformat(a['followup_on']))}")

    # Satisfaction of each party, one after the other.
    rating = page.get_by_role("region", name="当事人评价")
    page.get_by_label("评价当事人").select_option(label="张三（信访人）")
    page.get_by_label("满意度").select_option(label="满意")
    page.get_by_label("评价意见").fill("调解员很耐心")
    page.get_by_role("button", name="记录评价").click()
    expect(page.get_by_role("status")).to_contain_text("已记录 张三 的满意度评价")
    expect(rating).to_contain_text("张三：满意（调解员很耐心）")
    expect(page.get_by_label("评价当事人").locator("option")).to_have_count(1)
    page.get_by_label("满意度").select_option(label="基本满意")
    page.get_by_role("button", name="记录评价").click()
    expect(rating).to_contain_text("李四：基本满意")
    expect(rating).to_contain_text("各方当事人均已评价")
    assert axe_problems(page) == []
    case = suite.client("coordinator").get(f"{M}/cases/XF-M-1").json()
    assert {(x["party_name"], x["rating"]) for x in case["ratings"]} == {("张三", "satisfied"),
                                                                        ("李四", "basically_satisfied")}


def test_conclude_requests_a_legal_opinion(suite, page_as, console_url):
    r = roster(suite)
    _day, start, _ = free_slot(suite, r["room"], r["me"])
    s = book(suite, "mediator1", r["room"], r["me"], start, "XF-M-2")
    assert suite.client("mediator1").post(f"{M}/sessions/{s['id']}/check-in").status_code == 200
    page = page_as("mediator1")
    page.goto(console_url + "/mediation")
    running = page.get_by_role("region", name="进行中的调解")
    running.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("XF-M-2")

    page.get_by_label("调解结果").select_option(label="未达成协议")
    page.get_by_label("咨询问题").fill("该劳动争议是否应先行申请劳动仲裁？")
    page.get_by_role("button", name="结束调解").click()  # a question without the box ticked: asked to choose
    expect(page.locator("#question-err")).to_contain_text("申请法律意见")
    page.get_by_label("申请法律意见").check()
    page.get_by_role("button", name="结束调解").click()
    expect(page.get_by_role("status")).to_contain_text("已申请法律意见")
    expect(page.locator("dl.facts")).to_contain_text("已申请：该劳动争议是否应先行申请劳动仲裁？")
    expect(page.locator("dl.facts")).to_contain_text("未达成协议")
    expect(page.get_by_role("region", name="调解协议")).to_contain_text("没有调解协议")
    done = suite.client("coordinator").get(f"{M}/sessions/{s['id']}").json()
    assert done["status"] == "concluded" and done["outcome"] == "no_agreement"
    assert done["legal_opinion_question"] == "该劳动争议是否应先行申请劳动仲裁？"
    suite.drain()
    asked = suite.client("coordinator").get("/api/v1/lawyers/opinion-requests",
                                            params={"case_no": "XF-M-2"}).json()["items"]
    assert len(asked) == 1 and asked[0]["question"] == "该劳动争议是否应先行申请劳动仲裁？"
