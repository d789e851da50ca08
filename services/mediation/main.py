"""The mediation service (信访调解室): rooms, mediators, availability, sessions, agreements, case files."""
from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware

from services.mediation.agreement import deadlines as agreement_deadlines
from services.mediation.agreement import jobs as agreement_jobs
from services.mediation.agreement.api import router as agreements_router
from services.mediation.agreement.api import session_router as agreement_steps_router
from services.mediation.availability.api import router as availability_router
from services.mediation.casefile import deadlines as intake_deadlines
from services.mediation.casefile import events as casefile_events
from services.mediation.casefile.api import router as cases_router
from services.mediation.document.api import router as documents_router
from services.mediation.feed.api import router as feed_router
from services.mediation.followthrough.api import router as followthrough_router
from services.mediation.mediator.api import router as mediators_router
from services.mediation.participants.api import router as participants_router
from services.mediation.party import crypto as party_crypto
from services.mediation.party.api import router as parties_router
from services.mediation.reminder.jobs import jobs as reminder_jobs
from services.mediation.report.api import router as reports_router
from services.mediation.room.api import router as rooms_router
from services.mediation.room.shortcut import RoomReadShortcut
from services.mediation.schedule.api import router as schedule_router
from services.mediation.session import jobs as session_jobs
from services.mediation.session.api import router as sessions_router
from services.mediation.settings import MediationSettings
from shared import deadlines
from shared.app import create_service_app
from shared.events.inbox import EventHandlers


def create_app(settings: MediationSettings | None = None, **overrides) -> FastAPI:
    settings = settings or MediationSettings(**overrides)
    party_crypto.configure(settings)  # parties' phone and ID number: sealed and hashed with these keys
    handlers = EventHandlers()
    app = create_service_app(
        settings,
        title="Mediation service (信访调解室)",
        # The busiest first (sessions, availability, rooms: shared/app.py tries the routers in this order).
        routers=[sessions_router, availability_router, rooms_router, mediators_router, schedule_router, feed_router,
                 agreement_steps_router, agreements_router, cases_router, followthrough_router, documents_router,
                 reports_router, parties_router, participants_router],  # participants: the gateway's object rules
        handlers=handlers,
        jobs=[*session_jobs.JOBS, *agreement_jobs.JOBS, *reminder_jobs(settings)],
    )
    # Inside the edge (request id, headers, metrics), before the routing: a kept room answered at once.
    app.user_middleware.append(Middleware(RoomReadShortcut))
    casefile_events.register(handlers, app)
    # The calendar: whole years, and the agreements' deadlines and intakes' target dates computed again
    # when it changes.
    deadlines.install(app, handlers, agreement_deadlines.make_recompute(settings), intake_deadlines.recompute)
    return app


def main() -> None:  # pragma: no cover - `python -m services.mediation.main`
    import uvicorn

    settings = MediationSettings()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=settings.port)


if __name__ == "__main__":  # pragma: no cover
    main()
