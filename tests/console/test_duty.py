"""值班表: a coordinator generates a month through the form and sees the lawyers' names on working days;
the calendar holds at 390 px; a lawyer sees their own shifts."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from services.console.formatting import today_local
from tests.console.test_accessibility import serious_violations
from tests.lawyers.conftest import lawyer_body

BASE = "/api/v1/lawyers"


def make_lawyer(suite, kind: str = "public_lawyer", **kw) -> dict:
    r = suite.client("coordinator").post(f"{BASE}/lawyers", json=lawyer_body(kind, **kw))
    assert r.status_code == 201, r.text
    return r.json()


def this_month() -> str:
    t = today_local()
    return f"{t.year:04d}-{t.month:02d}"


def shifts_of(suite, month: str) -> list[dict]:
    y, m = (int(x) for x in month.split("-"))
    import calendar
    last = calendar.monthrange(y, m)[1]
    return suite.client("coordinator").get(f"{BASE}/duty-shifts",
                                           params={"from": f"{month}-01", "to": f"{month}-{last:02d}"}).json()["items"]


def test_coordinator_generates_a_month_and_sees_names(suite, page_as, console_url):
    a = make_lawyer(suite, name="周平律师")
    b = make_lawyer(suite, name="郑言律师")
    month = this_month()
    page = page_as("coordinator")
    page.get_by_role("navigation").get_by_role("link", name="值班表").click()
    expect(page.get_by_role("heading", name="值班表", level=1)).to_be_visible()
    expect(page.get_by_text("尚未排班")).to_be_visible()

    page.get_by_label("月份").fill(month)
    page.get_by_role("button", name="生成排班").click()
    expect(page.get_by_role("status")).to_contain_text("已生成")
    expect(page).to_have_url(re.compile(rf"month={month}"))

    shifts = shifts_of(suite, month)
    assert shifts and {s["lawyer_id"] for s in shifts} == {a["id"], b["id"]}
    calendar = page.get_by_role("region", name=re.compile("值班日历"))
    for sh in shifts[:3]:
        d = int(sh["date"][-2:])
        name = "周平律师" if sh["lawyer_id"] == a["id"] else "郑言律师"
        cell = calendar.get_by_role("cell", name=re.compile(rf"^{int(month[-2:])}月{d}日"))
        expect(cell).to_contain_text(name)
    assert calendar.get_by_text("周平律师").count() + calendar.get_by_text("郑言律师").count() == len(shifts)
    assert serious_violations(page) == []

    # again: the month already has a roster, said in Chinese; replacing it works
    page.get_by_label("月份").fill(month)
    page.get_by_role("button", name="生成排班").click()
    expect(page.get_by_role("alert")).to_contain_text("已有值班表")
    page.get_by_label("覆盖本月已有排班").check()
    page.get_by_role("button", name="生成排班").click()
    expect(page.get_by_role("status")).to_contain_text("已生成")
    assert len(shifts_of(suite, month)) == len(shifts)


def test_calendar_is_readable_on_a_phone_and_a_lawyer_sees_own_shifts(suite, page_as, console_url):
    mine = make_lawyer(suite, name="周平律师", user="lawyer1")
    make_lawyer(suite, name="郑言律师")
    month = this_month()
    r = suite.client("coordinator").post(f"{BASE}/duty-shifts/generate",
                                         json={"from": f"{month}-01", "to": f"{month}-28"})
    assert r.status_code == 201
    own = [s for s in r.json()["items"] if s["lawyer_id"] == mine["id"]]

    page = page_as("mediator1", 390, 844)
    page.goto(console_url + f"/duty?month={month}")
    expect(page.get_by_text("郑言律师").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    lawyer = page_as("lawyer1")
    lawyer.goto(console_url + f"/duty?month={month}")
    expect(lawyer.get_by_text("此处只显示您本人的值班")).to_be_visible()
    assert lawyer.get_by_text("周平律师").count() == len(own)
    expect(lawyer.get_by_text("郑言律师")).to_have_count(0)
    expect(lawyer.get_by_role("button", name="生成排班")).to_have_count(0)
