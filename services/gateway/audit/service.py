"""The gateway's side of the audit trail: the merged listing, the check of every chain, the anchors.

Each service keeps its own chain (shared/audit). The gateway reads the services' chains through their
internal endpoints (`/internal/audit/...`, with its own `service` token) and its own chain directly.

Anchors (选型): the gateway alone stores them. Once a day it fetches every chain's head (seq, hash),
signs it with its token signing key (a compact JWS, RS256, `kid` of the key, verifiable with the public
JWKS) and stores it in its `audit_anchor` table, in another database than the chains of mediation and
lawyers. `verify` hands each chain its last anchor: the record at the anchored seq must still carry the
anchored hash, so a chain rewritten whole (every hash recomputed) is still caught.
"""
from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import anyio
import httpx
import orjson
from joserfc import jws

from services.gateway.audit import repository as repo
from shared.audit import chain
from shared.db import utcnow
from shared.errors import Unprocessable, UpstreamError
from shared.timeutil import MAX_YEAR, MIN_YEAR, SHANGHAI

SERVICES = ("gateway", "mediation", "lawyers")
FILTERS = ("actor", "action", "object_type", "object_id", "outcome")


def field_error(name: str, message: str, zh: str) -> Unprocessable:
    return Unprocessable(f"{name}: {message}", detail_zh=f"{name}：{zh}",
                         errors=[{"field": name, "message": message, "message_zh": zh, "type": "value_error"}])


def parse_bound(name: str, value: str | None, *, end: bool) -> datetime | None:
    """`from` / `to`: a day (`YYYY-MM-DD`, Asia/Shanghai; `to` takes the whole day) or an RFC 3339 instant."""
    if not value:
        return None
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            if not MIN_YEAR <= d.year <= MAX_YEAR:
                raise ValueError
            at = datetime.combine(d + timedelta(days=1) if end else d, datetime.min.time(), tzinfo=SHANGHAI)
        else:
            at = datetime.fromisoformat(value)
            if at.tzinfo is None or not MIN_YEAR <= at.year <= MAX_YEAR:
                raise ValueError
            if end:
                at += timedelta(microseconds=1)
    except (ValueError, OverflowError):
        raise field_error(name, "expected a date YYYY-MM-DD or an instant with an offset, years 1900–2200",
                          "应为 YYYY-MM-DD 日期或带时区的时间（1900–2200 年）") from None
    return at


class ServiceToken:
    """The gateway's own `service` token for the services' internal audit endpoints."""

    def __init__(self, signer) -> None:
        self.signer = signer
        self._token: tuple[str, float] | None = None

    def __call__(self) -> str:
        if self._token is None or time.time() > self._token[1] - 300:
            token, ttl = self.signer.issue("gateway", "gateway", ["service"])
            self._token = (token, time.time() + ttl)
        return self._token[0]


def service_token(app) -> str:
    tok = getattr(app.state, "audit_service_token", None)
    if tok is None:
        tok = app.state.audit_service_token = ServiceToken(app.state.signer)
    return tok()


def service_url(app, svc: str) -> str:
    return getattr(app.state.settings, f"{svc}_url").rstrip("/")


async def _remote(app, svc: str, path: str, params: dict[str, Any]) -> dict:
    async def ask() -> httpx.Response:
        return await app.state.http.get(service_url(app, svc) + "/internal/audit/" + path,
                                        params={k: v for k, v in params.items() if v is not None},
                                        headers={"Authorization": f"Bearer {service_token(app)}"}, timeout=10.0)

    try:
        try:
            r = await ask()
        except httpx.RemoteProtocolError:  # a kept-alive connection closed as it was reused: a read, asked again
            r = await ask()
    except httpx.HTTPError as e:
        raise UpstreamError(f"The {svc} service's audit trail is unreachable.", detail_zh="暂时无法读取审计记录。",
                            service=svc) from e
    if r.status_code != 200:
        raise UpstreamError(f"The {svc} service's audit trail answered {r.status_code}.",
                            detail_zh="暂时无法读取审计记录。", service=svc)
    return r.json()


def _local_list(app, before_seq, limit, filters, start, end) -> dict:
    with app.state.db.session(read_only=True) as s:
        rows = chain.listing(s, "gateway", before_seq=before_seq, limit=limit + 1, start=start, end=end, **filters)
    return {"items": [chain.public(r) for r in rows[:limit]], "more": len(rows) > limit}


async def list_one(app, svc: str, before_seq: int | None, limit: int, filters: dict, start, end) -> dict:
    if svc == "gateway":
        return await anyio.to_thread.run_sync(_local_list, app, before_seq, limit, filters, start, end)
    return await _remote(app, svc, "events", {"before_seq": before_seq, "limit": limit,
                                              "start": start.isoformat() if start else None,
                                              "end": end.isoformat() if end else None, **filters})


async def merged(app, services: list[str], positions: dict[str, int | None], limit: int, filters: dict,
                 start, end) -> tuple[list[dict], dict[str, int] | None]:
    """The newest `limit` records of `services` after `positions` (per service: the seq the next page
    starts below; 0 when that service has no more); and the positions of the next page (None: no more)."""
    pages: dict[str, dict] = {}
    unreachable: list[UpstreamError] = []

    async def one(svc: str) -> None:
        try:
            pages[svc] = await list_one(app, svc, positions.get(svc), limit, filters, start, end)
        except UpstreamError as e:  # answered as itself (502), not as the task group's ExceptionGroup (a 500)
            unreachable.append(e)

    async with anyio.create_task_group() as tg:
        for svc in services:
            if positions.get(svc) != 0:
                tg.start_soon(one, svc)
    if unreachable:
        raise unreachable[0]
    everything = [item for page in pages.values() for item in page["items"]]
    everything.sort(key=lambda i: (datetime.fromisoformat(i["at"]), i["service"], i["seq"]), reverse=True)
    taken = everything[:limit]
    nxt: dict[str, int] = {svc: 0 for svc in services if positions.get(svc) == 0}
    for svc, page in pages.items():
        mine = [i["seq"] for i in taken if i["service"] == svc]
        left = len(page["items"]) > len(mine) or page["more"]
        if not left:
            nxt[svc] = 0
        elif mine:
            nxt[svc] = min(mine)
        else:
            nxt[svc] = positions.get(svc)  # type: ignore[assignment]  # nothing of it on this page
    return taken, (None if all(v == 0 for v in nxt.values()) else nxt)


def last_anchor(app, svc: str) -> tuple[int, str] | None:
    with app.state.db.session(read_only=True) as s:
        return repo.last_anchor(s, svc)


def _local_verify(app, anchor) -> dict:
    with app.state.db.session(read_only=True) as s:
        return chain.verify(s, "gateway", anchor=anchor)


async def verify_all(app) -> dict:
    chains: dict[str, dict] = {}

    async def one(svc: str) -> None:
        anchor = await anyio.to_thread.run_sync(last_anchor, app, svc)
        if svc == "gateway":
            chains[svc] = await anyio.to_thread.run_sync(_local_verify, app, anchor)
            return
        try:
            res = await _remote(app, svc, "verify", {"anchor_seq": anchor[0] if anchor else None,
                                                     "anchor_hash": anchor[1] if anchor else None})
            chains[svc] = {k: res.get(k) for k in ("service", "checked", "head", "first_bad_seq")}
        except UpstreamError:
            chains[svc] = {"service": svc, "checked": 0, "head": None, "first_bad_seq": None, "error": "unreachable"}

    async with anyio.create_task_group() as tg:
        for svc in SERVICES:
            tg.start_soon(one, svc)
    out = [chains[s] for s in SERVICES]
    ok = all(c.get("first_bad_seq") is None and not c.get("error") for c in out)
    return {"ok": ok, "chains": out}


# -- the daily signed anchor ------------------------------------------------------------------------
def sign_anchor(signer, head: dict[str, Any], at: datetime) -> str:
    payload = orjson.dumps({"service": head["service"], "seq": int(head["seq"]), "hash": head["hash"],
                            "at": at.isoformat()})
    return jws.serialize_compact({"alg": "RS256", "kid": signer.kid(), "typ": "audit-anchor"}, payload,
                                 signer.current)


def anchor_heads(app) -> list[dict]:
    """Fetch every chain's head, sign it, store it (a job: runs in a worker thread)."""
    heads = []
    with app.state.db.session(read_only=True) as s:
        h = chain.head(s, "gateway")
        heads.append({"service": "gateway", "seq": int(h["seq"]), "hash": h["hash"]})
    with httpx.Client(timeout=10.0) as c:
        for svc in SERVICES[1:]:
            r = c.get(service_url(app, svc) + "/internal/audit/head",
                      headers={"Authorization": f"Bearer {service_token(app)}"})
            r.raise_for_status()
            heads.append(r.json())
    now = utcnow()
    rows = [{"id": uuid.uuid4().hex, "service": h["service"], "seq": int(h["seq"]), "hash": h["hash"], "at": now,
             "key_id": app.state.signer.kid(), "signature": sign_anchor(app.state.signer, h, now)}
            for h in heads if int(h["seq"]) > 0]
    if rows:
        with app.state.db.session() as s:
            repo.store_anchors(s, rows)
    return rows


def anchor_job(app) -> None:
    anchor_heads(app)
