"""`create_service_app()`: the wiring every service shares.

Error handlers, request ids and metrics, security headers, health endpoints, token verification,
the database, the outbox relay, the inbox endpoint, the calendar and the
scheduler. A service passes its routers, event handlers and jobs.
"""
from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import anyio
import httpx
from fastapi import APIRouter, FastAPI, Request

from shared import migrate
from shared.async_reads import AsyncReads
from shared.audit.api import router as audit_internal_router
from shared.audit.retention import retention_job
from shared.auth import KeySet, TokenVerifier
from shared.calendar import CalendarStore
from shared.db import Database
from shared.edge import NO_FRAMEWORK_TELEMETRY, EdgeMiddleware
from shared.errors import install_error_handlers
from shared.events.inbox import EventHandlers, inbox_router
from shared.events.relay import OutboxRelay, Publisher
from shared.events.transports import HubPublisher, ServiceTokenProvider
from shared.jobs import Job, start_scheduler, stop_scheduler
from shared.metrics import outbox_probe, pool_probe
from shared.observability import Metrics, health_router, setup_logging
from shared.problem_docs import install_problem_docs
from shared.revocation import RevocationPoller, Revocations, http_source
from shared.routing import unit_limiter
from shared.security import SecurityHeaders
from shared.settings import SuiteSettings
from shared.tracing import Tracing


def on_calendar_day_set(app: FastAPI) -> Callable:
    """Apply `calendar.day.set` (from the gateway) to this service's own calendar."""
    from datetime import date

    def handler(session, event) -> None:
        app.state.calendar.set_day(session, date.fromisoformat(event.data["date"]), event.data["kind"],
                                   event.data.get("name", ""))

    return handler


def check_schema(settings: SuiteSettings, db: Database) -> None:
    """Refuse to start on a database that is not at this release's migration head (or migrate it first
    where `migrate_on_start` allows it: dev and test)."""
    if not migrate.has_history(settings.service_name):
        return
    if settings.migrate_on_start:
        if settings.suite_env == "prod":
            raise RuntimeError("SUITE_ENV=prod refuses MIGRATE_ON_START: the release's migration Job migrates")
        migrate.upgrade(settings.service_name, settings.database_url)
    migrate.require_current_schema(settings.service_name, db.engine)


def create_service_app(
    settings: SuiteSettings,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    handlers: EventHandlers | None = None,
    jobs: Sequence[Job] = (),
    publisher_factory: Callable[[FastAPI], Publisher] | None = None,
    keyset: KeySet | None = None,
    ready_checks: dict | None = None,
    on_startup: Callable[[FastAPI], None] | None = None,
    on_shutdown: Callable[[FastAPI], Awaitable[None]] | None = None,
    relay_interval: float = 0.5,
    include_inbox: bool = True,
    revocation_source: Callable[[FastAPI], Callable] | None = None,
) -> FastAPI:
    handlers = handlers or EventHandlers()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        settings.refuse_dev_secrets()
        setup_logging(settings.log_level, access_log=settings.log_access)  # again: the server set its own
        app.state.tracing.configure_from_env()  # OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set
        if getattr(app.state, "db", None) is None:
            app.state.db = Database(settings.database_url, pool_size=settings.db_pool_size,
                                    read_threads=settings.db_read_threads)
        # hot reads on the event loop (shared/async_reads.py); on SQLite in the read units' worker threads
        app.state.reads = AsyncReads(app.state.db, limiter=lambda: unit_limiter(app, read_only=True))
        await anyio.to_thread.run_sync(check_schema, settings, app.state.db)
        # Idle connections are dropped after 2 s, before the services' own keep-alive timeout (uvicorn's 5 s):
        # at equal timeouts a request could go out on a connection the service was closing ("Server
        # disconnected without sending a response", seen once on the gateway's audit listing).
        app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0),
                                           limits=httpx.Limits(max_connections=200, max_keepalive_connections=50,
                                                               keepalive_expiry=2.0))
        app.state.verifier = TokenVerifier(keyset or KeySet(url=settings.jwks_url), settings.jwt_issuer,
                                           settings.jwt_audience)
        # Disabled users' tokens refused (shared/revocation.py): the list polled from the gateway.
        app.state.verifier.revocations = app.state.revocations
        app.state.revocation_poller = RevocationPoller(
            app.state.revocations, (revocation_source or http_source)(app), settings.revocation_poll_seconds)
        app.state.nats = app.state.event_consumer = None
        if settings.event_transport == "nats":  # NATS JetStream instead of the gateway's hub
            from shared.events.nats import NatsConnection, NatsPublisher, NatsServiceConsumer

            app.state.nats = NatsConnection(settings)
            if include_inbox:
                app.state.event_consumer = NatsServiceConsumer(app.state.nats, settings.service_name, handlers,
                                                               app.state.db)
        if publisher_factory is not None:
            publisher = publisher_factory(app)
        elif app.state.nats is not None:
            publisher = NatsPublisher(app.state.nats)
        else:
            tokens = ServiceTokenProvider(settings.gateway_internal_url, settings.service_client_id,
                                          settings.service_client_secret, app.state.http)
            publisher = HubPublisher(settings.gateway_internal_url, tokens, app.state.http)
        app.state.relay = OutboxRelay(app.state.db, publisher, interval=relay_interval,
                                      lease_seconds=settings.outbox_lease_seconds)
        app.state.db.after_event_commit.append(app.state.relay.kick)
        scheduler = None
        if on_startup:
            on_startup(app)
        app.state.revocation_poller.start()  # always: revocation is a security rule, not a background job
        if settings.jobs_enabled:
            app.state.relay.start()
            if app.state.event_consumer is not None:
                app.state.event_consumer.start()
            scheduler = start_scheduler(app, [*jobs, Job("audit-retention", retention_job,
                                                         settings.audit_retention_interval_seconds)])
        # Startup objects (modules, models, compiled queries) move to the permanent generation, so
        # the full collections that run under load scan only what requests allocate: shorter pauses.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if scheduler:  # first: the runs in progress finish while everything they use is still up
                await stop_scheduler(scheduler)
            await app.state.revocation_poller.stop()
            if on_shutdown:
                await on_shutdown(app)
            await app.state.relay.stop()
            if app.state.event_consumer is not None:
                await app.state.event_consumer.stop()
            if app.state.nats is not None:
                await app.state.nats.close()
            await app.state.http.aclose()
            await app.state.reads.close()
            app.state.db.dispose()
            app.state.tracing.shutdown()  # flushes the spans still buffered

    setup_logging(settings.log_level, access_log=settings.log_access)  # the server's first lines in JSON too
    dev = settings.suite_env != "prod"
    app = FastAPI(title=title, lifespan=lifespan, docs_url="/docs" if dev else None, redoc_url=None,
                  openapi_url="/openapi.json" if dev else None, telemetry=NO_FRAMEWORK_TELEMETRY)
    app.state.settings = settings
    app.state.handlers = handlers
    app.state.calendar = CalendarStore()
    app.state.revocations = Revocations()
    app.state.metrics = Metrics(settings.service_name)
    app.state.metrics.state.probes += [outbox_probe(settings.service_name, lambda: getattr(app.state, "db", None)),
                                       pool_probe(settings.service_name, lambda: getattr(app.state, "db", None))]
    app.state.tracing = handlers.tracing = Tracing(settings.service_name)
    install_error_handlers(app)
    install_problem_docs(app)  # the OpenAPI lists the problem+json answers (401, 403, 422 ...)
    # One pure-ASGI layer (shared/edge.py): request id, NUL guard, audit of refusals, security headers, metrics.
    app.add_middleware(EdgeMiddleware, metrics=app.state.metrics, tracing=app.state.tracing,
                       route_header=settings.service_name != "gateway",  # the gateway labels proxied calls by it
                       security=SecurityHeaders(hsts=not dev), audit=True, nul_guard=True)

    async def db_ready(request: Request) -> bool:
        return await anyio.to_thread.run_sync(request.app.state.db.ping)

    async def transport_ready(request: Request) -> bool:
        ready = getattr(request.app.state.relay.publisher, "ready", None)
        return True if ready is None else bool(await ready())

    # The service's own routers first, in the order given (the busiest first): FastAPI tries each included
    # router in turn, and trying one costs a few microseconds per route it holds (none of their paths
    # overlap, so the order decides nothing else).
    for r in routers:
        app.include_router(r)
    app.include_router(health_router({"database": db_ready, "event_transport": transport_ready,
                                      **(ready_checks or {})}))
    handlers.on("calendar.day.set")(on_calendar_day_set(app))
    if include_inbox:
        app.include_router(inbox_router(settings.service_name, handlers))
    app.include_router(audit_internal_router)  # the gateway reads this service's audit chain here
    return app
