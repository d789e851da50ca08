"""The lawyers service (律师): roster, conflicts, duty roster, opinions, review studio, hours and fees."""
from __future__ import annotations

from fastapi import FastAPI

import services.lawyers.models  # noqa: F401  (every table registered)
from services.lawyers import deadlines as lawyers_deadlines
from services.lawyers.conflict.api import router as conflicts_router
from services.lawyers.document.api import router as documents_router
from services.lawyers.duty.api import router as duty_router
from services.lawyers.feed.api import router as feed_router
from services.lawyers.handoff.events import register as register_handoffs
from services.lawyers.hours.api import router as hours_router
from services.lawyers.lawyer.api import router as roster_router
from services.lawyers.lawyer.snapshot import RosterSnapshot
from services.lawyers.opinion.api import router as opinions_router
from services.lawyers.opinion.jobs import mark_opinion_deadlines
from services.lawyers.participants.api import router as participants_router
from services.lawyers.reminder.jobs import jobs as reminder_jobs
from services.lawyers.report.api import router as reports_router
from services.lawyers.review.api import router as reviews_router
from services.lawyers.review.jobs import mark_review_deadlines
from services.lawyers.settings import LawyersSettings
from shared import deadlines
from shared.app import create_service_app
from shared.events.inbox import EventHandlers
from shared.jobs import Job

JOBS = [
    Job("opinion-deadlines", mark_opinion_deadlines, 300),
    Job("review-deadlines", mark_review_deadlines, 300),
]


def create_app(settings: LawyersSettings | None = None, **overrides) -> FastAPI:
    settings = settings or LawyersSettings(**overrides)
    handlers = EventHandlers()
    app = create_service_app(
        settings,
        title="Lawyers service (律师)",
        routers=[roster_router, conflicts_router, opinions_router, duty_router, reviews_router, hours_router,
                 feed_router, reports_router, documents_router,
                 participants_router],  # participants: the gateway's object-level rules
        handlers=handlers,
        jobs=[*JOBS, *reminder_jobs(settings)],
    )
    app.state.roster = RosterSnapshot()
    register_handoffs(handlers, app)
    # The calendar: whole years, and the requests' and reviews' due dates computed again when it changes.
    deadlines.install(app, handlers, lawyers_deadlines.recompute)
    return app
