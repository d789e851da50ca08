"""Scheduled reminder work of the lawyers service: the due scan and the sender (shared/notify)."""
from __future__ import annotations

from datetime import datetime

from services.lawyers.reminder import service
from shared.db import utcnow
from shared.jobs import Job
from shared.notify.reminders import queue, reminder_jobs, send_due


def scan_reminders(app, now: datetime | None = None) -> int:
    """Queue every reminder that is due (once per key); returns how many were queued."""
    now = now or utcnow()
    with app.state.db.session() as s:
        return queue(s, service.due(s, app.state.settings, now), now)


def send_reminders(app, now: datetime | None = None) -> dict[str, int]:
    """Send the queued reminders that are due; returns counts by outcome (sent, retry, dropped, expired)."""
    return send_due(app, service.RESOLVERS, now)


def jobs(settings) -> list[Job]:
    return reminder_jobs("lawyers", settings, scan_reminders, send_reminders)
