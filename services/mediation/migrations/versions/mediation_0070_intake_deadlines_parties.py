"""Case intakes: a provisional target date, and their parties indexed for 重复信访 lookups (issue 14).

- case_intake.deadline_missing_year: the target date rests on the Monday–Friday fallback for that year;
- intake_party: each intake's parties by name key and keyed hashes (casefile/parties.py), filled from the
  intakes already stored (their parties were sealed and hashed by mediation_pii_0040).

Revision ID: mediation_0070_intake
Revises: mediation_trace_0060
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from shared.db import JSONType

revision = "mediation_0070_intake"
down_revision = "mediation_trace_0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from services.mediation.casefile.parties import rows_of

    with op.batch_alter_table("case_intake") as batch:
        batch.add_column(sa.Column("deadline_missing_year", sa.Integer, nullable=True))
    op.create_table(
        "intake_party",
        sa.Column("intake_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("id_hash", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("intake_id", "position", name="pk_intake_party"),
    )
    op.create_index("ix_intake_party_id_hash", "intake_party", ["id_hash"])
    op.create_index("ix_intake_party_name_key", "intake_party", ["name_key"])

    conn = op.get_bind()
    intake = sa.table("case_intake", sa.column("id", sa.String), sa.column("case_no", sa.String),
                      sa.column("parties", JSONType))
    table = sa.table("intake_party", *(sa.column(c) for c in ("intake_id", "position", "case_no", "name", "role",
                                                              "name_key", "phone_hash", "id_hash")))
    after = ""
    while True:  # in batches: a bureau's years of intakes
        chunk = conn.execute(sa.select(intake.c.id, intake.c.case_no, intake.c.parties)
                             .where(intake.c.id > after).order_by(intake.c.id).limit(500)).all()
        rows = []
        for iid, case_no, parties in chunk:
            parties = json.loads(parties) if isinstance(parties, str) else parties
            rows.extend(rows_of(iid, case_no, parties or []))
        if rows:
            conn.execute(table.insert(), rows)
        if len(chunk) < 500:
            break
        after = chunk[-1][0]


def downgrade() -> None:
    op.drop_index("ix_intake_party_name_key", table_name="intake_party")
    op.drop_index("ix_intake_party_id_hash", table_name="intake_party")
    op.drop_table("intake_party")
    with op.batch_alter_table("case_intake") as batch:
        batch.drop_column("deadline_missing_year")
