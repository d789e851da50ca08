"""The audit tables, present in every service's database (the anchors in the gateway's only).

- `audit_event`: the records, append-only (a trigger refuses UPDATE and DELETE, and TRUNCATE on
  PostgreSQL), hash-chained: `hash = SHA-256(prev_hash + canonical record)`.
- `audit_chain`: one row per chain, its head (`seq`, `hash`) and its base (the last record dropped by
  retention, `base_seq`/`base_hash`; 0 and the genesis hash before any drop). Appends lock this row,
  so seq has no gaps and no forks.
- `audit_retention_guard`: empty except inside the retention job's own transaction, which inserts its
  one row, drops the exported records (the trigger lets a DELETE through only while the row exists) and
  deletes the row again before it commits. No other transaction ever sees it.
- `audit_anchor` (gateway): each chain's head, signed daily with the gateway's token signing key.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from shared.db import JSONType, UTCDateTime

SHARED = {"owner": "shared"}

audit_event = sa.Table(
    "audit_event", SQLModel.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False, default=""),
    sa.Column("roles", JSONType, nullable=False),
    sa.Column("client_id", sa.String(200), nullable=False, default=""),
    sa.Column("ip", sa.String(64), nullable=False, default=""),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("object_type", sa.String(64), nullable=False, default=""),
    sa.Column("object_id", sa.String(200), nullable=False, default=""),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("detail", JSONType, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("service", "seq", name="uq_audit_event_service_seq"),
    sa.Index("ix_audit_event_at", "at"),
    sa.Index("ix_audit_event_actor", "actor"),
    sa.Index("ix_audit_event_object", "object_type", "object_id"),
    sa.Index("ix_audit_event_action", "action"),
    info=SHARED,
)

audit_chain = sa.Table(
    "audit_chain", SQLModel.metadata,
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("base_seq", sa.BigInteger, nullable=False),
    sa.Column("base_hash", sa.String(64), nullable=False),
    info=SHARED,
)

audit_retention_guard = sa.Table(
    "audit_retention_guard", SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    info=SHARED,
)

audit_anchor = sa.Table(
    "audit_anchor", SQLModel.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("key_id", sa.String(100), nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
    sa.Index("ix_audit_anchor_service_at", "service", "at"),
    info={"owner": "gateway"},
)
