"""Revoked subjects (issue 13 item 8): a disabled user's or client's tokens are refused.

Revision ID: gateway_revocation_0060
Revises: gateway_0050_vocab
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = "gateway_revocation_0060"
down_revision = "gateway_0050_vocab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_subject",
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("subject", name="pk_revoked_subject"),
    )


def downgrade() -> None:
    op.drop_table("revoked_subject")
