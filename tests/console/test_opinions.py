"""法律意见: a lawyer's queue, the assignment reasons, filing an opinion through the form; others refused."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from services.console.formatting import zh_date
from tests.console.test_accessibility import serious_violations
from tests.lawyers.conftest import lawyer_body

BASE = "/api/v1/lawyers"


def make_lawyer(suite, **kw) -> dict:
    r = suite.client("coordinator").post(f"{BASE}/lawyers", json=lawyer_body(kw.pop("kind", "retained_counsel"), **kw))
    assert r.status_code == 201, r.text
    return r.json()


def make_request(suite, case_no: str, category: str = "labour") -> dict:
    r = suite.client("coordinator").post(f"{BASE}/opinion-requests", json={
        "case_no": case_no, "question": "用人单位拖欠三个月工资，申请人要求支付并赔偿，是否有法律依据？",
        "category": category, "parties": [{"name": "张三", "role": "petitioner"},
                                           {"name": "某某公司", "role": "respondent"}]})
    assert r.status_code == 201, r.text
    return r.json()


def test_lawyer_sees_queue_and_reasons_and_files_opinion(suite, page_as, console_url):
    mine = make_lawyer(suite, name="王明律师", user="lawyer1", specialties=["labour"])
    make_lawyer(suite, name="李华律师", specialties=["land"])
    req = make_request(suite, "OP-1001")
    assert req["assignee_id"] == mine["id"]

    page = page_as("lawyer1")
    page.get_by_role("navigation").get_by_role("link", name="法律意见").click()
    expect(page.get_by_role("heading", name="法律意见", level=1)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("OP-1001"))
    expect(row).to_contain_text(zh_date(req["due_on"]))
    expect(row).to_contain_text(re.compile(r"还剩 \d+ 天|今天到期"))
    expect(row).to_contain_text("已分派")
    expect(row).to_contain_text("劳动和社会保障")  # category "labour" is stored as its code (shared/vocabulary.py)

    row.get_by_role("link", name="OP-1001").click()
    reasons = page.get_by_role("region", name="分派理由")
    expect(reasons).to_contain_text("自动分派")
    expect(reasons).to_contain_text("分派给王明律师（您）")
    expect(reasons).to_contain_text("专业领域不符 1 位")
    expect(reasons).not_to_contain_text("李华律师")  # other lawyers are not named to a lawyer

    # a bad form: the summary is only blanks; what was typed stays
    page.get_by_label("摘要").fill("   ")
    page.get_by_label("分析").fill("依据《劳动合同法》第三十条，用人单位应当按时足额支付劳动报酬。")
    page.get_by_label("合法性").select_option(label="合法")
    page.get_by_label("建议途径").select_option(label="仲裁")
    page.get_by_label("法律依据").fill("《劳动合同法》第三十条\n《劳动争议调解仲裁法》第二条")
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_text("请填写摘要。")).to_be_visible()
    expect(page.get_by_label("摘要")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("分析")).to_have_value("依据《劳动合同法》第三十条，用人单位应当按时足额支付劳动报酬。")
    expect(page.get_by_label("合法性")).to_have_value("lawful")
    expect(page.get_by_label("建议途径")).to_have_value("arbitration")
    expect(page.get_by_label("法律依据")).to_have_value("《劳动合同法》第三十条\n《劳动争议调解仲裁法》第二条")
    assert serious_violations(page) == []
    assert suite.client("coordinator").get(f"{BASE}/opinion-requests/{req['id']}").json()["status"] == "assigned"

    page.get_by_label("摘要").fill("申请人的工资请求有事实和法律依据。")
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("status")).to_contain_text("已提交法律意见")
    filed = page.get_by_role("region", name="已提交的法律意见")
    expect(filed).to_contain_text("申请人的工资请求有事实和法律依据。")
    expect(filed).to_contain_text("仲裁")
    expect(filed).to_contain_text("《劳动争议调解仲裁法》第二条")
    expect(page.get_by_role("button", name="提交意见")).to_have_count(0)

    got = suite.client("coordinator").get(f"{BASE}/opinion-requests/{req['id']}").json()
    assert got["status"] == "answered"
    assert got["opinion"]["legal_basis"] == ["《劳动合同法》第三十条", "《劳动争议调解仲裁法》第二条"]
    assert got["opinion"]["legality"] == "lawful" and got["opinion"]["recommended_channel"] == "arbitration"


def test_another_lawyer_cannot_see_or_file(suite, page_as, console_url):
    make_lawyer(suite, name="王明律师", user="lawyer1", specialties=["labour"])
    make_lawyer(suite, name="赵强律师", user="lawyer2", specialties=["land"])
    req = make_request(suite, "OP-2002")

    page = page_as("lawyer2")
    page.goto(console_url + "/opinions")
    expect(page.get_by_text("目前没有分派给您的法律意见请求")).to_be_visible()
    page.goto(console_url + f"/opinions/{req['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到该法律意见请求")
    expect(page.get_by_role("alert")).to_contain_text("未分派给您")
    expect(page.get_by_role("button", name="提交意见")).to_have_count(0)

    csrf = page.locator("form.logout input[name=csrf_token]").get_attribute("value")
    r = page.request.post(console_url + f"/opinions/{req['id']}/opinion", form={
        "csrf_token": csrf, "summary": "越权意见", "analysis": "越权", "legality": "lawful",
        "recommended_channel": "litigation", "legal_basis": ""})
    assert r.status == 403
    assert "只有被分派承办该请求的律师才能提交法律意见" in r.text()
    assert suite.client("coordinator").get(f"{BASE}/opinion-requests/{req['id']}").json()["status"] == "assigned"


def test_coordinator_filters_and_assigns_an_unassigned_request(suite, page_as, console_url):
    lw = make_lawyer(suite, name="孙丽律师", specialties=["land"])
    req = make_request(suite, "OP-3003", category="maritime")
    assert req["status"] == "unassigned"

    page = page_as("coordinator")
    page.goto(console_url + "/opinions")
    page.get_by_label("状态").select_option(label="待分派")
    page.get_by_role("button", name="筛选").click()
    row = page.get_by_role("row", name=re.compile("OP-3003"))
    expect(row).to_contain_text("待分派")
    row.get_by_role("link", name="OP-3003").click()
    reasons = page.get_by_role("region", name="分派理由")
    expect(reasons).to_contain_text("没有符合条件的律师")
    expect(reasons).to_contain_text("孙丽律师：专业领域不符")

    assert serious_violations(page) == []
    page.get_by_label("承办律师").select_option(value=lw["id"])
    page.get_by_label("指派说明").fill("熟悉海事纠纷")
    page.get_by_role("button", name="指派", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已指派给孙丽律师")
    expect(page.get_by_role("region", name="分派理由")).to_contain_text("人工指派")
    got = suite.client("coordinator").get(f"{BASE}/opinion-requests/{req['id']}").json()
    assert got["status"] == "assigned" and got["assignee_id"] == lw["id"]
