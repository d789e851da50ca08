"""Disabling a user or client revokes their tokens (issue 13 item 8; shared/revocation.py).

- `revoked_subject`: a subject (a user name or a client id) and when it was revoked. Every token of it
  issued at or before that instant is refused; a subject enabled again gets new tokens that work.
- `disable_user` / `disable_client` (the CLI: `python -m services.gateway.cli disable-user NAME`) mark
  the account inactive (no new token) and revoke the tokens it has, in one transaction.
- The gateway reloads the list from its database every REVOCATION_POLL_SECONDS; the services fetch it
  from `GET /internal/revocations` on the internal listener. Only revocations younger than the longest
  token lifetime matter, so the list stays short.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import anyio
from fastapi import APIRouter, Request
from sqlmodel import Session

from services.gateway.oauth import repository as repo
from services.gateway.oauth.models import RevokedSubject
from shared.auth import CLOCK_SKEW, ServicePrincipal
from shared.db import utcnow


def revoke(session: Session, subject: str, reason: str = "", now: datetime | None = None) -> RevokedSubject:
    now = now or utcnow()
    row = repo.revoked(session, subject)
    if row is None:
        row = RevokedSubject(subject=subject, revoked_at=now, reason=reason[:200])
        session.add(row)
    else:
        row.revoked_at, row.reason = now, reason[:200]
    session.flush()
    return row


def disable_user(session: Session, username: str, reason: str = "disabled") -> bool:
    user = repo.user(session, username)
    if user is None:
        return False
    user.active = False
    revoke(session, username, reason)
    return True


def enable_user(session: Session, username: str) -> bool:
    """Active again: new sign-ins work; the tokens issued before the revocation stay refused."""
    user = repo.user(session, username)
    if user is None:
        return False
    user.active = True
    session.flush()
    return True


def disable_client(session: Session, client_id: str, reason: str = "disabled") -> bool:
    client = repo.client(session, client_id)
    if client is None:
        return False
    client.active = False
    revoke(session, client_id, reason)
    return True


def current(session: Session, max_token_ttl: int, now: datetime | None = None) -> dict[str, float]:
    """subject -> revoked at (epoch seconds), for revocations that can still matter."""
    since = (now or utcnow()) - timedelta(seconds=max_token_ttl + 2 * CLOCK_SKEW)
    return repo.revoked_since(session, since)


def db_source(app):
    """The gateway's own source of the list: its database."""

    def load() -> dict[str, float]:
        with app.state.db.session() as s:
            return current(s, app.state.settings.token_ttl_seconds)

    async def fetch() -> dict[str, float]:
        return await anyio.to_thread.run_sync(load)

    return fetch


router = APIRouter()


@router.get("/internal/revocations", tags=["internal"], include_in_schema=False)
async def revocations(request: Request, _: ServicePrincipal) -> dict:
    """The revoked subjects, for the services' own token checks (internal listener only)."""
    entries = await db_source(request.app)()
    return {"revoked": [{"subject": s, "revoked_at": at} for s, at in sorted(entries.items())]}
