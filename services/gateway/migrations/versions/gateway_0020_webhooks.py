"""Webhooks: endpoints (subscriptions), deliveries and the attempt log.

Revision ID: gateway_0020
Revises: gateway_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import JSONType, UTCDateTime

revision = "gateway_0020"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", JSONType, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("previous_secret", sa.String(200)),
        sa.Column("previous_secret_expires_at", UTCDateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.String(500)),
        sa.Column("disabled_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("deleted_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoint"),
    )
    op.create_index("ix_webhook_endpoint_owner_created", "webhook_endpoint", ["owner", "created_at"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("endpoint_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("manual", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("completed_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_delivery"),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"], ondelete="CASCADE",
                                name="fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_delivery_endpoint_created", "webhook_delivery", ["endpoint_id", "created_at"])
    op.create_index("ix_webhook_delivery_event", "webhook_delivery", ["event_id"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("delivery_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.String(1000)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("manual", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempt"),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_delivery.id"], ondelete="CASCADE",
                                name="fk_webhook_attempt_delivery_id_webhook_delivery"),
    )
    op.create_index("ix_webhook_attempt_delivery", "webhook_attempt", ["delivery_id", "number"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempt_delivery", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    op.drop_index("ix_webhook_delivery_event", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_endpoint_created", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_endpoint_owner_created", table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
