"""Placeholder: the gateway's event hub (being built)."""
from __future__ import annotations


class Hub:
    def __init__(self, app) -> None:
        self.app = app

    async def deliver_pending(self) -> int:
        return 0


class LocalHubPublisher:
    def __init__(self, app) -> None:
        self.app = app

    async def publish(self, events) -> None:
        raise RuntimeError("hub not built yet")
