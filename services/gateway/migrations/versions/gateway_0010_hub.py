"""The event hub (events, subjects, deliveries, dead letters) and case handoffs.

Revision ID: gateway_0010
Revises: gateway_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import JSONType, UTCDateTime

revision = "gateway_0010"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_event",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128)),
        sa.Column("sequence", sa.BigInteger),
        sa.Column("time", UTCDateTime, nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_hub_event"),
        sa.UniqueConstraint("id", name="uq_hub_event_id"),
    )
    op.create_index("ix_hub_event_subject", "hub_event", ["subject", "position"])
    op.create_table(
        "hub_subject",
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("contiguous", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("source", "subject", name="pk_hub_subject"),
    )
    op.create_table(
        "hub_delivery",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscriber", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128)),
        sa.Column("sequence", sa.BigInteger),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.PrimaryKeyConstraint("position", name="pk_hub_delivery"),
        sa.UniqueConstraint("subscriber", "event_id", name="uq_hub_delivery_subscriber"),
    )
    op.create_index("ix_hub_delivery_due", "hub_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_hub_delivery_order", "hub_delivery", ["subscriber", "source", "subject", "sequence"])
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("transport", sa.String(16), nullable=False),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event", JSONType, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dead_at", UTCDateTime, nullable=False),
        sa.Column("replayed_at", UTCDateTime),
        sa.Column("replays", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letter"),
        sa.UniqueConstraint("transport", "consumer", "event_id", name="uq_dead_letter_consumer"),
    )
    op.create_table(
        "handoff",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("reason_code", sa.String(100)),
        sa.Column("category", sa.String(100), nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("parties", JSONType, nullable=False),
        sa.Column("details", JSONType, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("origin", sa.String(200)),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoff"),
        sa.UniqueConstraint("origin", name="uq_handoff_origin"),
    )
    op.create_index("ix_handoff_case", "handoff", ["case_no", "requested_at"])
    op.create_index("ix_handoff_due", "handoff", ["status", "expires_at"])
    op.create_table(
        "handoff_step",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False, server_default=""),
        sa.Column("reason", sa.Text),
        sa.Column("reason_code", sa.String(100)),
        sa.Column("event_id", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("position", name="pk_handoff_step"),
    )
    op.create_index("ix_handoff_step_handoff", "handoff_step", ["handoff_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_handoff_step_handoff", table_name="handoff_step")
    op.drop_table("handoff_step")
    op.drop_index("ix_handoff_due", table_name="handoff")
    op.drop_index("ix_handoff_case", table_name="handoff")
    op.drop_table("handoff")
    op.drop_table("dead_letter")
    op.drop_index("ix_hub_delivery_order", table_name="hub_delivery")
    op.drop_index("ix_hub_delivery_due", table_name="hub_delivery")
    op.drop_table("hub_delivery")
    op.drop_table("hub_subject")
    op.drop_index("ix_hub_event_subject", table_name="hub_event")
    op.drop_table("hub_event")
