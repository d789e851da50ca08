"""Handoff parties' phones and ID numbers sealed (issue 13, shared/handoff_pii.py): in `handoff.parties`
and in every stored `handoff.requested` (`hub_event.data`, `outbox_event.data`, `dead_letter.event`)
the clear values become the masked value plus the sealed one; pending webhook bodies are masked.
Uses HANDOFF_PII_KEYS (or GATEWAY_HANDOFF_PII_KEYS) from the environment. Downgrade opens them again
(webhook bodies stay masked).

Revision ID: gateway_0090_handoff_pii
Revises: gateway_0080_deadlines
"""
from alembic import op

revision = "gateway_0090_handoff_pii"
down_revision = "gateway_0080_deadlines"
branch_labels = None
depends_on = None


def _ring():
    from services.gateway.settings import GatewaySettings
    from shared.pii import key_ring

    return key_ring(GatewaySettings().handoff_pii_keys)


def upgrade() -> None:
    from services.gateway.handoff.sealing import one_connection, rewrite
    from shared.handoff_pii import seal_party

    ring = _ring()
    rewrite(one_connection(op.get_bind()), lambda p: seal_party(ring, p), webhooks=True)


def downgrade() -> None:
    from services.gateway.handoff.sealing import one_connection, rewrite
    from shared.handoff_pii import open_party

    ring = _ring()
    rewrite(one_connection(op.get_bind()), lambda p: open_party(ring, p))
