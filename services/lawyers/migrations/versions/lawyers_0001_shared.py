"""The shared tables: outbox, subject sequence, inbox, calendar overrides.

Revision ID: lawyers_0001
Revises:
"""
from alembic import op

from shared.migrate import create_shared_tables, drop_shared_tables

revision = "lawyers_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_shared_tables(op)


def downgrade() -> None:
    drop_shared_tables(op)
