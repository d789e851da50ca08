"""The gateway: the suite's one public entry (网关).

Token issuing and checking, routing to the services, idempotency keys, rate
limits, the event hub, case handoffs, webhooks and the case timeline.
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.responses import RedirectResponse

from services.gateway.audit.api import router as audit_router  # audit trail (issue 13)
from services.gateway.audit.service import anchor_job  # audit trail (issue 13)
from services.gateway.calendar.api import router as calendar_router  # hub/handoffs
from services.gateway.calendar.years import router as calendar_years_router  # whole years (issue 14)
from services.gateway.handoff.api import router as handoff_router  # hub/handoffs
from services.gateway.handoff.events import build_handlers as handoff_handlers  # hub/handoffs
from services.gateway.handoff.jobs import jobs as handoff_jobs  # hub/handoffs
from services.gateway.hub.api import router as hub_router
from services.gateway.hub.metrics import hub_probes  # observability: hub backlog, dead letters
from services.gateway.hub.service import Hub, gateway_publisher, hub_shutdown, hub_startup  # hub/handoffs
from services.gateway.idempotency.jobs import expiry_job  # proxy/idempotency/ratelimit
from services.gateway.internal_listener import install_internal_listener, stop_internal_listener
from services.gateway.oauth.api import router as oauth_router
from services.gateway.oauth.revocation import db_source as revocation_db_source
from services.gateway.oauth.revocation import router as revocation_router
from services.gateway.openapi import install_merged_openapi
from services.gateway.proxy.edge import ProxyRoute, install_edge  # proxy/idempotency/ratelimit
from services.gateway.settings import GatewaySettings
from services.gateway.timeline.api import router as timeline_router  # hub/handoffs
from services.gateway.webhook.api import router as webhook_router  # webhooks
from services.gateway.webhook.jobs import close_client as close_webhook_client  # webhooks
from services.gateway.webhook.jobs import webhook_job  # webhooks
from services.gateway.webhook.service import enqueue_many as enqueue_webhooks  # webhooks
from shared.app import create_service_app
from shared.auth import KeySet, TokenSigner
from shared.events.inbox import EventHandlers
from shared.jobs import Job

home_router = APIRouter()


@home_router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    """People who open the gateway's address land on the console (工作台)."""
    return RedirectResponse("/console/", status_code=302)


def create_app(settings: GatewaySettings | None = None, **overrides) -> FastAPI:
    settings = settings or GatewaySettings(**overrides)
    signer = TokenSigner(settings.signing_key_pems(), settings.jwt_issuer, settings.jwt_audience,
                         ttl=settings.token_ttl_seconds)
    handlers = EventHandlers()

    def on_startup(app: FastAPI) -> None:
        hub = Hub(app)  # the event hub and what consumes there:
        hub.register("handoffs", handoff_handlers(app))  # handoffs: the targets' answers, chained handoffs
        hub.on_stored(enqueue_webhooks)  # webhooks: queued in the transaction that stores each event
        hub_startup(app, hub)  # app.state.hub, its delivery loop, the NATS store consumer

    async def on_shutdown(app: FastAPI) -> None:
        intake = getattr(app.state, "handoff_intake", None)
        if intake is not None:  # handoffs: the intake's writers
            await intake.stop()
        await hub_shutdown(app)
        await close_webhook_client(app)  # webhooks: the sender's shared client
        await stop_internal_listener(app)  # internal listener

    app = create_service_app(
        settings,
        title="Petition suite gateway (网关)",
        routers=[home_router, oauth_router, revocation_router, hub_router, handoff_router, timeline_router,
                 calendar_router,
                 calendar_years_router, webhook_router, audit_router],
        handlers=handlers,
        jobs=[webhook_job(settings), expiry_job(settings), *handoff_jobs(settings),
              Job("audit-anchor", anchor_job,
                  settings.audit_anchor_interval_seconds)],  # webhooks; idempotency; handoffs
        keyset=KeySet(signer.jwks()),
        publisher_factory=gateway_publisher,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        include_inbox=False,
        relay_interval=0.2,
        revocation_source=revocation_db_source,  # disabled users' tokens: the list from the gateway's database
    )
    app.state.signer = signer
    app.state.metrics.state.probes += hub_probes(app)
    # audit: answers the services gave to a forwarded request are recorded by those services
    app.state.audit_forwarded = lambda scope: isinstance(scope.get("route"), ProxyRoute)
    install_edge(app, settings)  # proxy/idempotency/ratelimit: token check, limits, Idempotency-Key, proxy
    install_internal_listener(app, settings)  # internal listener: /internal/... only on GATEWAY_INTERNAL_PORT
    install_merged_openapi(app, settings)  # /openapi.json and /docs: the gateway's paths and the services'
    return app
