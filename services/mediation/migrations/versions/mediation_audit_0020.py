"""Audit trail (issue 13): the append-only, hash-chained audit_event table, its chain head and the
retention guard, with the triggers that refuse UPDATE and DELETE

Revision ID: mediation_audit_0020
Revises: mediation_0010
"""
from alembic import op

from shared.audit.migration import create_audit_tables, drop_audit_tables

revision = "mediation_audit_0020"
down_revision = "mediation_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_tables(op, anchors=False)


def downgrade() -> None:
    drop_audit_tables(op, anchors=False)
