"""Mediation's writes in a process of their own (`mediation-writes`, devtools/runner.py): the gateway sends
every mediation request but GET, HEAD and OPTIONS there, and the reads to the mediation process; both run
on the one database. `make run` starts it on SQLite (issue 11: the write lock's holder no longer shares its
interpreter with the reads); here it runs on the test backend, SQLite or PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from devtools.runner import WRITES, SuiteProcesses, migrate_all, seed
from shared.calendar import WorkingCalendar
from shared.testing import free_port, fresh_databases
from tests.metrics_kit import scrape

BASE = "/api/v1/mediation"
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def suite_with_writes(tmp_path):
    with fresh_databases(f"writes_{uuid.uuid4().hex[:8]}", tmp_path) as urls:
        suite = SuiteProcesses(urls, ports={svc: free_port() for svc in urls}, mediation_writes=True,
                               env={"SUITE_ENV": "dev", "LOG_LEVEL": "ERROR"}, log_dir=tmp_path / "logs")
        try:
            migrate_all(urls)
            seed(urls)
            suite.start()
            yield suite
        finally:
            suite.stop()


def test_writes_go_to_the_writes_process_and_reads_to_mediation(suite_with_writes):
    s = suite_with_writes
    assert s.processes[-1] == WRITES
    token = s.token("coordinator")
    gw = httpx.Client(base_url=s.url["gateway"], headers={"Authorization": f"Bearer {token}"}, timeout=10)
    room = gw.post(f"{BASE}/rooms", json={"name": "第一调解室", "location": "区信访局", "capacity": 6})
    assert room.status_code == 201, room.text
    mediator = gw.post(f"{BASE}/mediators", json={"name": "王调解员", "kind": "people_mediator"})
    assert mediator.status_code == 201, mediator.text
    day = WorkingCalendar().next_working_day(datetime.now(SH).date() + timedelta(days=2))
    start = datetime.combine(day, datetime.min.time(), SH).replace(hour=9)
    booking = {"case_no": "WR-1", "room_id": room.json()["id"], "mediator_ids": [mediator.json()["id"]],
               "start": start.isoformat(), "end": (start + timedelta(minutes=45)).isoformat(),
               "parties": [{"name": "申请人甲", "role": "petitioner"}]}
    first = gw.post(f"{BASE}/sessions", json=booking)
    assert first.status_code == 201, first.text
    again = gw.post(f"{BASE}/sessions", json={**booking, "case_no": "WR-2"})
    assert again.status_code == 409  # the slot is taken: the writes process sees the first booking
    listed = gw.get(f"{BASE}/sessions", params={"room_id": room.json()["id"]})
    assert listed.status_code == 200 and [x["case_no"] for x in listed.json()["items"]] == ["WR-1"]

    sessions = f"{BASE}/sessions"
    writes, reads = scrape(s.url[WRITES]), scrape(s.url["mediation"])
    assert writes.value("http_requests_total", method="POST", route=sessions) == 2
    assert reads.value("http_requests_total", method="POST", route=sessions) == 0
    assert reads.value("http_requests_total", method="GET", route=sessions) == 1
    assert writes.value("http_requests_total", method="GET", route=sessions) == 0

    # Without the writes process the reads go on; a write gets a problem saying the service is unavailable.
    s.kill(WRITES)
    refused = gw.post(f"{BASE}/sessions", json={**booking, "case_no": "WR-3"})
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert gw.get(f"{BASE}/rooms/{room.json()['id']}").status_code == 200
