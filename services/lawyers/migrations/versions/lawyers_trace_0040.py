"""Trace context with each event (issue 15, observability): the W3C `traceparent` an event was emitted in.

Nullable, so the previous release runs on this schema unchanged (it writes none).

Revision ID: lawyers_trace_0040
Revises: lawyers_0030_merge
"""
import sqlalchemy as sa
from alembic import op

revision = "lawyers_trace_0040"
down_revision = "lawyers_0030_merge"
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
