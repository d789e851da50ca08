"""The delivery job (webhook 投递): claim due deliveries, send them signed, record each attempt.

Claiming and recording are short transactions in a worker thread; sending is
async on one shared httpx client (no redirects followed, no proxies from the
environment). A claimed row is leased (its `next_attempt_at` moved past the
timeout) so a crash mid-send only delays the attempt; receivers dedupe on
`webhook-id`, which is the event id and the same on every attempt.
"""
from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import anyio.from_thread
import httpx
from fastapi import FastAPI

from services.gateway.settings import GatewaySettings
from services.gateway.webhook import repository as repo
from services.gateway.webhook import service
from services.gateway.webhook.service import AttemptResult
from services.gateway.webhook.signing import signature_header
from services.gateway.webhook.urlsafety import Target, UnsafeUrl, allowed_hosts, own_endpoints, resolve
from shared.db import utcnow
from shared.jobs import Job

log = logging.getLogger("gateway.webhooks")
USER_AGENT = "petition-suite-webhooks/1.0"
MAX_ROUNDS = 1000  # a guard only: rounds end when a batch comes back short


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, detached from its session."""

    delivery_id: str
    url: str
    event_id: str
    body: str
    secrets: list[str]


def client(app: FastAPI) -> httpx.AsyncClient:
    """The process's one webhook client (created on first use, on the app's event loop)."""
    c = getattr(app.state, "webhook_http", None)
    if c is None:
        c = httpx.AsyncClient(follow_redirects=False, trust_env=False,
                              limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
        app.state.webhook_http = c
    return c


async def close_client(app: FastAPI) -> None:
    """Close the webhook client, if one was made (at shutdown)."""
    c = getattr(app.state, "webhook_http", None)
    if c is not None:
        await c.aclose()


def _claim(app: FastAPI, limit: int) -> list[Outgoing]:
    settings: GatewaySettings = app.state.settings
    now = utcnow()
    lease = now + timedelta(seconds=settings.webhook_timeout_seconds + 60)
    with app.state.db.session() as s:
        rows = repo.claim_due(s, now, limit)
        eps = repo.endpoints_by_id(s, {r.endpoint_id for r in rows})
        out = []
        for r in rows:
            ep = eps.get(r.endpoint_id)
            if service.cancel_if_inactive(r, ep):
                continue
            assert ep is not None  # cancel_if_inactive took the missing ones
            r.next_attempt_at = lease
            out.append(Outgoing(r.id, ep.url, r.event_id, r.body, service.signing_secrets(ep, settings, now)))
        return out


# Attempt outcomes counted in `webhook_delivery_failures_total` (service.record_attempt).
FAILURES = frozenset({"retrying", "failed", "disabled"})


def _record(app: FastAPI, results: list[AttemptResult]) -> None:
    settings: GatewaySettings = app.state.settings
    metrics = getattr(app.state, "metrics", None)
    with app.state.db.session() as s:
        rows = repo.deliveries_by_id(s, [r.delivery_id for r in results])
        eps = repo.endpoints_by_id(s, {r.endpoint_id for r in rows.values()})
        for res in results:
            row = rows.get(res.delivery_id)
            if row is None:
                continue
            outcome = service.record_attempt(s, settings, row, eps.get(row.endpoint_id), res)
            if metrics is not None:
                metrics.events.labels(metrics.service, f"webhook_{outcome}", row.event_type).inc()
                if outcome in FAILURES:
                    metrics.webhook_failures.labels(metrics.service, outcome).inc()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP-date; None if absent or malformed."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utcnow())).total_seconds())


def _requests(out: Outgoing, target: Target) -> list[tuple[httpx.URL, dict, dict]]:
    """One (url, extra headers, extensions) per address to try; pinned to the checked addresses."""
    url = httpx.URL(out.url)
    if target.addresses is None:
        return [(url, {}, {})]
    host_header = url.netloc.decode("ascii")
    ext = {"sni_hostname": target.host} if url.scheme == "https" else {}
    return [(url.copy_with(host=a), {"Host": host_header}, ext) for a in target.addresses[:3]]


async def send(app: FastAPI, out: Outgoing) -> AttemptResult:
    settings: GatewaySettings = app.state.settings
    started = utcnow()
    t0 = time.perf_counter()
    res = AttemptResult(out.delivery_id, started, 0)
    try:
        target = await resolve(out.url, allowed_hosts(settings.webhook_allowed_hosts), own_endpoints(settings))
    except UnsafeUrl as e:
        res.error = f"refused, no connection made: {e}"
        return res
    ts = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": out.event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature_header(out.secrets, out.event_id, ts, out.body),
    }
    timeout = httpx.Timeout(settings.webhook_timeout_seconds,
                            connect=min(settings.webhook_connect_timeout_seconds, settings.webhook_timeout_seconds))
    body = out.body.encode()
    for url, extra, ext in _requests(out, target):
        try:
            req = client(app).build_request("POST", url, content=body, headers={**headers, **extra},
                                            timeout=timeout, extensions=ext)
            with anyio.fail_after(settings.webhook_timeout_seconds + 1):  # a total bound (slow drips)
                resp = await client(app).send(req, stream=True)
                try:
                    res.status_code = resp.status_code
                    if 300 <= resp.status_code < 400:
                        res.error = (f"redirect not followed ({resp.status_code} to "
                                     f"{resp.headers.get('location', '?')})")
                    elif not 200 <= resp.status_code < 300:
                        res.error = f"HTTP {resp.status_code}"
                        res.retry_after = parse_retry_after(resp.headers.get("retry-after"))
                finally:
                    await resp.aclose()
            break
        except httpx.ConnectError as e:
            res.error = f"connection failed: {e or type(e).__name__}"
        except (httpx.TimeoutException, TimeoutError) as e:
            res.error = f"timed out after {settings.webhook_timeout_seconds:g} s ({type(e).__name__})"
            break
        except httpx.HTTPError as e:
            res.error = f"{type(e).__name__}: {e}"
            break
    res.duration_ms = int((time.perf_counter() - t0) * 1000)
    return res


async def deliver_due(app: FastAPI) -> int:
    """Send every delivery that is due now; returns the number of attempts made."""
    settings: GatewaySettings = app.state.settings
    limit = settings.webhook_batch_size
    gate = asyncio.Semaphore(settings.webhook_concurrency)

    async def _one(out: Outgoing) -> AttemptResult:
        async with gate:
            try:
                return await send(app, out)
            except Exception as e:  # never lose the attempt record
                log.exception("webhook send failed")
                return AttemptResult(out.delivery_id, utcnow(), 0, error=f"internal error: {type(e).__name__}")

    total = 0
    for _ in range(MAX_ROUNDS):
        batch = await anyio.to_thread.run_sync(_claim, app, limit)
        if not batch:
            break
        results = await asyncio.gather(*(_one(o) for o in batch))
        await anyio.to_thread.run_sync(_record, app, list(results))
        total += len(batch)
        if len(batch) < limit:
            break
    return total


def run_deliveries(app: FastAPI) -> None:
    """Scheduler entry (runs in a worker thread): deliver on the app's event loop."""
    anyio.from_thread.run(deliver_due, app)


def webhook_job(settings: GatewaySettings) -> Job:
    return Job(name="webhook_deliveries", func=run_deliveries, seconds=settings.webhook_poll_seconds)
