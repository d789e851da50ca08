"""The shared vocabulary for intakes' categories, provisional agreement deadlines, the calendar's years,
recorded deadline changes, and sessions flagged by a recusal relation added after booking.

- case_intake.category becomes a code (shared/vocabulary.py); unknown words are kept in category_text;
- agreement.deadline_missing_year (the 司法确认 deadline or 回访 date rests on the Monday–Friday fallback);
- calendar_year, deadline_change (shared/deadlines.py);
- session_flag: a scheduled session flagged (e.g. recusal_conflict) until it is rescheduled or cancelled.

Revision ID: mediation_0030_vocab
Revises: mediation_audit_0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.calendar_migrations import create_calendar_year, create_deadline_change, drop_deadline_change
from shared.db import UTCDateTime

revision = "mediation_0030_vocab"
down_revision = "mediation_audit_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from shared import vocabulary

    with op.batch_alter_table("case_intake") as batch:
        batch.add_column(sa.Column("category_text", sa.String(200), nullable=True))
    with op.batch_alter_table("agreement") as batch:
        batch.add_column(sa.Column("deadline_missing_year", sa.Integer, nullable=True))
    create_calendar_year(op)
    create_deadline_change(op)
    op.create_table(
        "session_flag",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("flag", sa.String(40), nullable=False),
        sa.Column("mediator_id", sa.String(32), nullable=True),
        sa.Column("party_name", sa.String(200), nullable=True),
        sa.Column("relation_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
        sa.Column("resolution", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_session_flag"),
    )
    op.create_index("ix_session_flag_session", "session_flag", ["session_id", "resolved_at"])

    conn = op.get_bind()
    intake = sa.table("case_intake", sa.column("id", sa.String), sa.column("category", sa.String),
                      sa.column("category_text", sa.String))
    for iid, cat in conn.execute(sa.select(intake.c.id, intake.c.category).where(intake.c.category != "")).all():
        term = vocabulary.category(cat)
        if term is not None and (term.code != cat or term.text):
            conn.execute(intake.update().where(intake.c.id == iid).values(category=term.code,
                                                                          category_text=term.text))


def downgrade() -> None:
    op.drop_index("ix_session_flag_session", table_name="session_flag")
    op.drop_table("session_flag")
    drop_deadline_change(op)
    op.drop_table("calendar_year")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_column("deadline_missing_year")
    with op.batch_alter_table("case_intake") as batch:
        batch.drop_column("category_text")
