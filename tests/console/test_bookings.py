"""预约: the new booking form (conflicts named with the session holding them, bad input kept with reasons,
office hours, recusal), the list by status with filters, and reschedule / cancel on the session page."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.console.booking_kit import M, axe_problems, book, free_slot, local, roster


def fill_booking(page, case_no: str, start, end, room: str = "第一调解室", party: str = "张三") -> None:
    page.get_by_label("案件编号").fill(case_no)
    page.get_by_label("调解室").select_option(label=f"{room}（区信访局一楼）")
    page.get_by_label("开始时间").fill(local(start))
    page.get_by_label("结束时间").fill(local(end))
    page.get_by_label("当事人姓名").fill(party)
    page.get_by_label("当事人身份").select_option(label="信访人")


def test_conflict_names_the_room_and_the_session(suite, page_as, console_url):
    r = roster(suite)
    _day, start, end = free_slot(suite, r["room"], r["me"])
    page = page_as("mediator1")
    page.goto(console_url + "/bookings")
    page.get_by_role("link", name="新建预约").click()
    expect(page.get_by_label("调解员")).to_have_value(r["me"]["id"])
    fill_booking(page, "XF-A-1", start, end)
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_role("status")).to_contain_text("已预约")
    first = suite.client("coordinator").get(f"{M}/sessions", params={"case_no": "XF-A-1"}).json()["items"][0]

    # The same slot again (another case, same room and mediator): an alert naming both and the session.
    page.goto(console_url + "/bookings/new")
    fill_booking(page, "XF-A-2", start + timedelta(minutes=30), end + timedelta(minutes=30), party="王五")
    page.get_by_role("button", name="确认预约").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("冲突")
    expect(alert).to_contain_text("调解室「第一调解室」、调解员「王调解员」已被")
    expect(alert.get_by_role("link", name=re.compile("案件 XF-A-1"))).to_have_attribute(
        "href", f"/console/mediation/{first['id']}")
    expect(alert).to_contain_text(f"{start:%H:%M}–{end:%H:%M}")
    expect(page.get_by_label("案件编号")).to_have_value("XF-A-2")  # what was typed is kept
    expect(page.get_by_label("当事人姓名")).to_have_value("王五")
    assert axe_problems(page) == []

    # Another mediator takes the same room then: named too, with the case and time (no link: not theirs).
    other = page_as("mediator2")
    other.goto(console_url + "/bookings/new")
    expect(other.get_by_label("调解员")).to_have_value(r["other"]["id"])
    fill_booking(other, "XF-B-1", start, end, party="赵六")
    other.get_by_role("button", name="确认预约").click()
    alert = other.get_by_role("alert")
    expect(alert).to_contain_text("冲突")
    expect(alert).to_contain_text("调解室「第一调解室」已被 案件 XF-A-1 的调解")
    expect(alert).not_to_contain_text("调解员「")
    # The party is a resource too: 张三 cannot be in two rooms at once.
    fill_booking(other, "XF-B-2", start, end, room="第二调解室", party="张三")
    other.get_by_role("button", name="确认预约").click()
    expect(other.get_by_role("alert")).to_contain_text("当事人「张三」")
    assert len(suite.client("coordinator").get(f"{M}/sessions").json()["items"]) == 1


def test_bad_input_is_kept_with_reasons(suite, page_as, console_url):
    r = roster(suite)
    _day, start, end = free_slot(suite, r["room"], r["me"])
    page = page_as("mediator1")
    page.goto(console_url + "/bookings/new")
    fill_booking(page, "案 1", end, start, party="张三")  # a bad case number, end before start
    page.get_by_label("联系电话").fill("电话abc")
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_role("alert")).to_be_visible()
    case = page.get_by_label("案件编号")
    expect(case).to_have_value("案 1")
    expect(case).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#case_no-err")).to_contain_text("案件编号只能包含字母、数字和连字符")
    expect(page.get_by_label("结束时间")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#end-err")).to_contain_text("结束时间必须晚于开始时间")
    expect(page.locator("#party_phone-err")).to_contain_text("联系电话格式不正确")
    expect(page.get_by_label("开始时间")).to_have_value(local(end))
    expect(page.get_by_label("当事人姓名")).to_have_value("张三")
    expect(page.get_by_label("联系电话")).to_have_value("电话abc")
    expect(page.get_by_label("调解室")).to_have_value(r["room"]["id"])
    assert axe_problems(page) == []

    # Lunch time is outside the office hours: said so in Chinese, with the day's hours.
    lunch = start.replace(hour=12, minute=30)
    page.get_by_label("案件编号").fill("XF-C-1")
    page.get_by_label("开始时间").fill(local(lunch))
    page.get_by_label("结束时间").fill(local(lunch + timedelta(hours=1)))
    page.get_by_label("联系电话").fill("")
    page.get_by_role("button", name="确认预约").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("不在工作时间内")
    expect(alert).to_contain_text("09:00–12:00、14:00–17:30")

    # A mediator related to the party must step aside (回避): said so, naming both.
    assert suite.client("coordinator").post(f"{M}/mediators/{r['me']['id']}/relations",
                                            json={"party_name": "周八", "relation": "近亲属"}).status_code == 201
    page.get_by_label("开始时间").fill(local(start))
    page.get_by_label("结束时间").fill(local(end))
    page.get_by_label("当事人姓名").fill("周八")
    page.get_by_role("button", name="确认预约").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("调解员须回避")
    expect(alert).to_contain_text("调解员「王调解员」与当事人「周八」：近亲属")
    assert suite.client("coordinator").get(f"{M}/sessions").json()["items"] == []


def test_list_tabs_filters_reschedule_and_cancel(suite, page_as, console_url):
    r = roster(suite)
    _day, start, end = free_slot(suite, r["room"], r["me"])
    a = book(suite, "mediator1", r["room"], r["me"], start, "XF-L-1")
    b = book(suite, "mediator1", r["room2"], r["me"], start + timedelta(hours=2), "XF-L-2",
             parties=[{"name": "孙七", "role": "petitioner"}])
    page = page_as("mediator1")
    page.goto(console_url + "/bookings")
    table = page.get_by_role("region", name="预约列表")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("XF-L-1")
    expect(page.get_by_role("link", name="即将开始")).to_have_attribute("aria-current", "page")
    page.get_by_label("调解室").select_option(label="第二调解室")
    page.get_by_role("button", name="筛选").click()
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("XF-L-2")
    page.get_by_label("案件编号").fill("XF-L-1")
    page.get_by_label("调解室").select_option(label="全部调解室")
    page.get_by_role("button", name="筛选").click()
    expect(table).to_contain_text("XF-L-1")
    expect(table).not_to_contain_text("XF-L-2")

    # Reschedule on the session page: 30 minutes later, with a reason.
    table.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("XF-L-1")
    page.get_by_label("新开始时间").fill(local(start + timedelta(minutes=30)))
    page.get_by_label("新结束时间").fill(local(end + timedelta(minutes=30)))
    page.get_by_label("改期原因").fill("当事人申请改期")
    page.get_by_role("button", name="确认改期").click()
    expect(page.get_by_role("status")).to_contain_text("已改期")
    moved = suite.client("coordinator").get(f"{M}/sessions/{a['id']}").json()
    assert moved["start"] == (start + timedelta(minutes=30)).isoformat()
    assert moved["reschedule_reason"] == "当事人申请改期"
    # Onto the other session's slot and room: a conflict naming it.
    page.get_by_label("新开始时间").fill(local(start + timedelta(hours=2)))
    page.get_by_label("新结束时间").fill(local(start + timedelta(hours=3)))
    page.get_by_label("改期后调解室").select_option(label="第二调解室")
    page.get_by_role("button", name="确认改期").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("冲突")
    expect(alert.get_by_role("link", name=re.compile("案件 XF-L-2"))).to_be_visible()

    # Cancel with a reason: a reason is required; then it moves to 已取消.
    page.get_by_role("button", name="取消预约").click()
    expect(page.locator("#cancel_reason-err")).to_contain_text("请填写取消原因")
    page.get_by_label("取消原因").fill("申请人撤回")
    page.get_by_role("button", name="取消预约").click()
    expect(page.get_by_role("status")).to_contain_text("已取消预约")
    assert suite.client("coordinator").get(f"{M}/sessions/{a['id']}").json()["status"] == "cancelled"
    page.goto(console_url + "/bookings?tab=cancelled")
    expect(page.get_by_role("region", name="预约列表")).to_contain_text("申请人撤回")
    page.get_by_role("link", name="即将开始").click()
    expect(page.get_by_role("region", name="预约列表")).not_to_contain_text("XF-L-1")
    assert b["status"] == "scheduled"
