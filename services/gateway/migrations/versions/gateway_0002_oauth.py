"""OAuth clients and user accounts.

Revision ID: gateway_0002
Revises: gateway_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import JSONType, UTCDateTime

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("roles", JSONType, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_oauth_client"),
    )
    op.create_table(
        "user_account",
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("roles", JSONType, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_user_account"),
    )


def downgrade() -> None:
    op.drop_table("user_account")
    op.drop_table("oauth_client")
