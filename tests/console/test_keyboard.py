"""Keyboard alone: sign in, reach 排期 from the navigation, open a free cell and book, then sign out —
no mouse click anywhere (Tab, typing, Enter, arrow keys)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.console.booking_kit import M, free_slot, roster


def tab_until(page, test: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies the JS expression `test` (on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({test}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element with {test}")


def test_a_mediator_books_from_the_grid_with_the_keyboard_alone(suite, page_as, console_url):
    r = roster(suite)
    day, _start, _ = free_slot(suite, r["room"], r["me"])
    page = page_as(None)
    page.goto(console_url + "/login")
    tab_until(page, "el.id === 'username'")
    page.keyboard.type("mediator1")
    page.keyboard.press("Tab")
    page.keyboard.type("mediator1-dev")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()

    tab_until(page, "el.tagName === 'A' && el.textContent.trim() === '排期'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("排期")
    page.goto(console_url + f"/schedule?date={day.isoformat()}")  # the day of the free slot (the date picker's job)
    tab_until(page, "el.tagName === 'A' && !!el.closest('td.free')")
    page.keyboard.press("Enter")
    expect(page.get_by_label("调解员")).to_have_value(r["me"]["id"])  # pre-filled from the cell

    tab_until(page, "el.labels && el.labels.length && el.labels[0].textContent.trim().startsWith('案件编号')")
    page.keyboard.type("KB-2026-1")
    tab_until(page, "el.labels && el.labels.length && el.labels[0].textContent.trim().startsWith('当事人姓名')")
    page.keyboard.type("张三")
    tab_until(page, "el.labels && el.labels.length && el.labels[0].textContent.trim().startsWith('当事人身份')")
    page.keyboard.press("ArrowDown")  # a select changes with the arrow keys
    tab_until(page, "el.tagName === 'BUTTON' && el.textContent.trim() === '确认预约'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已预约")
    items = suite.client("coordinator").get(f"{M}/sessions", params={"case_no": "KB-2026-1"}).json()["items"]
    assert len(items) == 1 and items[0]["parties"][0]["name"] == "张三"

    tab_until(page, "el.tagName === 'BUTTON' && el.textContent.trim() === '退出'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
