"""Sign-in, navigation by role, sign-out, idle timeout, CSRF and the gateway's redirect to the console."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.console.conftest import sign_in


def test_gateway_root_redirects_to_console(suite):
    r = httpx.get(suite.url["gateway"] + "/", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/console/"
    r = httpx.get(suite.url["gateway"] + "/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=")


def test_wrong_password_shows_alert(page_as, console_url):
    page = page_as(None)
    sign_in(page, console_url, "coordinator", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("coordinator")


def test_sign_in_shows_nav_for_role_and_sign_out_ends_session(page_as, console_url):
    page = page_as("coordinator")
    nav = page.get_by_role("navigation")
    for name in ("工作台", "排期", "预约", "调解", "案件", "法律意见", "值班表", "接访", "复查复核", "工时", "统计",
                 "设置"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="审计", exact=True)).to_have_count(0)
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "console_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto(console_url + "/")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))


def test_lawyer_nav_has_no_mediation_screens(page_as):
    page = page_as("lawyer1")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="法律意见", exact=True)).to_be_visible()
    for name in ("排期", "预约", "案件", "设置"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)


def test_expired_session_returns_to_the_page_after_sign_in(suite, page_as, console_url):
    page = page_as("auditor")
    sessions = suite.app["console"].state.sessions
    for s in list(sessions._by_sid.values()):
        s.last_seen -= 31 * 60  # 31 minutes idle
    page.goto(console_url + "/duty")
    expect(page).to_have_url(re.compile(r"/console/login\?next=(%2F|/)console(%2F|/)duty$"))
    expect(page.get_by_role("status")).to_contain_text("请先登录")
    page.get_by_label("用户名").fill("auditor")
    page.get_by_label("密码").fill("auditor-dev")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/duty$"))


def test_forged_or_missing_csrf_is_refused(suite, page_as, console_url):
    page = page_as("coordinator")
    cookie = next(c for c in page.context.cookies() if c["name"] == "console_session")["value"]
    jar = {"console_session": cookie}
    for data in ({}, {"csrf_token": "forged"}):
        r = httpx.post(console_url + "/logout", data=data, cookies=jar, follow_redirects=False)
        assert r.status_code == 403
        assert "CSRF" in r.text
    page.goto(console_url + "/")  # still signed in: the refused logout did nothing
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()


def test_pages_carry_security_headers(suite, console_url):
    r = httpx.get(console_url + "/login")
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_api_down_shows_clear_message(suite, page_as, console_url):
    page = page_as("coordinator")
    console = suite.app["console"]
    real = console.state.api.http.base_url
    console.state.api.http.base_url = "http://127.0.0.1:9"  # nothing listens there
    try:
        page.goto(console_url + "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.goto(console_url + "/duty")
        expect(page.get_by_role("alert")).to_contain_text("暂时无法")
    finally:
        console.state.api.http.base_url = real


def test_repeated_wrong_passwords_are_throttled_with_a_clear_message(page_as, console_url):
    page = page_as(None)
    for _ in range(6):
        sign_in(page, console_url, "mediator2", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")
    expect(page.get_by_role("alert")).to_contain_text("秒后重试")
