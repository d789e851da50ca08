"""Alembic, one history per service (`services/<name>/migrations`), run as its own step."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from shared.db import make_engine

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str, revision: str = "heads") -> None:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(service, url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def downgrade(service: str, url: str, revision: str = "base") -> None:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(service, url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def run_env(context, owner: str) -> None:
    """Body of every service's `env.py`: migrate the tables that `owner` and `shared` own."""
    from sqlmodel import SQLModel

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return obj.info.get("owner") in (owner, "shared") if not reflected else True
        return True

    conn = context.config.attributes.get("connection")
    if conn is None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url"), pool_size=1)
        conn = engine.connect()
    context.configure(connection=conn, target_metadata=SQLModel.metadata, include_object=include_object,
                      render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


# -- the shared tables, created by each service's first migration -------------------------
def create_shared_tables(op) -> None:
    from shared.db import JSONType, UTCDateTime

    op.create_table(
        "outbox_event",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128)),
        sa.Column("sequence", sa.BigInteger),
        sa.Column("time", UTCDateTime, nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("published_at", UTCDateTime),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("position", name="pk_outbox_event"),
        sa.UniqueConstraint("id", name="uq_outbox_event_id"),
    )
    op.create_index("ix_outbox_event_pending", "outbox_event", ["published_at", "position"])
    op.create_table(
        "subject_sequence",
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_subject_sequence"),
    )
    op.create_table(
        "inbox_event",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(128)),
        sa.Column("applied_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox_event"),
    )
    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_override"),
    )


def drop_shared_tables(op) -> None:
    op.drop_table("calendar_override")
    op.drop_table("inbox_event")
    op.drop_table("subject_sequence")
    op.drop_index("ix_outbox_event_pending", table_name="outbox_event")
    op.drop_table("outbox_event")
