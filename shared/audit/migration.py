"""DDL of the audit tables and their append-only triggers, used by each service's audit migration.

The trigger DDL is kept here (not only in the migrations) so a test can drop a trigger to change a
row behind the API's back and then put the very same trigger back (`drop_triggers` / `create_triggers`).
"""
from __future__ import annotations

import sqlalchemy as sa

from shared.db import JSONType, UTCDateTime

APPEND_ONLY = "audit records are append-only"

SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"),
    "audit_event_no_delete": (
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "WHEN NOT EXISTS (SELECT 1 FROM audit_retention_guard) "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"),
}

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The retention job alone may drop records: inside its transaction the guard table holds a row.
  IF TG_OP IN ('DELETE', 'TRUNCATE') AND EXISTS (SELECT 1 FROM audit_retention_guard) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP;
END
$$
"""
PG_TRIGGERS = {
    "audit_event_no_change": ("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                              "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"),
    "audit_event_no_truncate": ("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"),
}


def create_triggers(conn) -> None:
    """Create the append-only triggers on `conn` (an Alembic op's bind or any SQLAlchemy connection)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(PG_FUNCTION))
        for ddl in PG_TRIGGERS.values():
            conn.execute(sa.text(ddl))
    else:
        for ddl in SQLITE_TRIGGERS.values():
            conn.execute(sa.text(ddl))


def drop_triggers(conn) -> None:
    if conn.dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON audit_event"))
    else:
        for name in SQLITE_TRIGGERS:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))


def create_audit_tables(op, *, anchors: bool = False) -> None:
    """The audit tables of one service (and the anchor table where `anchors`), with the triggers."""
    op.create_table(
        "audit_event",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("roles", JSONType, nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", JSONType, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
        sa.UniqueConstraint("service", "seq", name="uq_audit_event_service_seq"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_actor", "audit_event", ["actor"])
    op.create_index("ix_audit_event_object", "audit_event", ["object_type", "object_id"])
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
    op.create_table(
        "audit_chain",
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("base_seq", sa.BigInteger, nullable=False),
        sa.Column("base_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("service", name="pk_audit_chain"),
    )
    op.create_table(
        "audit_retention_guard",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_retention_guard"),
    )
    if anchors:
        op.create_table(
            "audit_anchor",
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("service", sa.String(32), nullable=False),
            sa.Column("seq", sa.BigInteger, nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
            sa.Column("at", UTCDateTime, nullable=False),
            sa.Column("key_id", sa.String(100), nullable=False),
            sa.Column("signature", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_audit_anchor"),
        )
        op.create_index("ix_audit_anchor_service_at", "audit_anchor", ["service", "at"])
    create_triggers(op.get_bind())


def drop_audit_tables(op, *, anchors: bool = False) -> None:
    drop_triggers(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    if anchors:
        op.drop_index("ix_audit_anchor_service_at", table_name="audit_anchor")
        op.drop_table("audit_anchor")
    op.drop_table("audit_retention_guard")
    op.drop_table("audit_chain")
    for ix in ("ix_audit_event_action", "ix_audit_event_object", "ix_audit_event_actor", "ix_audit_event_at"):
        op.drop_index(ix, table_name="audit_event")
    op.drop_table("audit_event")
