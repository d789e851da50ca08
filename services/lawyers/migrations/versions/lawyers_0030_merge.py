"""Merge the vocabulary/deadlines branch and the reminders branch into one head (issue 15).

Both branched from `lawyers_audit_0010` and touch different tables; a database at either head, or at both,
upgrades to this one. One head lets a service check at startup that its database is current.

Revision ID: lawyers_0030_merge
Revises: lawyers_0020_vocab, lawyers_reminders_0020
"""
revision = "lawyers_0030_merge"
down_revision = ("lawyers_0020_vocab", "lawyers_reminders_0020")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
