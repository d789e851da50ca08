"""Transports the relay publishes through. Default: the gateway's event hub over HTTP."""
from __future__ import annotations

import asyncio
import time

import httpx

from shared.events.envelope import CloudEvent
from shared.events.relay import Publisher


class ServiceTokenProvider:
    """The service's own access token (client credentials at the gateway), cached until near expiry."""

    def __init__(self, gateway_internal_url: str, client_id: str, client_secret: str,
                 client: httpx.AsyncClient) -> None:
        # the internal listener's token endpoint: the public `/oauth/token` never issues a service token
        self.url = gateway_internal_url.rstrip("/") + "/internal/oauth/token"
        self.client_id = client_id
        self.client_secret = client_secret
        self.client = client
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        if self._token and time.time() < self._expires - 60:
            return self._token
        async with self._lock:
            if self._token and time.time() < self._expires - 60:
                return self._token
            r = await self.client.post(self.url, data={"grant_type": "client_credentials"},
                                       auth=(self.client_id, self.client_secret))
            r.raise_for_status()
            body = r.json()
            self._token = body["access_token"]
            self._expires = time.time() + int(body.get("expires_in", 300))
            return self._token

    def invalidate(self) -> None:
        self._token = None


class HubPublisher(Publisher):
    """Publishes to the gateway's hub: `POST {gateway internal listener}/internal/events` with a service token."""

    def __init__(self, gateway_url: str, tokens: ServiceTokenProvider, client: httpx.AsyncClient) -> None:
        self.url = gateway_url.rstrip("/") + "/internal/events"
        self.tokens = tokens
        self.client = client

    async def ready(self) -> bool:
        """The hub (the gateway) answers."""
        try:
            r = await self.client.get(self.url.rsplit("/internal/", 1)[0] + "/healthz", timeout=2.0)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    async def publish(self, events: list[CloudEvent]) -> None:
        body = {"events": [e.wire() for e in events]}
        for attempt in (1, 2):
            token = await self.tokens.token()
            r = await self.client.post(self.url, json=body, headers={"Authorization": f"Bearer {token}"})
            if r.status_code == 401 and attempt == 1:
                self.tokens.invalidate()
                continue
            r.raise_for_status()
            return
