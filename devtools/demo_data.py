"""Demo data for `make run` (dev only): rooms, mediators and lawyers, created through the public API.

Created once, when the mediation service has no room yet, so that a newcomer can
search availability, book a session and request a legal opinion at once. The
seed accounts `mediator1` and `lawyer1` are linked to a mediator and a lawyer.
"""
from __future__ import annotations

from datetime import date, datetime

import httpx

from shared.timeutil import SHANGHAI

ROOMS = [
    {"name": "第一调解室", "location": "区信访局一楼东侧", "capacity": 8, "features": ["recording", "video"]},
    {"name": "第二调解室", "location": "区信访局一楼西侧", "capacity": 6, "features": ["recording"]},
    {"name": "联合接访厅调解区", "location": "区信访局接访大厅", "capacity": 12, "features": ["accessible"]},
]
MEDIATORS = [
    {"name": "王调解员", "kind": "people_mediator", "languages": ["zh"], "user": "mediator1"},
    {"name": "陈调解员", "kind": "people_mediator", "languages": ["zh", "yue"]},
    {"name": "刘科长", "kind": "petition_officer", "languages": ["zh"]},
]


def _lawyers(today: date) -> list[dict]:
    year = today.year
    return [
        {"name": "李律师", "kind": "retained_counsel", "license_no": "11101201810000001", "firm": "法治律师事务所",
         "specialties": ["contract", "neighbour_dispute", "property"], "user": "lawyer1",
         "contract": {"start": f"{year}-01-01", "end": f"{year}-12-31", "annual_hours": 120}},
        {"name": "赵律师", "kind": "public_lawyer", "license_no": "11101201510000002", "firm": "区司法局",
         "specialties": ["administrative", "labour"],
         "qualification": {"certificate_no": "A20151100002", "legal_work_since": "2015-07-01"}},
        {"name": "孙律师", "kind": "studio_lawyer", "license_no": "11101201210000003", "firm": "复查复核律师工作室",
         "specialties": ["administrative", "land"]},
        {"name": "周律师", "kind": "studio_lawyer", "license_no": "11101201310000004", "firm": "复查复核律师工作室",
         "specialties": ["administrative", "social_security"]},
        {"name": "吴律师", "kind": "studio_lawyer", "license_no": "11101201410000005", "firm": "复查复核律师工作室",
         "specialties": ["land", "labour"]},
    ]


def create_demo_data(gateway_url: str, token: str, today: date | None = None) -> bool:
    """Create the demo roster through the gateway; False when data already exists (nothing written)."""
    with httpx.Client(base_url=gateway_url + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                      timeout=10) as c:
        rooms = c.get("/mediation/rooms")
        rooms.raise_for_status()
        if rooms.json()["items"]:
            return False
        for room in ROOMS:
            c.post("/mediation/rooms", json=room).raise_for_status()
        for mediator in MEDIATORS:
            c.post("/mediation/mediators", json=mediator).raise_for_status()
        for lawyer in _lawyers(today or datetime.now(SHANGHAI).date()):
            c.post("/lawyers/lawyers", json=lawyer).raise_for_status()
    return True
