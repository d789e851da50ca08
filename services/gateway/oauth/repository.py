"""Every query of the oauth feature: clients, people, revoked subjects."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from services.gateway.oauth.models import OAuthClient, RevokedSubject, UserAccount


def client(session: Session, client_id: str) -> OAuthClient | None:
    return session.get(OAuthClient, client_id)


def user(session: Session, username: str) -> UserAccount | None:
    return session.get(UserAccount, username)


def revoked(session: Session, subject: str) -> RevokedSubject | None:
    return session.get(RevokedSubject, subject)


def revoked_since(session: Session, since: datetime) -> dict[str, float]:
    """subject -> revoked at (epoch seconds), for the revocations at or after `since`."""
    rows = session.execute(select(col(RevokedSubject.subject), col(RevokedSubject.revoked_at))
                           .where(col(RevokedSubject.revoked_at) >= since)).all()
    return {r.subject: r.revoked_at.timestamp() for r in rows}
