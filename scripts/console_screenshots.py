"""Screenshots of the console's main screens for the README (`docs/screenshots/`).

Starts the suite as `make run` does on throw-away SQLite files, with the demo roster, a fortnight of
bookings and a duty month, then signs in as each role in Debian's chromium and saves each main screen
at 1280×800 (and the 工作台 and 排期 at 390×844).

Usage: .venv/bin/python scripts/console_screenshots.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
from playwright.sync_api import sync_playwright

from bench.console import PASSWORDS, book_demo_sessions
from devtools.demo_data import create_demo_data
from devtools.runner import SuiteProcesses, migrate_all, seed
from shared.testing import free_port, sqlite_databases
from shared.timeutil import SHANGHAI

OUT = ROOT / "docs" / "screenshots"
SHOTS = [  # (file, who, path, size)
    ("login.png", None, "/login", (1280, 800)),
    ("dashboard-mediator.png", "mediator1", "/", (1280, 800)),
    ("schedule-day.png", "coordinator", "/schedule", (1280, 800)),
    ("schedule-week.png", "coordinator", "/schedule?view=week", (1280, 800)),
    ("bookings.png", "mediator1", "/bookings", (1280, 800)),
    ("booking-new.png", "mediator1", "/bookings/new", (1280, 800)),
    ("opinions-lawyer.png", "lawyer1", "/opinions", (1280, 800)),
    ("duty.png", "coordinator", "/duty", (1280, 800)),
    ("stats.png", "auditor", "/stats", (1280, 800)),
    ("settings.png", "coordinator", "/settings", (1280, 800)),
    ("dashboard-phone.png", "mediator1", "/", (390, 844)),
    ("schedule-phone.png", "mediator1", "/schedule", (390, 844)),
]


def main() -> int:
    tmp = tempfile.TemporaryDirectory()
    urls = sqlite_databases(Path(tmp.name))
    migrate_all(urls)
    seed(urls)
    ports = {svc: free_port() for svc in ("gateway", "mediation", "lawyers", "console")}
    suite = SuiteProcesses(urls, ports=ports, env={"SUITE_ENV": "dev"}, with_console=True)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        suite.start()
        gw = suite.url["gateway"]
        create_demo_data(gw, suite.token("coordinator"))
        with httpx.Client(base_url=gw, timeout=30,
                          headers={"Authorization": f"Bearer {suite.token('coordinator')}"}) as api:
            book_demo_sessions(api)
            first = datetime.now(SHANGHAI).date().replace(day=1)
            api.post("/api/v1/lawyers/duty-shifts/generate",
                     json={"from": first.isoformat(), "to": (first + timedelta(days=40)).isoformat()})
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                         args=["--headless=new", "--no-sandbox", "--disable-gpu",
                                               "--disable-background-networking", "--disable-component-update"])
            for name, who, path, (w, h) in SHOTS:
                ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
                page = ctx.new_page()
                if who:
                    page.goto(gw + "/console/login")
                    page.get_by_label("用户名").fill(who)
                    page.get_by_label("密码").fill(PASSWORDS[who])
                    page.get_by_role("button", name="登录").click()
                    page.get_by_role("heading", name="工作台", level=1).wait_for()
                page.goto(gw + "/console" + path)
                page.screenshot(path=str(OUT / name), full_page=False)
                print("saved", OUT / name)
                ctx.close()
            browser.close()
    finally:
        suite.stop()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
