"""Merge the vocabulary/deadlines branch and the reminders/personal-data branch into one head (issue 15).

Both branched from `mediation_audit_0020` and touch different tables; a database at either head, or at
both, upgrades to this one. One head lets a service check at startup that its database is current.

Revision ID: mediation_0050_merge
Revises: mediation_0030_vocab, mediation_pii_0040
"""
revision = "mediation_0050_merge"
down_revision = ("mediation_0030_vocab", "mediation_pii_0040")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
