"""Builders for console tests: a small roster through the public API (as a coordinator)."""
from __future__ import annotations

from datetime import datetime

from shared.timeutil import SHANGHAI


def demo_roster(suite) -> dict:
    """The demo rooms, mediators (mediator1 linked) and lawyers (lawyer1 linked), as `make run` creates them."""
    from devtools.demo_data import create_demo_data

    create_demo_data(suite.url["gateway"], suite.token("coordinator"), today=datetime.now(SHANGHAI).date())
    c = suite.client("coordinator")
    return {"rooms": c.get("/api/v1/mediation/rooms").json()["items"],
            "mediators": c.get("/api/v1/mediation/mediators").json()["items"],
            "lawyers": c.get("/api/v1/lawyers/lawyers").json()["items"]}
