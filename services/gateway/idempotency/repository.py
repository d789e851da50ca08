"""Every query on idempotency keys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlmodel import Session, col

from services.gateway.idempotency.models import DONE, IN_PROGRESS, IdempotencyRecord
from shared.db import rowcount
from shared.jobs import claim

T = IdempotencyRecord


def insert(session: Session, row: IdempotencyRecord) -> None:
    session.add(row)
    session.flush()


def get(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    return session.get(T, (scope, key))


def delete_one(session: Session, scope: str, key: str) -> None:
    session.execute(delete(T).where(col(T.scope) == scope, col(T.key) == key))


def take_over(session: Session, scope: str, key: str, stale: datetime, now: datetime, expires: datetime,
              fingerprint: str) -> bool:
    """Claim an in-progress key whose runner vanished (older than `stale`). True when this caller won."""
    res = session.execute(update(T).where(col(T.scope) == scope, col(T.key) == key, col(T.state) == IN_PROGRESS,
                                          col(T.created_at) < stale, col(T.fingerprint) == fingerprint)
                          .values(created_at=now, expires_at=expires))
    return rowcount(res) == 1


def finish(session: Session, scope: str, key: str, status: int, headers: list, body: bytes) -> None:
    session.execute(update(T).where(col(T.scope) == scope, col(T.key) == key, col(T.state) == IN_PROGRESS)
                    .values(state=DONE, status=status, headers=headers, body=body))


def release(session: Session, scope: str, key: str) -> None:
    session.execute(delete(T).where(col(T.scope) == scope, col(T.key) == key, col(T.state) == IN_PROGRESS))


def delete_expired(session: Session, now: datetime, batch: int) -> int:
    rows = claim(session, select(T).where(col(T.expires_at) < now).order_by(col(T.expires_at)).limit(batch))
    if rows:
        session.execute(delete(T).where(tuple_(T.scope, T.key).in_([(r.scope, r.key) for r in rows])))
    return len(rows)
