"""The shared vocabulary (codes for specialties and categories) and deadlines that follow the calendar.

- lawyer.specialties_text, opinion_request.category_text: the words as sent when unknown (stored as `other`);
- opinion_request.due_start (the default period's start; None for a date the caller gave) and
  deadline_missing_year on requests and reviews (provisional deadlines);
- calendar_year (years loaded whole) and deadline_change (deadlines moved by the calendar);
- data: lawyers' specialties and requests' categories become codes (shared/vocabulary.py), unknown
  words kept as text. Requests stored before keep their due date as it is (no due_start: never moved).
  The downgrade keeps the codes (the words of known synonyms are not restored).

Revision ID: lawyers_0020_vocab
Revises: lawyers_audit_0010
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from shared.calendar_migrations import create_calendar_year, create_deadline_change, drop_deadline_change
from shared.db import JSONType

revision = "lawyers_0020_vocab"
down_revision = "lawyers_audit_0010"
branch_labels = None
depends_on = None


def _list(v):
    if isinstance(v, str):
        v = json.loads(v)
    return list(v or [])


def upgrade() -> None:
    from shared import vocabulary

    with op.batch_alter_table("lawyer") as batch:
        batch.add_column(sa.Column("specialties_text", JSONType, nullable=False, server_default="[]"))
    with op.batch_alter_table("opinion_request") as batch:
        batch.add_column(sa.Column("category_text", sa.String(200), nullable=True))
        batch.add_column(sa.Column("due_start", sa.Date, nullable=True))
        batch.add_column(sa.Column("deadline_missing_year", sa.Integer, nullable=True))
    with op.batch_alter_table("review_matter") as batch:
        batch.add_column(sa.Column("deadline_missing_year", sa.Integer, nullable=True))
    create_calendar_year(op)
    create_deadline_change(op)

    conn = op.get_bind()
    lawyer = sa.table("lawyer", sa.column("id", sa.String), sa.column("specialties", JSONType),
                      sa.column("specialties_text", JSONType))
    for lid, specs in conn.execute(sa.select(lawyer.c.id, lawyer.c.specialties)).all():
        specs = [str(s).strip() for s in _list(specs) if str(s).strip()]
        codes, unknown = vocabulary.specialties(specs)
        if codes != specs or unknown:
            conn.execute(lawyer.update().where(lawyer.c.id == lid).values(specialties=codes, specialties_text=unknown))
    req = sa.table("opinion_request", sa.column("id", sa.String), sa.column("category", sa.String),
                   sa.column("category_text", sa.String))
    for rid, cat in conn.execute(sa.select(req.c.id, req.c.category).where(req.c.category != "")).all():
        term = vocabulary.category(cat)
        if term is not None and (term.code != cat or term.text):
            conn.execute(req.update().where(req.c.id == rid).values(category=term.code, category_text=term.text))


def downgrade() -> None:
    drop_deadline_change(op)
    op.drop_table("calendar_year")
    with op.batch_alter_table("review_matter") as batch:
        batch.drop_column("deadline_missing_year")
    with op.batch_alter_table("opinion_request") as batch:
        batch.drop_column("deadline_missing_year")
        batch.drop_column("due_start")
        batch.drop_column("category_text")
    with op.batch_alter_table("lawyer") as batch:
        batch.drop_column("specialties_text")
