"""Scheduled work: deleting expired idempotency keys."""
from __future__ import annotations

from services.gateway.idempotency import repository
from shared.db import utcnow
from shared.jobs import Job

BATCH = 1000


def expire_idempotency_keys(app) -> int:
    """Delete keys past `expires_at` (kept `idempotency_ttl_hours`, at least 24 h). Returns how many."""
    total = 0
    while True:
        with app.state.db.session() as s:
            n = repository.delete_expired(s, utcnow(), BATCH)
        total += n
        if n < BATCH:
            return total


def expiry_job(settings) -> Job:
    return Job("idempotency_expiry", expire_idempotency_keys, settings.idempotency_expiry_interval_seconds)
