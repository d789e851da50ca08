"""排期: a mediator opens a working day, clicks a free cell and books it from the pre-filled form; taken slots,
closures, non-working days, the week view and the previous/next links."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.console.booking_kit import M, book, free_slot, local, roster, short


def test_mediator_books_a_free_cell(suite, page_as, console_url):
    r = roster(suite)
    day, start, end = free_slot(suite, r["room"], r["me"])
    page = page_as("mediator1")
    page.get_by_role("navigation").get_by_role("link", name="排期", exact=True).click()
    expect(page.get_by_role("heading", name="排期", level=1)).to_be_visible()
    page.goto(f"{console_url}/schedule?date={day.isoformat()}")
    grid = page.get_by_role("region", name=re.compile("调解室排期"))
    expect(grid.get_by_role("rowheader", name="第一调解室")).to_be_visible()
    expect(grid.get_by_role("columnheader", name=f"{start:%H:%M}")).to_be_visible()

    cell = f"预约 第一调解室 {short(day)} {start:%H:%M}–{end:%H:%M}"
    grid.get_by_role("link", name=re.compile(cell)).click()
    expect(page.get_by_role("heading", name="新建预约", level=1)).to_be_visible()
    expect(page.get_by_label("调解室")).to_have_value(r["room"]["id"])
    expect(page.get_by_label("调解员")).to_have_value(r["me"]["id"])  # their own name preselected
    expect(page.get_by_label("调解员").locator("option:checked")).to_have_text(re.compile("王调解员"))
    expect(page.get_by_label("开始时间")).to_have_value(local(start))
    expect(page.get_by_label("结束时间")).to_have_value(local(end))

    page.get_by_label("案件编号").fill("XF-2026-0001")
    page.get_by_label("当事人姓名").fill("张三")
    page.get_by_label("当事人身份").select_option(label="信访人")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_role("status")).to_contain_text("已预约")
    expect(page.get_by_role("heading", level=1)).to_contain_text("XF-2026-0001")

    sessions = suite.client("coordinator").get(f"{M}/sessions", params={"case_no": "XF-2026-0001"}).json()["items"]
    assert len(sessions) == 1
    s = sessions[0]
    assert s["room_id"] == r["room"]["id"] and s["mediator_ids"] == [r["me"]["id"]]
    assert s["start"] == start.isoformat() and s["end"] == end.isoformat() and s["status"] == "scheduled"
    assert s["parties"][0]["name"] == "张三" and s["parties"][0]["role"] == "petitioner"
    assert page.url.endswith(f"/console/mediation/{s['id']}") or f"/console/mediation/{s['id']}?" in page.url

    # Back on 排期: the slot is taken by the case (a link to its session), no longer offered.
    page.goto(f"{console_url}/schedule?date={day.isoformat()}")
    grid = page.get_by_role("region", name=re.compile("调解室排期"))
    expect(grid.get_by_role("link", name="案件 XF-2026-0001")).to_have_attribute("href",
                                                                               f"/console/mediation/{s['id']}")
    expect(grid.get_by_role("link", name=re.compile(cell))).to_have_count(0)


def test_taken_by_others_closures_rest_days_and_week(suite, page_as, console_url):
    r = roster(suite)
    day, start, _ = free_slot(suite, r["room"], r["other"])
    # 陈调解员's session in 第一调解室: mediator1 may not open it, yet sees the room is taken.
    theirs = book(suite, "coordinator", r["room"], r["other"], start, "XF-OTHER-1")
    c = suite.client("coordinator")
    closure_start = start.replace(hour=14, minute=0)
    assert c.post(f"{M}/rooms/{r['room2']['id']}/closures", json={
        "start": closure_start.isoformat(), "end": (closure_start + timedelta(hours=2)).isoformat(),
        "reason": "设备检修"}).status_code == 201
    page = page_as("mediator1")
    page.goto(f"{console_url}/schedule?date={day.isoformat()}")
    grid = page.get_by_role("region", name=re.compile("调解室排期"))
    row1 = grid.get_by_role("row").filter(has=page.get_by_role("rowheader", name="第一调解室"))
    expect(row1).to_contain_text("案件 XF-OTHER-1")
    expect(row1.get_by_role("link", name="案件 XF-OTHER-1")).to_have_count(0)  # not theirs: no link
    row2 = grid.get_by_role("row").filter(has=page.get_by_role("rowheader", name="第二调解室"))
    expect(row2).to_contain_text("关闭：设备检修")
    expect(row2.get_by_role("link", name=re.compile("预约 第二调解室 .* 14:00"))).to_have_count(0)
    # Right after the session, the buffer: the next offer in that room starts 15 minutes after its end.
    after = start + timedelta(hours=1, minutes=15)
    if after.hour < 12 or after.hour >= 14:
        expect(row1.get_by_role("link", name=re.compile(f"{after:%H:%M}–"))).to_have_count(1)

    # The coordinator sees the link to the session.
    coord = page_as("coordinator")
    coord.goto(f"{console_url}/schedule?date={day.isoformat()}")
    expect(coord.get_by_role("link", name="案件 XF-OTHER-1")).to_have_attribute(
        "href", f"/console/mediation/{theirs['id']}")

    # A rest day says so; the week view has seven days; previous/next move by a week.
    rest = day + timedelta(days=1)
    from shared.calendar import WorkingCalendar
    cal = WorkingCalendar()
    while cal.is_working_day(rest):
        rest += timedelta(days=1)
    page.goto(f"{console_url}/schedule?date={rest.isoformat()}")
    expect(page.get_by_text("非工作日")).to_be_visible()
    page.get_by_role("link", name="周视图").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("星期"))).to_have_count(7)
    expect(page.get_by_role("heading", level=2, name=re.compile(f"{rest.month}月{rest.day}日"))).to_be_visible()
    page.get_by_role("link", name="下一周").click()
    nxt = rest + timedelta(days=7)
    expect(page.get_by_role("heading", level=2, name=re.compile(f"{nxt.month}月{nxt.day}日"))).to_be_visible()
    page.get_by_role("link", name="日视图").click()
    expect(page.get_by_role("heading", level=2)).to_have_count(1)
    page.get_by_role("link", name="前一天").click()
    prev = nxt - timedelta(days=1)
    expect(page.get_by_role("heading", level=2, name=re.compile(f"{prev.month}月{prev.day}日"))).to_be_visible()
