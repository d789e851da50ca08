"""The gateway: the suite's one public entry (网关).

Token issuing and checking, routing to the services, idempotency keys, rate
limits, the event hub, case handoffs, webhooks and the case timeline.
"""
from __future__ import annotations

from fastapi import FastAPI

from shared.app import create_service_app
from shared.auth import KeySet, TokenSigner
from shared.events.inbox import EventHandlers
from services.gateway.hub.api import router as hub_router
from services.gateway.hub.service import Hub, LocalHubPublisher
from services.gateway.oauth.api import router as oauth_router
from services.gateway.proxy.api import router as proxy_router
from services.gateway.settings import GatewaySettings
from services.gateway.webhook.api import router as webhook_router  # webhooks
from services.gateway.webhook.jobs import webhook_job  # webhooks


def create_app(settings: GatewaySettings | None = None, **overrides) -> FastAPI:
    settings = settings or GatewaySettings(**overrides)
    signer = TokenSigner(settings.signing_key_pems(), settings.jwt_issuer, settings.jwt_audience,
                         ttl=settings.token_ttl_seconds)
    handlers = EventHandlers()

    def on_startup(app: FastAPI) -> None:
        app.state.hub = Hub(app)

    app = create_service_app(
        settings,
        title="Petition suite gateway (网关)",
        routers=[oauth_router, hub_router, webhook_router, proxy_router],  # the proxy's catch-all routes go last
        handlers=handlers,
        jobs=[webhook_job(settings)],  # webhooks
        keyset=KeySet(signer.jwks()),
        publisher_factory=LocalHubPublisher,
        on_startup=on_startup,
        include_inbox=False,
        relay_interval=0.2,
    )
    app.state.signer = signer
    return app
