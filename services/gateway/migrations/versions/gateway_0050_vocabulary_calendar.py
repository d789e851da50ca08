"""Handoffs' categories as codes of the shared vocabulary, and the calendar's loaded years.

- handoff.category becomes a code (shared/vocabulary.py); unknown words are kept in details.category_text
  (the handoff's pass-through fields, so that the targets receive them in `handoff.requested`);
- calendar_year: years whose State Council notice was loaded whole (`PUT /api/v1/calendar/years/{year}`).

Revision ID: gateway_0050_vocab
Revises: gateway_audit_0040
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from shared.calendar_migrations import create_calendar_year
from shared.db import JSONType

revision = "gateway_0050_vocab"
down_revision = "gateway_audit_0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from shared import vocabulary

    create_calendar_year(op)
    conn = op.get_bind()
    handoff = sa.table("handoff", sa.column("id", sa.String), sa.column("category", sa.String),
                       sa.column("details", JSONType))
    rows = conn.execute(sa.select(handoff.c.id, handoff.c.category, handoff.c.details)
                        .where(handoff.c.category != "")).all()
    for hid, cat, details in rows:
        term = vocabulary.category(cat)
        if term is None or (term.code == cat and not term.text):
            continue
        details = dict(json.loads(details) if isinstance(details, str) else (details or {}))
        if term.text:
            details["category_text"] = term.text
            n = vocabulary.nature(term.text)
            if n and "nature" not in details:
                details["nature"] = n
        conn.execute(handoff.update().where(handoff.c.id == hid).values(category=term.code, details=details))


def downgrade() -> None:
    op.drop_table("calendar_year")
