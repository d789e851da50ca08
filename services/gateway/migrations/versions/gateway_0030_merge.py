"""Merge the idempotency, hub and webhook branches into one history.

Revision ID: gateway_0030
Revises: gateway_0003, gateway_0010, gateway_0020
"""
revision = "gateway_0030"
down_revision = ("gateway_0003", "gateway_0010", "gateway_0020")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
