"""Migration steps shared by every service: the loaded years (calendar_year) and the recorded deadline
changes (deadline_change; shared/deadlines.py). Called from each service's own Alembic history."""
from __future__ import annotations

import sqlalchemy as sa

from shared.db import UTCDateTime


def create_calendar_year(op) -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("days", sa.Integer, nullable=False, server_default="0"),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("sequence", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("year", name="pk_calendar_year"),
    )


def create_deadline_change(op) -> None:
    op.create_table(
        "deadline_change",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("object", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(64), nullable=True),
        sa.Column("from_day", sa.Date, nullable=False),
        sa.Column("to_day", sa.Date, nullable=False),
        sa.Column("missing_year", sa.Integer, nullable=True),
        sa.Column("cause", sa.String(128), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deadline_change"),
    )
    op.create_index("ix_deadline_change_cause", "deadline_change", ["cause"])
    op.create_index("ix_deadline_change_object", "deadline_change", ["object", "object_id"])


def drop_deadline_change(op) -> None:
    op.drop_index("ix_deadline_change_object", table_name="deadline_change")
    op.drop_index("ix_deadline_change_cause", table_name="deadline_change")
    op.drop_table("deadline_change")
