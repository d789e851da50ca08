"""Audit trail (issue 13): the append-only, hash-chained audit_event table, its chain head and the
retention guard, with the triggers that refuse UPDATE and DELETE

Revision ID: lawyers_audit_0010
Revises: lawyers_0003
"""
from alembic import op

from shared.audit.migration import create_audit_tables, drop_audit_tables

revision = "lawyers_audit_0010"
down_revision = "lawyers_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_tables(op, anchors=False)


def downgrade() -> None:
    drop_audit_tables(op, anchors=False)
