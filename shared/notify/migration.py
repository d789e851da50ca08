"""The reminder table in a service's migration (mediation and lawyers each create their own)."""
from __future__ import annotations

import sqlalchemy as sa

from shared.db import UTCDateTime


def create_reminder_table(op) -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("lead", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("case_no", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_ref", sa.String(length=200), nullable=True),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("kind", "object_id", "recipient", "lead", "target", name="uq_reminder_key"),
    )
    op.create_index("ix_reminder_pending", "reminder", ["status", "next_attempt_at"])
    op.create_index("ix_reminder_object", "reminder", ["object_id"])


def drop_reminder_table(op) -> None:
    op.drop_index("ix_reminder_object", table_name="reminder")
    op.drop_index("ix_reminder_pending", table_name="reminder")
    op.drop_table("reminder")
