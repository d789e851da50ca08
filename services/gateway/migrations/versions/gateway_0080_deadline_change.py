"""Handoffs' acceptance deadlines follow the calendar (issue 14): the gateway records the deadlines a
calendar change moved (`deadline_change`, shared/deadlines.py), as the services do.

Revision ID: gateway_0080_deadlines
Revises: gateway_trace_0070
"""
from alembic import op

from shared.calendar_migrations import create_deadline_change, drop_deadline_change

revision = "gateway_0080_deadlines"
down_revision = "gateway_trace_0070"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_deadline_change(op)


def downgrade() -> None:
    drop_deadline_change(op)
