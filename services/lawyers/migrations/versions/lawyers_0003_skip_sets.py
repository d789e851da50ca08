"""Assignment decisions share the roster rules' skip list (assignment_skip_set).

Revision ID: lawyers_0003
Revises: lawyers_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import JSONType

revision = "lawyers_0003"
down_revision = "lawyers_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment_skip_set",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("skipped", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_skip_set")),
    )
    with op.batch_alter_table("assignment_decision") as batch:
        batch.add_column(sa.Column("skip_set_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignment_decision") as batch:
        batch.drop_column("skip_set_id")
    op.drop_table("assignment_skip_set")
