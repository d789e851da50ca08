"""Every query of the gateway's audit anchors (the chains themselves: shared/audit/chain.py)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from shared.audit.models import audit_anchor


def last_anchor(session: Session, service: str) -> tuple[int, str] | None:
    """The (seq, hash) of the newest anchor of `service`'s chain (None: never anchored)."""
    row = session.execute(sa.select(audit_anchor.c.seq, audit_anchor.c.hash).where(audit_anchor.c.service == service)
                          .order_by(audit_anchor.c.at.desc()).limit(1)).first()
    return (int(row[0]), row[1]) if row else None


def store_anchors(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store signed anchors (one executemany)."""
    session.execute(sa.insert(audit_anchor), rows)
