"""The fault test in its short form (`make chaos` runs the full one: 2,000 handoffs, 50 kills).

Real processes; the gateway and the services are SIGKILLed at random moments and
restarted while handoffs are posted; the checker then counts every event id
across all stores: zero lost, zero applied twice, every handoff final.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from chaos import run_chaos

BACKEND = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.mark.slow
@pytest.mark.parametrize("transport, handoffs, kills", [("hub", 100, 5), ("nats", 50, 3)])
def test_no_event_lost_or_applied_twice_under_sigkill(transport, handoffs, kills):
    report = run_chaos(handoffs=handoffs, kills=kills, transport=transport, backend=BACKEND, seed=7)
    print(json.dumps(report, ensure_ascii=False))
    assert report["lost"] == 0, report
    assert not report["stored_twice"] and not report["double_answers"] and not report["double_status_events"]
    assert not report["double_steps"] and not report["undelivered"], report
    assert report["handoffs_requested"] == handoffs
    assert not report["handoffs_missing"] and not report["handoffs_duplicated"], report
    assert not report["handoffs_not_final"], report
    assert report["final_statuses"].get("completed", 0) > 0, report  # the lawyers' side took part too
    assert len(report["kills"]) == kills
    assert report["ok"], report
    assert report["settled"], report  # quiet within the timeout: nothing left unpublished or unapplied
