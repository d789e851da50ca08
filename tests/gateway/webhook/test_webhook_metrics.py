"""`webhook_delivery_failures_total{outcome}`: every failed attempt counted, by what became of the delivery."""
from __future__ import annotations

from tests.metrics_kit import scrape
from tests.webhook_receiver import Reply


def _failures(suite, outcome: str) -> float:
    return scrape(suite.url["gateway"]).value("webhook_delivery_failures_total", service="gateway", outcome=outcome)


def test_failed_attempts_are_counted_and_a_success_is_not(suite, receiver, hooks):
    before = {o: _failures(suite, o) for o in ("retrying", "failed", "disabled")}
    receiver.script("/down", Reply(503))
    hooks.register(receiver.url + "/down", ["handoff.accepted"])
    hooks.enqueue(hooks.event("handoff.accepted"))
    assert hooks.deliver() == 1  # 503: retried later
    assert _failures(suite, "retrying") == before["retrying"] + 1
    hooks.make_due()
    assert hooks.deliver() == 1  # 204 now: no failure counted
    assert _failures(suite, "retrying") == before["retrying"] + 1
    receiver.script("/gone", Reply(410))
    hooks.register(receiver.url + "/gone", ["handoff.rejected"])
    hooks.enqueue(hooks.event("handoff.rejected", subject="XF-2026-0002"))
    assert hooks.deliver() == 1  # 410 Gone: the webhook is disabled
    assert _failures(suite, "disabled") == before["disabled"] + 1
    assert _failures(suite, "failed") == before["failed"]
