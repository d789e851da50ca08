"""Every screen of every role: no serious or critical axe-core violation, and a layout that holds at
1280×800 and 390×844 (the page itself never scrolls sideways; wide tables scroll inside their region)."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.console.screen_kit import demo_roster

ROLES = ("coordinator", "mediator1", "lawyer1", "auditor")
AXE = Axe()


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def screens_of(page) -> list[tuple[str, str]]:
    nav = page.get_by_role("navigation")
    return [(a.inner_text().strip(), a.get_attribute("href")) for a in nav.get_by_role("link").all()]


@pytest.mark.parametrize("who", ROLES)
def test_every_screen_passes_axe_and_holds_its_layout(suite, page_as, console_url, who):
    demo_roster(suite)
    problems: list[str] = []
    for width, height in ((1280, 800), (390, 844)):
        page = page_as(who, width, height)
        screens = screens_of(page)
        assert screens and screens[0][0] == "工作台"
        for name, href in screens:
            page.goto(suite.url["gateway"] + href)
            assert page.locator("h1").count() == 1, f"{name}: one <h1> per page"
            if width == 1280:
                problems += [f"{who} {name}: {v}" for v in serious_violations(page)]
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{who} {name} at {width}×{height}: the page scrolls sideways by {overflow}px")
    assert not problems, "\n".join(problems)


def test_login_page_passes_axe(page_as, console_url):
    page = page_as(None)
    page.goto(console_url + "/login")
    assert serious_violations(page) == []
