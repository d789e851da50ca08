"""Audit trail (issue 13): the append-only, hash-chained audit_event table, its chain head and the
retention guard, with the triggers that refuse UPDATE and DELETE; the signed anchors of every chain

Revision ID: gateway_audit_0040
Revises: gateway_0030
"""
from alembic import op

from shared.audit.migration import create_audit_tables, drop_audit_tables

revision = "gateway_audit_0040"
down_revision = "gateway_0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_tables(op, anchors=True)


def downgrade() -> None:
    drop_audit_tables(op, anchors=True)
