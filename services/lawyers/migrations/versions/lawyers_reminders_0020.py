"""Reminders people receive (issue 14): the reminder send queue and the lawyers' optional e-mail.

Revision ID: lawyers_reminders_0020
Revises: lawyers_audit_0010
"""
import sqlalchemy as sa
from alembic import op

from shared.notify.migration import create_reminder_table, drop_reminder_table

revision = "lawyers_reminders_0020"
down_revision = "lawyers_audit_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lawyer") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    create_reminder_table(op)


def downgrade() -> None:
    drop_reminder_table(op)
    with op.batch_alter_table("lawyer") as batch:
        batch.drop_column("email")
