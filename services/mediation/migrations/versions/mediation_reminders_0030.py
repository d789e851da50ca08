"""Reminders people receive (issue 14): the reminder send queue and the mediators' optional e-mail.

Revision ID: mediation_reminders_0030
Revises: mediation_audit_0020
"""
import sqlalchemy as sa
from alembic import op

from shared.notify.migration import create_reminder_table, drop_reminder_table

revision = "mediation_reminders_0030"
down_revision = "mediation_audit_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mediator") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    create_reminder_table(op)


def downgrade() -> None:
    drop_reminder_table(op)
    with op.batch_alter_table("mediator") as batch:
        batch.drop_column("email")
