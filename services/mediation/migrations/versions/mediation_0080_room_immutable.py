"""A room (调解室) is never changed once created: the database refuses an UPDATE of its row (issue 11).

The contract has `POST /rooms` and no update, and the service keeps each room's answer once read
(services/mediation/room/answers.py); this trigger makes that rule the database's, so no hand-made UPDATE
can leave a kept answer stale. A later feature that edits rooms drops it and invalidates the kept answers.

Revision ID: mediation_0080_room_immutable
Revises: mediation_0070_intake
"""
from __future__ import annotations

from alembic import op

revision = "mediation_0080_room_immutable"
down_revision = "mediation_0070_intake"
branch_labels = None
depends_on = None

MESSAGE = "a room is never changed once created (services/mediation/room/answers.py)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION room_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END $$""")
        op.execute("CREATE TRIGGER room_immutable BEFORE UPDATE ON room "
                   "FOR EACH ROW EXECUTE FUNCTION room_is_immutable()")
    else:
        op.execute(f"CREATE TRIGGER room_immutable BEFORE UPDATE ON room "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER room_immutable" + (" ON room" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION room_is_immutable()")
