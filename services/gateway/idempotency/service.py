"""`Idempotency-Key` on POST (幂等): the first answer replayed, nothing done twice.

Per client (token `client_id` + `sub`), a key remembers the request's
fingerprint (method, path and query, body hash) and, once answered, its
status, headers and body. The same key again:
- same request, answered     -> the first answer, plus `Idempotent-Replayed: true`;
- same request, still running -> 409 `idempotency_in_progress`;
- another request            -> 422 `idempotency_key_reused`.
A 5xx answer or a failure releases the key so the client can retry. Parties' phones and ID
numbers are stored masked, so a replay answers them masked; an answer carrying a secret (a new
webhook's) is stored sealed and replayed as first answered (redact.py). Keys live
`idempotency_ttl_hours` (at least 24); a job deletes them afterwards.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import anyio
from sqlalchemy.exc import IntegrityError

from services.gateway.idempotency import redact, repository
from services.gateway.idempotency.models import DONE, IN_PROGRESS, IdempotencyRecord
from shared.asgi import BodyTooLarge, ClientGone, read_body, replay_receive, send_problem
from shared.auth import Principal
from shared.db import Database, utcnow

log = logging.getLogger("gateway.idempotency")

KEY_HEADER = b"idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
# Response headers kept with the answer (the rest, request id included, belongs to each exchange).
KEPT_HEADERS = frozenset({"content-type", "location", "content-language", "content-disposition", "etag",
                          "last-modified", "cache-control", "link", "retry-after"})
STARTED, REPLAY, REUSED, BUSY = "started", "replay", "reused", "busy"


def valid_key(key: bytes) -> bool:
    return 0 < len(key) <= 255 and all(0x21 <= b <= 0x7E for b in key)


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    h = hashlib.sha256()
    h.update(method.encode() + b" " + path.encode("utf-8") + b"?" + query + b"\n")
    h.update(body)
    return h.hexdigest()


class IdempotencyStore:
    """The database side: begin (race-safe on the primary key), finish, release."""

    def __init__(self, db: Database, ttl_hours: int, lock_seconds: int) -> None:
        self.db = db
        self.ttl = timedelta(hours=ttl_hours)
        self.lock = timedelta(seconds=lock_seconds)

    def begin(self, scope: str, key: str, fp: str, method: str, path: str) -> tuple[str, IdempotencyRecord | None]:
        for _ in range(3):
            now = utcnow()
            try:
                with self.db.session() as s:
                    repository.insert(s, IdempotencyRecord(
                        scope=scope, key=key, fingerprint=fp, method=method, path=path[:2000], state=IN_PROGRESS,
                        created_at=now, expires_at=now + self.ttl))
                return STARTED, None
            except IntegrityError:
                pass
            with self.db.session() as s:
                row = repository.get(s, scope, key)
                if row is None:
                    continue  # released or expired meanwhile: try again
                if row.expires_at <= now:
                    repository.delete_one(s, scope, key)
                    continue
                if row.fingerprint != fp:
                    return REUSED, row
                if row.state == DONE:
                    return REPLAY, row
                if repository.take_over(s, scope, key, now - self.lock, now, now + self.ttl, fp):
                    return STARTED, None
                return BUSY, row
        return BUSY, None

    def finish(self, scope: str, key: str, status: int, headers: list, body: bytes) -> None:
        with self.db.session() as s:
            repository.finish(s, scope, key, status, headers, body)

    def release(self, scope: str, key: str) -> None:
        with self.db.session() as s:
            repository.release(s, scope, key)


class Idempotency:
    """Wraps one keyed POST: decides, runs `downstream` at most once, remembers the answer."""

    def __init__(self, store: IdempotencyStore, max_body: int, sealer=None) -> None:
        self.store = store
        self.max_body = max_body
        self.sealer = sealer  # seals stored answers that carry a secret (redact.py)

    async def __call__(self, scope, receive, send, principal: Principal, raw_key: bytes, downstream) -> None:
        if not valid_key(raw_key):
            await send_problem(scope, send, 400, "invalid_idempotency_key", "Invalid Idempotency-Key",
                               "Idempotency-Key must be 1 to 255 visible ASCII characters.")
            return
        try:
            body = await read_body(receive, self.max_body)
        except BodyTooLarge:
            await send_problem(scope, send, 413, "payload_too_large", "Payload too large",
                               f"The request body exceeds {self.max_body} bytes.")
            return
        except ClientGone:
            return
        key = raw_key.decode("ascii")
        owner = f"{principal.client_id}|{principal.sub}"
        fp = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        outcome, row = await anyio.to_thread.run_sync(self.store.begin, owner, key, fp, scope["method"],
                                                      scope["path"])
        if outcome == REUSED:
            assert row is not None
            await send_problem(scope, send, 422, "idempotency_key_reused", "Idempotency key reused",
                               f"Idempotency-Key {key!r} was used for another request "
                               f"({row.method} {row.path}); use a new key for a new request.")
            return
        if outcome == BUSY:
            await send_problem(scope, send, 409, "idempotency_in_progress", "Request in progress",
                               f"A request with Idempotency-Key {key!r} is still running; retry shortly.",
                               headers={"Retry-After": "1"})
            return
        if outcome == REPLAY:
            assert row is not None
            replay = redact.for_replay(row.body or b"", self.sealer)
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row.headers or []]
            headers += [REPLAYED, (b"content-length", str(len(replay)).encode())]
            await send({"type": "http.response.start", "status": row.status, "headers": headers})
            await send({"type": "http.response.body", "body": replay})
            return
        await self._run(scope, receive, send, owner, key, body, downstream)

    async def _run(self, scope, receive, send, owner: str, key: str, body: bytes, downstream) -> None:
        # The answer is held until it is stored, so a retry right after it can only see it replayed.
        start: dict | None = None
        chunks: list[bytes] = []
        complete = False

        async def capture(message) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete = True

        try:
            await downstream(scope, replay_receive(body, receive), capture)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.store.release, owner, key)
            raise
        status = start["status"] if start else 0
        answer = b"".join(chunks)
        with anyio.CancelScope(shield=True):
            if complete and start is not None and 0 < status < 500:
                kept = [[k.decode("latin-1").lower(), v.decode("latin-1")] for k, v in start.get("headers", [])
                        if k.decode("latin-1").lower() in KEPT_HEADERS]
                stored = redact.for_store(answer, self.sealer)  # personal data masked, secrets sealed
                await anyio.to_thread.run_sync(self.store.finish, owner, key, status, kept, stored)
            else:
                await anyio.to_thread.run_sync(self.store.release, owner, key)
        if start is None:
            raise RuntimeError("downstream sent no answer")
        await send(start)
        await send({"type": "http.response.body", "body": answer})
