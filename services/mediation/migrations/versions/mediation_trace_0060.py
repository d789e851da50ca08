"""Trace context with each event (issue 15, observability): the W3C `traceparent` an event was emitted in.

Nullable, so the previous release runs on this schema unchanged (it writes none).

Revision ID: mediation_trace_0060
Revises: mediation_0050_merge
"""
import sqlalchemy as sa
from alembic import op

revision = "mediation_trace_0060"
down_revision = "mediation_0050_merge"
branch_labels = None
depends_on = None

TABLES = ("outbox_event",)


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("traceparent", sa.String(55), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("traceparent")
