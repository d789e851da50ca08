"""Browser tests of the console: Playwright driving Debian's chromium, through the real gateway.

`page_as(who)` gives a page signed in through the sign-in form, at 1280×800
unless asked otherwise. Chromium comes from Debian (`/usr/bin/chromium`, or
`CHROMIUM_PATH`); Playwright's own browser download is never used.
"""
from __future__ import annotations

import os
import shutil

import pytest

from services.gateway.seed import DEV_USERS, TEST_USERS

PASSWORDS = {u[0]: u[1] for u in DEV_USERS + TEST_USERS}
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Debian's chromium is required for the console tests "
                    "(.ci/run installs it: apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module: Playwright's sync API keeps an event loop running in the main thread
    while it is started, which would break later tests that call `asyncio.run`."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture
def console_url(suite) -> str:
    return suite.url["gateway"] + "/console"


def sign_in(page, console_url: str, who: str, password: str | None = None) -> None:
    page.goto(console_url + "/login")
    page.get_by_label("用户名").fill(who)
    page.get_by_label("密码").fill(password or PASSWORDS[who])
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def page_as(browser, console_url):
    contexts = []

    def make(who: str | None, width: int = 1280, height: int = 800):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        if who:
            sign_in(page, console_url, who)
            page.get_by_role("heading", name="工作台", level=1).wait_for()
        return page

    yield make
    for ctx in contexts:
        ctx.close()
