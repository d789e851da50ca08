"""The hash chain: appending records, checking a chain, listing records, dropping old ones.

A record's hash is `SHA-256(prev_hash + "\\n" + canonical JSON of the record)`, the canonical JSON being
the record's fields (all but `prev_hash` and `hash`) with sorted keys, no spaces, UTF-8, `at` in UTC
with microseconds. The first record after the chain's base has the base hash as its `prev_hash`
(the genesis hash `0...0` until retention first drops records).

Appends are serialised per chain: the transaction locks its chain's `audit_chain` row (`SELECT ... FOR
UPDATE` on PostgreSQL; SQLite's write lock, taken by `BEGIN IMMEDIATE`, serialises already) before it
numbers its records, and holds it until it commits, so `seq` has no gaps and no forks.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from shared.audit.models import audit_chain, audit_event, audit_retention_guard
from shared.db import utcnow

GENESIS = "0" * 64
FIELDS = ("id", "service", "seq", "at", "actor", "roles", "client_id", "ip", "action", "object_type",
          "object_id", "outcome", "detail")
OUTCOMES = ("success", "failure")
VERIFY_BATCH = 2000


def _at(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(rec: dict[str, Any]) -> bytes:
    body = {k: rec[k] for k in FIELDS}
    body["at"] = _at(rec["at"])
    body["roles"] = sorted(rec["roles"] or [])
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def record_hash(rec: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(rec)).hexdigest()


def _clip(value: Any, n: int) -> str:
    return ("" if value is None else str(value))[:n]


def new_record(service: str, action: str, *, actor: str = "", roles: Iterable[str] = (), client_id: str = "",
               ip: str = "", object_type: str = "", object_id: str = "", outcome: str = "success",
               detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record not yet numbered (`seq`, `at`, `prev_hash` and `hash` are set when it is appended)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    return {"id": uuid.uuid4().hex, "service": service, "seq": None, "at": None, "actor": _clip(actor, 200),
            "roles": sorted({str(r) for r in roles}), "client_id": _clip(client_id, 200), "ip": _clip(ip, 64),
            "action": _clip(action, 200), "object_type": _clip(object_type, 64),
            "object_id": _clip(object_id, 200), "outcome": outcome,
            # through JSON once, so the hash is computed over what the database gives back
            "detail": orjson.loads(orjson.dumps(detail or {}, default=str))}


def dialect(conn) -> str:
    """The dialect name of a Session or a Connection."""
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    return bind.dialect.name


# Built once: every change of every service appends here.
HEAD = sa.select(audit_chain).where(audit_chain.c.service == sa.bindparam("service"))
HEAD_LOCKED = HEAD.with_for_update()
MOVE_HEAD = (sa.update(audit_chain).where(audit_chain.c.service == sa.bindparam("b_service"))
             .values(seq=sa.bindparam("b_seq"), hash=sa.bindparam("b_hash")))
INSERT_RECORDS = sa.insert(audit_event)


def _head(conn, service: str, *, lock: bool) -> dict[str, Any]:
    postgres = dialect(conn) == "postgresql"
    q = HEAD_LOCKED if lock and postgres else HEAD
    row = conn.execute(q, {"service": service}).mappings().first()
    if row is None:
        values = {"service": service, "seq": 0, "hash": GENESIS, "base_seq": 0, "base_hash": GENESIS}
        if postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(audit_chain).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sa.insert(audit_chain).values(values))
        row = conn.execute(q, {"service": service}).mappings().first()
    return dict(row)


def head(conn, service: str) -> dict[str, Any]:
    """The chain's row: head (`seq`, `hash`) and base (`base_seq`, `base_hash`); reads only (an empty chain
    that has no row yet is the genesis)."""
    row = conn.execute(sa.select(audit_chain).where(audit_chain.c.service == service)).mappings().first()
    if row is None:
        return {"service": service, "seq": 0, "hash": GENESIS, "base_seq": 0, "base_hash": GENESIS}
    return dict(row)


def append(conn, service: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number, chain and insert `records` in the caller's transaction (`conn`: a Session or Connection)."""
    if not records:
        return records
    chain = _head(conn, service, lock=True)
    seq, prev = int(chain["seq"]), chain["hash"]
    now = utcnow()
    for rec in records:
        seq += 1
        rec["service"], rec["seq"], rec["at"] = service, seq, now
        rec["prev_hash"] = prev
        rec["hash"] = prev = record_hash(rec, prev)
    conn.execute(INSERT_RECORDS, records)
    conn.execute(MOVE_HEAD, {"b_service": service, "b_seq": seq, "b_hash": prev})
    return records


def verify(conn, service: str, *, anchor: tuple[int, str] | None = None) -> dict[str, Any]:
    """Walk the chain from its base: `{"service", "checked", "head", "first_bad_seq"}` (None when intact).

    A record is bad when its seq is not the next one, its `prev_hash` is not the hash before it, or its
    hash is not the hash of its content; the head row must name the last record; an `anchor` (seq, hash)
    above the base must match the record at that seq.
    """
    chain = head(conn, service)
    expected_seq, prev = int(chain["base_seq"]) + 1, chain["base_hash"]
    checked, bad = 0, None
    anchors = {}
    if anchor is not None and anchor[0] > int(chain["base_seq"]):
        anchors[int(anchor[0])] = anchor[1]
    last = int(chain["base_seq"])
    while bad is None:
        rows = conn.execute(sa.select(audit_event).where(audit_event.c.service == service,
                                                         audit_event.c.seq >= expected_seq)
                            .order_by(audit_event.c.seq).limit(VERIFY_BATCH)).mappings().all()
        if not rows:
            break
        for row in rows:
            rec = dict(row)
            checked += 1
            if (rec["seq"] != expected_seq or rec["prev_hash"] != prev or rec["hash"] != record_hash(rec, prev)
                    or anchors.get(rec["seq"], rec["hash"]) != rec["hash"]):
                bad = min(expected_seq, rec["seq"])
                break
            prev, last = rec["hash"], rec["seq"]
            expected_seq += 1
    if bad is None and (last != int(chain["seq"]) or prev != chain["hash"]):
        bad = last + 1 if last < int(chain["seq"]) else int(chain["seq"]) + 1  # records missing, or a stale head
    if bad is None and anchors and max(anchors) > last:
        bad = last + 1  # the anchored record is gone
    return {"service": service, "checked": checked, "head": int(chain["seq"]), "first_bad_seq": bad}


def public(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as the API answers it (no hashes; `at` in +08:00)."""
    from shared.timeutil import to_local

    return {"id": rec["id"], "service": rec["service"], "seq": int(rec["seq"]), "at": to_local(rec["at"]).isoformat(),
            "actor": rec["actor"], "roles": list(rec["roles"] or []), "client_id": rec["client_id"], "ip": rec["ip"],
            "action": rec["action"], "object_type": rec["object_type"], "object_id": rec["object_id"],
            "outcome": rec["outcome"], "detail": rec["detail"] or {}}


def listing(conn, service: str, *, before_seq: int | None = None, limit: int = 50, actor: str | None = None,
            action: str | None = None, object_type: str | None = None, object_id: str | None = None,
            outcome: str | None = None, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Records newest first (by seq), those below `before_seq` when given; `end` exclusive."""
    t = audit_event.c
    q = sa.select(audit_event).where(t.service == service)
    if before_seq is not None:
        q = q.where(t.seq < before_seq)
    for col, value in ((t.actor, actor), (t.action, action), (t.object_type, object_type),
                       (t.object_id, object_id), (t.outcome, outcome)):
        if value:
            q = q.where(col == value)
    if start is not None:
        q = q.where(t.at >= start)
    if end is not None:
        q = q.where(t.at < end)
    return [dict(r) for r in conn.execute(q.order_by(t.seq.desc()).limit(limit)).mappings().all()]


def open_guard(conn) -> None:
    """Let this transaction drop audit records (the triggers look for the guard row)."""
    conn.execute(sa.insert(audit_retention_guard).values(id=1))


def close_guard(conn) -> None:
    conn.execute(sa.delete(audit_retention_guard))


def export_line(rec: dict[str, Any]) -> bytes:
    """One JSON line of the export: every field, hashes included, `at` in UTC."""
    body = {k: rec[k] for k in (*FIELDS, "prev_hash", "hash")}
    body["at"] = _at(rec["at"])
    return orjson.dumps(body) + b"\n"
