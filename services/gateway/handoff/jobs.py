"""Scheduled work of the handoff feature: expiry of handoffs nobody accepted in time."""
from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI

from services.gateway.handoff import service
from shared.db import utcnow
from shared.jobs import Job


def expire_handoffs(app: FastAPI, now: datetime | None = None) -> int:
    """Expire every `requested` handoff past its acceptance deadline; returns how many."""
    total = 0
    while True:
        with app.state.db.session() as s:
            n = service.expire_due(s, now or utcnow())
        total += n
        if n == 0:
            return total


def jobs(settings) -> list[Job]:
    return [Job("handoff-expiry", expire_handoffs, settings.handoff_expiry_interval_seconds)]
