"""Revoked subjects (吊销): a disabled user's tokens stop working within a minute, everywhere.

The gateway keeps the list (`revoked_subject`: a subject and when it was revoked); every token of that
subject issued at or before that instant is refused with 401 `token_revoked`, by the gateway's edge
and by each service's own verification. The gateway reloads its list from its database, and each
service fetches it from the gateway's internal listener (`GET /internal/revocations`), every
REVOCATION_POLL_SECONDS (default 10; at most 30), so a revocation takes effect within that interval
(plus one request's time).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.errors import Unauthorized

log = logging.getLogger("suite.revocation")


class Revocations:
    """subject -> revoked at (epoch seconds); checked on every verified token."""

    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}
        self.loaded = False

    def replace(self, entries: dict[str, float]) -> None:
        self._revoked = dict(entries)
        self.loaded = True

    def add(self, subject: str, at: float) -> None:
        self._revoked = {**self._revoked, subject: at}

    def revoked_at(self, subject: str) -> float | None:
        return self._revoked.get(subject)

    def check(self, principal) -> None:
        at = self._revoked.get(principal.sub)
        if at is None:
            return
        iat = principal.claims.get("iat")
        if not isinstance(iat, (int, float)) or iat <= at:
            raise Unauthorized("The access token has been revoked; sign in again.", code="token_revoked",
                               detail_zh="访问令牌已被吊销，请重新登录。")

    def clear(self) -> None:
        self._revoked = {}


class RevocationPoller:
    """Reloads `revocations` from `fetch()` every `interval` seconds (a failed fetch keeps the last list)."""

    def __init__(self, revocations: Revocations, fetch: Callable[[], Awaitable[dict[str, float]]],
                 interval: float) -> None:
        self.revocations, self.fetch, self.interval = revocations, fetch, interval
        self._task: asyncio.Task | None = None

    async def poll(self) -> bool:
        try:
            self.revocations.replace(await self.fetch())
            return True
        except Exception as e:  # the gateway restarting, a network blip: retry next round
            log.warning("revocation list not refreshed: %r", e)
            return False

    async def _run(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="revocation-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None


def http_source(app) -> Callable[[], Awaitable[dict[str, float]]]:
    """A service's source: the gateway's internal listener, with the service's own token."""

    async def fetch() -> dict[str, float]:
        tokens = getattr(app.state.relay.publisher, "tokens", None)
        if tokens is None:  # NATS transport: a token provider of its own
            from shared.events.transports import ServiceTokenProvider

            s = app.state.settings
            tokens = getattr(app.state, "revocation_tokens", None)
            if tokens is None:
                tokens = app.state.revocation_tokens = ServiceTokenProvider(
                    s.gateway_internal_url, s.service_client_id, s.service_client_secret, app.state.http)
        url = app.state.settings.gateway_internal_url.rstrip("/") + "/internal/revocations"
        r = await app.state.http.get(url, headers={"Authorization": f"Bearer {await tokens.token()}"}, timeout=5.0)
        if r.status_code == 401:
            tokens.invalidate()
        r.raise_for_status()
        return {str(e["subject"]): float(e["revoked_at"]) for e in r.json().get("revoked") or []}

    return fetch
