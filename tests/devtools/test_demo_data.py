"""`make run` demo roster: created through the public API once, linked to the seed accounts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from devtools.demo_data import create_demo_data
from shared.timeutil import SHANGHAI


def test_demo_data_is_created_once_and_usable(suite):
    assert create_demo_data(suite.url["gateway"], suite.token("coordinator"), today=date(2026, 11, 27)) is True
    c = suite.client("coordinator")
    rooms = c.get("/api/v1/mediation/rooms").json()["items"]
    assert sorted(r["name"] for r in rooms) == ["第一调解室", "第二调解室", "联合接访厅调解区"]
    mediators = c.get("/api/v1/mediation/mediators").json()["items"]
    assert any(m.get("user") == "mediator1" for m in mediators)
    lawyers = c.get("/api/v1/lawyers/lawyers").json()["items"]
    assert {lw["kind"] for lw in lawyers} == {"retained_counsel", "public_lawyer", "studio_lawyer"}
    assert any(lw.get("user") == "lawyer1" for lw in lawyers)
    # A second start writes nothing.
    assert create_demo_data(suite.url["gateway"], suite.token("coordinator")) is False
    assert len(c.get("/api/v1/mediation/rooms").json()["items"]) == 3
    # The roster is enough to find a free slot in the coming week (searches never offer past days).
    start = datetime.now(SHANGHAI).date() + timedelta(days=1)
    slots = c.get("/api/v1/mediation/availability",
                  params={"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat(),
                          "duration_minutes": 60, "limit": 3}).json()
    assert len(slots["slots"]) == 3
