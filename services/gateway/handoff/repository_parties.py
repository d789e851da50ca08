"""Every query of handoff/sealing.py: the stored copies of a handoff's parties, read and rewritten in batches.

The tables are named here as plain Core tables (not the ORM models), so that the migration
gateway_0090_handoff_pii runs against the schema of its own revision. The functions take a
connection (a migration's, or a short transaction of the CLI).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import sqlalchemy as sa

from shared.db import JSONType

REQUESTED = "handoff.requested"

HANDOFF = sa.table("handoff", sa.column("id", sa.String), sa.column("parties", JSONType))
HUB_EVENT = sa.table("hub_event", sa.column("position", sa.Integer), sa.column("type", sa.String),
                     sa.column("data", JSONType))
OUTBOX_EVENT = sa.table("outbox_event", sa.column("position", sa.Integer), sa.column("type", sa.String),
                        sa.column("data", JSONType))
DEAD_LETTER = sa.table("dead_letter", sa.column("id", sa.String), sa.column("event", JSONType))
WEBHOOK_DELIVERY = sa.table("webhook_delivery", sa.column("id", sa.String), sa.column("event_type", sa.String),
                            sa.column("body", sa.Text))


class StoredCopy(NamedTuple):
    """Where one copy of the parties is stored: the table, its key, the value holding them, which rows."""

    table: sa.TableClause
    key: sa.ColumnClause
    value: sa.ColumnClause
    where: sa.ColumnElement[bool] | None


HANDOFF_PARTIES = StoredCopy(HANDOFF, HANDOFF.c.id, HANDOFF.c.parties, None)
HUB_EVENTS = StoredCopy(HUB_EVENT, HUB_EVENT.c.position, HUB_EVENT.c.data, HUB_EVENT.c.type == REQUESTED)
OUTBOX_EVENTS = StoredCopy(OUTBOX_EVENT, OUTBOX_EVENT.c.position, OUTBOX_EVENT.c.data,
                           OUTBOX_EVENT.c.type == REQUESTED)
DEAD_LETTERS = StoredCopy(DEAD_LETTER, DEAD_LETTER.c.id, DEAD_LETTER.c.event, None)
WEBHOOK_BODIES = StoredCopy(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.c.id, WEBHOOK_DELIVERY.c.body,
                            WEBHOOK_DELIVERY.c.event_type == REQUESTED)


def batch_after(conn: sa.Connection, copy: StoredCopy, after: Any, batch: int) -> list[sa.Row]:
    """The next `batch` (key, value) rows of `copy` in key order, after the key `after` (None: from the start)."""
    q = sa.select(copy.key, copy.value).order_by(copy.key).limit(batch)
    if copy.where is not None:
        q = q.where(copy.where)
    if after is not None:
        q = q.where(copy.key > after)
    return list(conn.execute(q).all())


def set_value(conn: sa.Connection, copy: StoredCopy, key: Any, value: Any) -> None:
    conn.execute(copy.table.update().where(copy.key == key).values({copy.value.name: value}))


def handoffs_parties(conn: sa.Connection) -> Iterator[Any]:
    """Each handoff's stored parties (one query, read as it goes)."""
    for (parties,) in conn.execute(sa.select(HANDOFF.c.parties)):
        yield parties
