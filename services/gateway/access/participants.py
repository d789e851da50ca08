"""Object-level rules on the gateway's own reads (the timeline and the handoffs of a case).

Coordinators, auditors and the petition system see every case. A mediator or a lawyer sees a case only
when they work on it, which the owning service knows: mediation (a session of the case that they
mediate, not cancelled) and lawyers (an opinion request, opinion or review of the case). The gateway
never reads their tables: it asks `GET /internal/cases/{case_no}/participants` on the service (with its
own service token) and remembers the answer briefly (GATEWAY_PARTICIPANTS_CACHE_SECONDS).
"""
from __future__ import annotations

import asyncio
import logging
import time

import anyio
import httpx

from shared.auth import Principal
from shared.errors import NotFound, SuiteError

log = logging.getLogger("suite.gateway.access")

SEES_EVERY_CASE = ("coordinator", "auditor", "petition_system")
# Which service knows whether a person of this role works on a case.
OWNER_OF_ROLE = {"mediator": "mediation", "lawyer": "lawyers"}


class ParticipantsUnavailable(SuiteError):
    status, code, title = 503, "participants_unavailable", "Service unavailable"


class CaseParticipants:
    """The login names working on a case, per owning service, cached for `ttl` seconds."""

    def __init__(self, app, ttl: float = 10.0, timeout: float = 3.0) -> None:
        self.app = app
        self.ttl = ttl
        self.timeout = timeout
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _base(self, service: str) -> str:
        settings = self.app.state.settings
        return {"mediation": settings.mediation_url, "lawyers": settings.lawyers_url}[service].rstrip("/")

    async def users(self, service: str, case_no: str) -> frozenset[str]:
        key = (service, case_no)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            users = await self._fetch(service, case_no)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + self.ttl, users)
        self._locks.pop(key, None)
        return users

    async def _fetch(self, service: str, case_no: str) -> frozenset[str]:
        token = self.app.state.hub.service_token()
        url = f"{self._base(service)}/internal/cases/{case_no}/participants"
        try:
            r = await self.app.state.http.get(url, headers={"Authorization": f"Bearer {token}"},
                                              timeout=self.timeout)
            r.raise_for_status()
            return frozenset(str(u) for u in r.json().get("users") or [])
        except (httpx.HTTPError, ValueError, AttributeError) as e:
            log.warning("participants of %s from %s failed: %s", case_no, service, e)
            raise ParticipantsUnavailable(
                f"Cannot tell now whether you work on this case ({service} did not answer); retry shortly.",
                detail_zh="暂时无法确认您是否承办该案件，请稍后重试。") from None

    async def works_on(self, principal: Principal, case_no: str) -> bool:
        if principal.has(*SEES_EVERY_CASE):
            return True
        for role, service in OWNER_OF_ROLE.items():
            if principal.has(role) and principal.sub in await self.users(service, case_no):
                return True
        return False

    def clear(self) -> None:
        self._cache.clear()


def participants_of(app) -> CaseParticipants:
    cp = getattr(app.state, "case_participants", None)
    if cp is None:
        ttl = float(getattr(app.state.settings, "participants_cache_seconds", 10.0))
        cp = app.state.case_participants = CaseParticipants(app, ttl=ttl)
    return cp


def needs_check(principal: Principal) -> bool:
    return not principal.has(*SEES_EVERY_CASE)


def ensure_works_on(request, principal: Principal, case_no: str) -> None:
    """From a sync endpoint (a worker thread): 404 unless the caller may see this case."""
    if not needs_check(principal):
        return
    ok = anyio.from_thread.run(participants_of(request.app).works_on, principal, case_no)
    if not ok:
        raise NotFound("No case with this number that you work on.", detail_zh="未找到您承办的该案件。")
